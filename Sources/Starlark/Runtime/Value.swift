import BigInt

/// A Starlark value.
///
/// Immutable values (None, bool, int, float, string, bytes, tuple) are stored inline or as Swift
/// values; mutable ones (list, dict, set) and functions are reference types that can be frozen.
public enum Value: Sendable {
    case none
    case bool(Bool)
    /// An int that fits in 64 bits: the fast path.
    case int(Int)
    /// An int beyond 64 bits; always normalized (never holds a value that fits in `Int`).
    case bigInt(BigIntBox)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list(StarlarkList)
    case tuple([Value])
    case dict(StarlarkDict)
    case set(StarlarkSet)
    case range(StarlarkRange)
    case function(StarlarkFunction)
    case builtin(Builtin)
    /// A value defined by the host (a module, a struct, an HTTP response, …).
    case object(any StarlarkObject)

    /// An int from any `BigInt`, using the fast path when it fits.
    public static func int(_ value: BigInt) -> Value {
        if let small = Int(exactly: value) { return .int(small) }
        return .bigInt(BigIntBox(value))
    }

    /// The value's type name, as `type(x)` returns it.
    public var typeName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "string"
        case .bytes: "bytes"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .set: "set"
        case .range: "range"
        case .function: "function"
        case .builtin: "builtin_function_or_method"
        case .object(let object): object.typeName
        }
    }

    /// The value's truth in conditions (`if x:`).
    public var truth: Bool {
        switch self {
        case .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .bigInt: true
        case .float(let f): f != 0
        case .string(let s): !s.isEmpty
        case .bytes(let b): !b.isEmpty
        case .list(let l): !l.elements.isEmpty
        case .tuple(let t): !t.isEmpty
        case .dict(let d): d.count > 0
        case .set(let s): s.count > 0
        case .range(let r): r.count > 0
        case .function, .builtin: true
        case .object(let o): o.truth
        }
    }

    /// The int as a `BigInt`, if this is an int.
    public var bigIntValue: BigInt? {
        switch self {
        case .int(let i): BigInt(i)
        case .bigInt(let b): b.value
        default: nil
        }
    }

    /// Whether this is None.
    public var isNone: Bool { if case .none = self { true } else { false } }
}

/// An immutable box for a big int, keeping ``Value`` small.
public final class BigIntBox: Sendable {
    /// The value; never fits in `Int`.
    public let value: BigInt

    /// Boxes a value.
    public init(_ value: BigInt) { self.value = value }
}

/// A value type defined by the host. Implement the optional protocols (``StarlarkAttributes``,
/// ``StarlarkIterable``, …) for more behaviour.
public protocol StarlarkObject: AnyObject, Sendable {
    /// The name `type(x)` returns.
    var typeName: String { get }
    /// The text `str(x)` and `repr(x)` show.
    var description: String { get }
    /// Truth in conditions; true by default.
    var truth: Bool { get }
    /// Makes the value (and what it reaches) immutable.
    func freeze()
    /// The hash, or an error for unhashable values (the default).
    func hash() throws -> Int
    /// Equality with another host value; identity by default.
    func equals(_ other: any StarlarkObject) throws -> Bool
}

extension StarlarkObject {
    /// True unless the type says otherwise.
    public var truth: Bool { true }
    /// Nothing to freeze by default.
    public func freeze() {}
    /// Unhashable by default.
    public func hash() throws -> Int { throw StarlarkError("unhashable: \(typeName)") }
    /// Identity by default.
    public func equals(_ other: any StarlarkObject) throws -> Bool { self === other }
}

/// A host value with fields or methods (`x.name`).
public protocol StarlarkAttributes: StarlarkObject {
    /// The attribute, or nil when there is none.
    func attribute(_ name: String) throws -> Value?
    /// The names `dir(x)` lists.
    var attributeNames: [String] { get }
}

/// A host value whose fields can be assigned (`x.name = v`).
public protocol StarlarkSettableAttributes: StarlarkAttributes {
    /// Sets a field.
    func setAttribute(_ name: String, _ value: Value) throws
}

/// A host value that can be iterated (`for x in v`).
public protocol StarlarkIterable: StarlarkObject {
    /// Yields the elements until `body` returns false.
    func iterate(_ body: (Value) throws -> Bool) throws
}

/// A host value that takes part in binary operators; return nil for unsupported operations.
public protocol StarlarkBinaryOperand: StarlarkObject {
    /// `self op other` (`selfIsLeft`) or `other op self`.
    func binary(_ op: BinaryOperator, _ other: Value, selfIsLeft: Bool) throws -> Value?
}

/// A host value that can be called like a function.
public protocol StarlarkCallable: StarlarkObject {
    /// The name used in tracebacks.
    var name: String { get }
    /// Calls the value.
    func call(_ thread: StarlarkThread, _ arguments: Arguments) throws -> Value
}
