/// A host value with a known length whose elements can be read by position (`len(x)`, `x[i]`).
///
/// `Operators.length` and `Operators.index` consult this for `.object` values.
public protocol StarlarkIndexable: StarlarkIterable {
    /// The number of elements.
    var count: Int { get }
    /// The element at `index`, which is in `0..<count`.
    func element(at index: Int) -> Value
}
