import BigInt

/// Converting between Starlark values and Swift values.
///
/// ```swift
/// let value = try Value(converting: ["id": 1, "tags": ["a", "b"]])   // a Starlark dict
/// let id = value.dictLookup("id")?.intValue                             // 1
/// ```
extension Value {
    /// A Starlark string.
    public init(_ text: String) { self = .string(text) }
    /// A Starlark int.
    public init(_ int: Int) { self = .int(int) }
    /// A Starlark float.
    public init(_ double: Double) { self = .float(double) }
    /// A Starlark bool.
    public init(_ bool: Bool) { self = .bool(bool) }

    /// A new Starlark list.
    public static func list(_ elements: [Value]) -> Value { .list(StarlarkList(elements)) }

    /// A new Starlark dict with entries in the given order.
    /// - Throws: when a key is unhashable.
    public static func dict(_ entries: [(Value, Value)]) throws -> Value {
        let dict = StarlarkDict()
        for (key, value) in entries { try dict.set(key, value) }
        return .dict(dict)
    }

    /// New Starlark dicts with the same keys, one per row of `rows` (a value per key, in the keys'
    /// order): the keys are hashed once for all of them, and the dicts share their key storage
    /// until one is changed. For many records of the same shape (rows of a table).
    /// - Throws: when a key is unhashable.
    public static func dicts(keys: [Value], rows: [[Value]]) throws -> [Value] {
        let template = StarlarkDict()
        for key in keys { try template.set(key, .none) }
        var dicts: [Value] = []
        dicts.reserveCapacity(rows.count)
        for row in rows {
            // Repeated keys keep their last value, as one by one; the shared layout needs one key per value.
            guard template.count == keys.count, row.count == keys.count else {
                dicts.append(try .dict(Array(zip(keys, row))))
                continue
            }
            let dict = StarlarkDict()
            dict.table = template.table
            dict.table.replaceValues(row)
            dicts.append(.dict(dict))
        }
        return dicts
    }

    /// Converts a Swift value: nil/`NSNull`-free optionals, Bool, integers, floating point,
    /// String, arrays (to lists), dictionaries with String keys (to dicts, keys sorted for a
    /// stable order) and `Value` itself.
    /// - Throws: ``StarlarkError`` naming the Swift type that has no Starlark counterpart.
    public init(converting swift: Any?) throws {
        guard let swift else {
            self = .none
            return
        }
        switch swift {
        case let value as Value: self = value
        case let bool as Bool: self = .bool(bool)
        case let int as Int: self = .int(int)
        case let int as Int64: self = .int(Int(int))
        case let int as Int32: self = .int(Int(int))
        case let int as UInt64: self = .int(BigInt(int))
        case let int as BigInt: self = .int(int)
        case let double as Double: self = .float(double)
        case let float as Float: self = .float(Double(float))
        case let text as String: self = .string(text)
        case let text as Substring: self = .string(String(text))
        case let bytes as [UInt8]: self = .bytes(bytes)
        case let array as [Any?]: self = .list(StarlarkList(try array.map { try Value(converting: $0) }))
        case let dictionary as [String: Any?]:
            self = try .dict(
                dictionary.keys.sorted().map { (.string($0), try Value(converting: dictionary[$0] ?? nil)) })
        default:
            throw StarlarkError("cannot convert a Swift \(type(of: swift)) to a Starlark value")
        }
    }

    /// The int, when this is an int that fits in `Int`.
    public var intValue: Int? { if case .int(let i) = self { i } else { nil } }
    /// The number as a `Double` (ints and floats).
    public var doubleValue: Double? {
        switch self {
        case .float(let f): f
        case .int(let i): Double(i)
        case .bigInt(let b): Double(String(b.value))
        default: nil
        }
    }
    /// The text, when this is a string.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The bool, when this is a bool.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The elements, when this is a list or tuple.
    public var arrayValue: [Value]? {
        switch self {
        case .list(let list): list.elements
        case .tuple(let items): items
        default: nil
        }
    }
    /// The entries in order, when this is a dict.
    public var dictEntries: [(key: Value, value: Value)]? { if case .dict(let d) = self { d.entries } else { nil } }

    /// `self[key]` for a dict with a string key, or nil.
    public func dictLookup(_ key: String) -> Value? {
        guard case .dict(let dict) = self else { return nil }
        return try? dict.get(.string(key))
    }

    /// A plain Swift value: nil, Bool, Int, BigInt, Double, String, [UInt8], [Any?] or
    /// [String: Any?] (dict keys as their `str`), for handing results to Swift code.
    public var swiftValue: Any? {
        switch self {
        case .none: nil
        case .bool(let b): b
        case .int(let i): i
        case .bigInt(let b): b.value
        case .float(let f): f
        case .string(let s): s
        case .bytes(let b): b
        case .list(let l): l.elements.map(\.swiftValue)
        case .tuple(let t): t.map(\.swiftValue)
        case .set(let s): s.elements.map(\.swiftValue)
        case .dict(let d):
            Dictionary(d.entries.map { ($0.key.str, $0.value.swiftValue) }, uniquingKeysWith: { _, last in last })
        default: repr
        }
    }
}

extension StarlarkThread {
    /// Calls a global function of an executed program by name, with keyword arguments.
    public func call(_ callable: Value, _ positional: [Value], named: [(String, Value)] = []) throws -> Value {
        try call(callable, Arguments(positional, named: named.map { (name: $0.0, value: $0.1) }))
    }
}

extension Value: Equatable {
    /// Starlark equality (`1 == 1.0`, lists by content); values that cannot be compared, such as
    /// cyclic lists, are unequal.
    public static func == (lhs: Value, rhs: Value) -> Bool {
        (try? lhs.equals(rhs)) ?? false
    }
}
