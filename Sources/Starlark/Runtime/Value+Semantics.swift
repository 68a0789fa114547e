import BigInt

extension Value {
    /// The Starlark hash; equal values (including `1` and `1.0`) hash alike.
    public func hash() throws -> Int {
        try hash(depth: 0)
    }

    private func hash(depth: Int) throws -> Int {
        switch self {
        case .none: return 0
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        case .bigInt(let b): return b.value.hashValue
        case .float(let f):
            if f.isFinite, f == f.rounded(.towardZero) {
                if let small = Int(exactly: f) { return small }
                if let big = BigInt(exactly: f) { return big.hashValue }
            }
            return f.isNaN ? 0x7FF8 : f.hashValue
        case .string(let s): return s.hashValue
        case .bytes(let b): return b.hashValue
        case .tuple(let items):
            guard depth < 1000 else { throw StarlarkError("hash exceeded maximum recursion depth") }
            var hasher = Hasher()
            for item in items { hasher.combine(try item.hash(depth: depth + 1)) }
            return hasher.finalize()
        case .list: throw StarlarkError("unhashable type: list")
        case .dict: throw StarlarkError("unhashable type: dict")
        case .set: throw StarlarkError("unhashable type: set")
        case .range: throw StarlarkError("unhashable: range")
        case .function(let f): return ObjectIdentifier(f).hashValue
        case .builtin(let b): return ObjectIdentifier(b).hashValue
        case .object(let o): return try o.hash()
        }
    }

    /// Starlark `==`.
    public func equals(_ other: Value) throws -> Bool {
        try equals(other, depth: 0)
    }

    private func equals(_ other: Value, depth: Int) throws -> Bool {
        guard depth < 1000 else { throw StarlarkError("comparison exceeded maximum recursion depth") }
        switch (self, other) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.int, .bigInt), (.bigInt, .int): return false
        case (.bigInt(let a), .bigInt(let b)): return a.value == b.value
        case (.float(let a), .float(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.float, .int), (.float, .bigInt), (.int, .float), (.bigInt, .float):
            return try Numeric.compare(self, other) == 0
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.tuple(let a), .tuple(let b)): return try Self.sequencesEqual(a, b, depth: depth)
        case (.list(let a), .list(let b)):
            // No identity shortcut: comparing a cyclic list with itself must hit the depth limit, as in Go.
            return try Self.sequencesEqual(a.elements, b.elements, depth: depth)
        case (.dict(let a), .dict(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a.entries {
                guard let theirs = try b.get(key), try value.equals(theirs, depth: depth + 1) else { return false }
            }
            return true
        case (.set(let a), .set(let b)):
            if a === b { return true }
            guard a.count == b.count else { return false }
            for element in a.elements where !(try b.contains(element)) { return false }
            return true
        case (.range(let a), .range(let b)):
            let count = a.count
            guard count == b.count else { return false }
            return count == 0 || (a.start == b.start && (count == 1 || a.step == b.step))
        case (.function(let a), .function(let b)): return a === b
        case (.builtin(let a), .builtin(let b)): return a.isSame(as: b)
        case (.object(let a), .object(let b)): return try a.equals(b)
        default: return false
        }
    }

    private static func sequencesEqual(_ a: [Value], _ b: [Value], depth: Int) throws -> Bool {
        guard a.count == b.count else { return false }
        for index in a.indices where !(try a[index].equals(b[index], depth: depth + 1)) { return false }
        return true
    }

    /// Orders two values for `<`, `<=`, `>`, `>=` and `sorted`: negative, zero or positive.
    /// - Parameter op: the operator, for the message when the types are not ordered.
    public func compare(_ other: Value, op: String = "<") throws -> Int {
        try compare(other, op: op, depth: 0)
    }

    private func compare(_ other: Value, op: String, depth: Int) throws -> Int {
        guard depth < 1000 else { throw StarlarkError("comparison exceeded maximum recursion depth") }
        switch (self, other) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int, _), (.bigInt, _), (.float, _):
            if other.isNumber { return try Numeric.compare(self, other) }
        case (.string(let a), .string(let b)):
            if a.utf8.elementsEqual(b.utf8) { return 0 }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
        case (.bytes(let a), .bytes(let b)):
            if a == b { return 0 }
            return a.lexicographicallyPrecedes(b) ? -1 : 1
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (a ? 1 : -1)
        case (.object(let a as any StarlarkBinaryOperand), _):
            // Host values order themselves through their `<` (times, durations, …).
            if case .bool(let isLess)? = try a.binary(.less, other, selfIsLeft: true) {
                return isLess ? -1 : (try equals(other) ? 0 : 1)
            }
        case (.tuple(let a), .tuple(let b)): return try Self.compareSequences(a, b, op: op, depth: depth)
        case (.list(let a), .list(let b)):
            return try Self.compareSequences(a.elements, b.elements, op: op, depth: depth)
        default: break
        }
        throw StarlarkError("\(typeName) \(op) \(other.typeName) not implemented")
    }

    private static func compareSequences(_ a: [Value], _ b: [Value], op: String, depth: Int) throws -> Int {
        for index in 0..<min(a.count, b.count) where !(try a[index].equals(b[index], depth: depth + 1)) {
            return try a[index].compare(b[index], op: op, depth: depth + 1)
        }
        return a.count < b.count ? -1 : (a.count == b.count ? 0 : 1)
    }

    var isNumber: Bool {
        switch self {
        case .int, .bigInt, .float: true
        default: false
        }
    }

    /// Makes the value and everything it reaches immutable.
    public func freeze() {
        switch self {
        case .list(let l): l.freeze()
        case .dict(let d): d.freeze()
        case .set(let s): s.freeze()
        case .tuple(let items): for item in items { item.freeze() }
        case .function(let f): f.freeze()
        case .object(let o): o.freeze()
        default: break
        }
    }
}
