import Starlark

/// `struct(**kwargs)`: an immutable record with fields, as starlark-go's harness predeclares it.
final class StructValue: StarlarkAttributes, @unchecked Sendable {
    let fields: [(String, Value)]

    init(fields: [(String, Value)]) { self.fields = fields.sorted { $0.0 < $1.0 } }

    var typeName: String { "struct" }
    var description: String {
        "struct(" + fields.map { "\($0.0) = \($0.1.repr)" }.joined(separator: ", ") + ")"
    }
    func freeze() { for (_, value) in fields { value.freeze() } }
    func attribute(_ name: String) throws -> Value? { fields.first { $0.0 == name }?.1 }
    var attributeNames: [String] { fields.map(\.0) }
    func hash() throws -> Int {
        var hasher = Hasher()
        for (name, value) in fields {
            hasher.combine(name)
            hasher.combine(try value.hash())
        }
        return hasher.finalize()
    }
    func equals(_ other: any StarlarkObject) throws -> Bool {
        guard let other = other as? StructValue, other.fields.count == fields.count else { return false }
        for (mine, theirs) in zip(fields, other.fields) {
            guard mine.0 == theirs.0, try mine.1.equals(theirs.1) else { return false }
        }
        return true
    }
}

/// `hasfields()`: a mutable value with settable fields, for testing attribute assignment.
final class HasFieldsValue: StarlarkSettableAttributes, StarlarkBinaryOperand, @unchecked Sendable {
    private var fields: [String: Value] = [:]
    private var frozen = false

    var typeName: String { "hasfields" }
    var description: String { "hasfields" }
    func freeze() {
        frozen = true
        for value in fields.values { value.freeze() }
    }
    func hash() throws -> Int { 42 }
    func attribute(_ name: String) throws -> Value? { fields[name] }
    var attributeNames: [String] { fields.keys.sorted() }
    func setAttribute(_ name: String, _ value: Value) throws {
        if frozen { throw StarlarkError("cannot set field on a frozen hasfields") }
        // Names starting with "no" are refused, to test the "did you mean" hint on assignment.
        if name.hasPrefix("no") { throw StarlarkError.noAttribute(name, of: .object(self)) }
        fields[name] = value
    }
    func binary(_ op: BinaryOperator, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        // A value with its own `+`: `list + hasfields` is 42, checking that host operands take part.
        if op == .plus, !selfIsLeft, case .list = other { return .int(42) }
        return nil
    }
}

/// `fibonacci`: an endless iterable, to test iteration that stops early.
final class FibonacciValue: StarlarkIterable, @unchecked Sendable {
    var typeName: String { "fib" }
    var description: String { "fib" }
    func iterate(_ body: (Value) throws -> Bool) throws {
        var (current, next) = (0, 1)
        while try body(.int(current)) {
            (current, next) = (next, current &+ next)
        }
    }
}
