import BigInt

/// The implementation of a method: the thread, the receiver and the arguments.
public typealias MethodBody = @Sendable (StarlarkThread, Value, Arguments) throws -> Value

/// Operators, indexing, iteration and attribute lookup for every value type.
enum Operators {
    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
        switch op {
        case .plus:
            if let result = try Numeric.add(a, b) { return result }
            switch (a, b) {
            case (.string(let x), .string(let y)): return .string(x + y)
            case (.bytes(let x), .bytes(let y)): return .bytes(x + y)
            case (.list(let x), .list(let y)): return .list(StarlarkList(x.elements + y.elements))
            case (.tuple(let x), .tuple(let y)): return .tuple(x + y)
            default: break
            }
        case .minus:
            if let result = try Numeric.subtract(a, b) { return result }
            if case .set(let x) = a, case .set(let y) = b { return .set(try SetAlgebra.difference(x, y)) }
        case .star:
            if let result = try Numeric.multiply(a, b) { return result }
            if let result = try repeatSequence(a, b) ?? repeatSequence(b, a) { return result }
        case .slash:
            if let result = try Numeric.divide(a, b) { return result }
        case .slashSlash:
            if let result = try Numeric.floorDivide(a, b) { return result }
        case .percent:
            if let result = try Numeric.modulo(a, b) { return result }
            if case .string(let format) = a { return .string(try PercentFormat.format(format, b)) }
            if case .bytes(let format) = a {
                let text = String(decoding: format, as: UTF8.self)
                return .bytes(Array(try PercentFormat.format(text, b).utf8))
            }
        case .ampersand, .pipe, .caret, .lessLess, .greaterGreater:
            if case .int = a, case .int = b { if let result = try Numeric.bitwise(op, a, b) { return result } }
            if a.bigIntValue != nil, b.bigIntValue != nil, let result = try Numeric.bitwise(op, a, b) { return result }
            if case .set(let x) = a, case .set(let y) = b {
                switch op {
                case .pipe: return .set(try SetAlgebra.union(x, y.elements))
                case .ampersand: return .set(try SetAlgebra.intersection(x, y))
                case .caret: return .set(try SetAlgebra.symmetricDifference(x, y))
                default: break
                }
            }
            if case .dict(let x) = a, case .dict(let y) = b, op == .pipe {
                let merged = StarlarkDict()
                for (key, value) in x.entries { try merged.set(key, value) }
                for (key, value) in y.entries { try merged.set(key, value) }
                return .dict(merged)
            }
        case .equal: return .bool(try a.equals(b))
        case .notEqual: return .bool(!(try a.equals(b)))
        case .less, .greater, .lessEqual, .greaterEqual:
            if isSetPair(a, b) { return .bool(try setOrder(op, a, b)) }
            let order = try a.compare(b, op: op.rawValue)
            switch op {
            case .less: return .bool(order < 0)
            case .greater: return .bool(order > 0)
            case .lessEqual: return .bool(order <= 0)
            default: return .bool(order >= 0)
            }
        case .in: return .bool(try contains(b, a))
        case .notIn: return .bool(!(try contains(b, a)))
        case .and, .or: break
        }
        if case .object(let object as any StarlarkBinaryOperand) = a,
            let result = try object.binary(op, b, selfIsLeft: true)
        {
            return result
        }
        if case .object(let object as any StarlarkBinaryOperand) = b,
            let result = try object.binary(op, a, selfIsLeft: false)
        {
            return result
        }
        throw StarlarkError("unknown binary op: \(a.typeName) \(op.rawValue) \(b.typeName)")
    }

    private static func isSetPair(_ a: Value, _ b: Value) -> Bool {
        if case .set = a, case .set = b { return true }
        return false
    }

    /// Sets order by inclusion: `a <= b` is "subset of", `a < b` "proper subset of".
    private static func setOrder(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Bool {
        guard case .set(let x) = a, case .set(let y) = b else { return false }
        func isSubset(_ small: StarlarkSet, _ large: StarlarkSet) throws -> Bool {
            try small.elements.allSatisfy { try large.contains($0) }
        }
        switch op {
        case .lessEqual: return try isSubset(x, y)
        case .less: return try x.count < y.count && isSubset(x, y)
        case .greaterEqual: return try isSubset(y, x)
        default: return try y.count < x.count && isSubset(y, x)
        }
    }

    /// `sequence * count` for strings, bytes, lists and tuples.
    private static func repeatSequence(_ sequence: Value, _ count: Value) throws -> Value? {
        let length: Int
        switch sequence {
        case .string(let s): length = s.utf8.count
        case .bytes(let b): length = b.count
        case .list(let l): length = l.elements.count
        case .tuple(let t): length = t.count
        default: return nil
        }
        guard let times = count.bigIntValue else { return nil }
        if case .bool = count { return nil }
        if times > BigInt(Int32.max) { throw StarlarkError("repeat count \(times) too large") }
        let repeats = times < 0 ? 0 : Int(exactly: times) ?? 0
        if length > 0, repeats > 0 {
            let (total, overflow) = length.multipliedReportingOverflow(by: repeats)
            if overflow || total >= 1 << 30 {
                throw StarlarkError("excessive repeat (\(length) * \(times) elements)")
            }
        }
        switch sequence {
        case .string(let s): return .string(String(repeating: s, count: length == 0 ? 0 : repeats))
        case .bytes(let b): return .bytes(Array([[UInt8]](repeating: b, count: repeats).joined()))
        case .list(let l): return .list(StarlarkList(Array([[Value]](repeating: l.elements, count: repeats).joined())))
        case .tuple(let t): return .tuple(Array([[Value]](repeating: t, count: repeats).joined()))
        default: return nil
        }
    }

    static func unary(_ op: UnaryOperator, _ value: Value) throws -> Value {
        switch (op, value) {
        case (.not, _): return .bool(!value.truth)
        case (.minus, .int(let i)): return i == Int.min ? .int(-BigInt(i)) : .int(-i)
        case (.minus, .bigInt(let b)): return .int(-b.value)
        case (.minus, .float(let f)): return .float(-f)
        case (.plus, .int), (.plus, .bigInt), (.plus, .float): return value
        case (.tilde, .int(let i)): return .int(~i)
        case (.tilde, .bigInt(let b)): return .int(~b.value)
        default:
            throw StarlarkError("unknown unary op: \(op.rawValue)\(value.typeName)")
        }
    }

    /// `needle in container`.
    static func contains(_ container: Value, _ needle: Value) throws -> Bool {
        switch container {
        case .list(let l): return try l.elements.contains { try $0.equals(needle) }
        case .tuple(let t): return try t.contains { try $0.equals(needle) }
        case .dict(let d):
            // An unhashable value cannot be a key, so it is simply not in the dict.
            guard (try? needle.hash()) != nil else { return false }
            return try d.get(needle) != nil
        case .set(let s): return try s.contains(needle)
        case .string(let s):
            guard case .string(let sub) = needle else {
                throw StarlarkError("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return sub.isEmpty || s.utf8.firstRange(of: sub.utf8) != nil
        case .bytes(let b):
            switch needle {
            case .bytes(let sub): return sub.isEmpty || b.firstRange(of: sub) != nil
            case .int(let i):
                guard (0...255).contains(i) else { throw StarlarkError("int in bytes: \(i) out of range") }
                return b.contains(UInt8(i))
            default: throw StarlarkError("'in bytes' requires bytes or int as left operand, not \(needle.typeName)")
            }
        case .range(let r):
            switch needle {
            case .int(let i): return rangeContains(r, i)
            case .bigInt: return false
            case .float(let f): return Int(exactly: f).map { rangeContains(r, $0) } ?? false
            default: throw StarlarkError("'in <range>' requires integer as left operand, not \(needle.typeName)")
            }
        default:
            if case .object(let object as any StarlarkIterable) = container {
                var found = false
                try object.iterate { element in
                    found = try element.equals(needle)
                    return !found
                }
                return found
            }
            throw StarlarkError("unknown binary op: \(needle.typeName) in \(container.typeName)")
        }
    }

    private static func rangeContains(_ r: StarlarkRange, _ i: Int) -> Bool {
        if r.step > 0 { return i >= r.start && i < r.stop && (i - r.start) % r.step == 0 }
        return i <= r.start && i > r.stop && (r.start - i) % (-r.step) == 0
    }

    /// Whether `for x in value` works.
    static func isIterable(_ value: Value) -> Bool {
        switch value {
        case .list, .tuple, .dict, .set, .range: return true
        case .object(let object): return object is any StarlarkIterable
        default: return false
        }
    }

    /// `len(x)`, or nil for values without a length.
    static func length(_ value: Value) -> Int? {
        switch value {
        case .string(let s): s.utf8.count
        case .bytes(let b): b.count
        case .list(let l): l.elements.count
        case .tuple(let t): t.count
        case .dict(let d): d.count
        case .set(let s): s.count
        case .range(let r): r.count
        case .object(let object as any StarlarkIndexable): object.count
        default: nil
        }
    }

    /// Calls `body` with every element; `body` returns false to stop early.
    static func iterate(_ value: Value, _ body: (Value) throws -> Bool) throws {
        switch value {
        case .list(let l):
            l.activeIterations += 1
            defer { l.activeIterations -= 1 }
            var index = 0
            while index < l.elements.count {
                if try !body(l.elements[index]) { return }
                index += 1
            }
        case .tuple(let t):
            for element in t where try !body(element) { return }
        case .dict(let d):
            d.activeIterations += 1
            defer { d.activeIterations -= 1 }
            for key in d.keys where try !body(key) { return }
        case .set(let s):
            s.activeIterations += 1
            defer { s.activeIterations -= 1 }
            for element in s.elements where try !body(element) { return }
        case .range(let r):
            let count = r.count
            var index = 0
            while index < count {
                if try !body(.int(r.element(index))) { return }
                index += 1
            }
        case .object(let object as any StarlarkIterable):
            try object.iterate(body)
        case .string:
            throw StarlarkError("string value is not iterable")
        case .bytes:
            throw StarlarkError("bytes value is not iterable")
        default:
            throw StarlarkError("\(value.typeName) value is not iterable")
        }
    }

    /// The elements of an iterable as an array.
    static func elements(_ value: Value) throws -> [Value] {
        switch value {
        case .list(let l): return l.elements
        case .tuple(let t): return t
        default:
            var result: [Value] = []
            if let count = length(value) { result.reserveCapacity(count) }
            try iterate(value) {
                result.append($0)
                return true
            }
            return result
        }
    }

    // MARK: Indexing

    /// Resolves a possibly negative index into 0..<count, or throws the spec's message.
    static func resolveIndex(_ index: Value, count: Int, what: String) throws -> Int {
        guard case .int(var i) = index else {
            if case .bigInt = index { throw StarlarkError("\(what) index out of range") }
            throw StarlarkError("\(what) index: got \(index.typeName), want int")
        }
        let original = i
        if i < 0 { i += count }
        guard i >= 0, i < count else {
            if count == 0 { throw StarlarkError("index \(original) out of range: empty \(what)") }
            throw StarlarkError("\(what) index \(original) out of range [\(-count):\(count - 1)]")
        }
        return i
    }

    static func index(_ container: Value, _ key: Value) throws -> Value {
        switch container {
        case .list(let l): return l.elements[try resolveIndex(key, count: l.elements.count, what: "list")]
        case .tuple(let t): return t[try resolveIndex(key, count: t.count, what: "tuple")]
        case .string(let s):
            let bytes = Array(s.utf8)
            let i = try resolveIndex(key, count: bytes.count, what: "string")
            return .string(UTF8Text.decode([bytes[i]]))
        case .bytes(let b): return .bytes([b[try resolveIndex(key, count: b.count, what: "bytes")]])
        case .range(let r): return .int(r.element(try resolveIndex(key, count: r.count, what: "range")))
        case .dict(let d):
            guard let value = try d.get(key) else { throw StarlarkError("key \(key.repr) not in dict") }
            return value
        case .object(let object as any StarlarkIndexable):
            return object.element(at: try resolveIndex(key, count: object.count, what: object.typeName))
        default:
            throw StarlarkError("unhandled index operation \(container.typeName)[\(key.typeName)]")
        }
    }

    static func setIndex(_ container: Value, _ key: Value, _ value: Value) throws {
        switch container {
        case .list(let l):
            if l.isFrozen { throw StarlarkError("cannot assign to element of frozen list") }
            if l.activeIterations > 0 { throw StarlarkError("cannot assign to element of list during iteration") }
            l.elements[try resolveIndex(key, count: l.elements.count, what: "list")] = value
        case .dict(let d):
            try d.set(key, value)
        case .string:
            throw StarlarkError("string value does not support item assignment")
        case .bytes:
            throw StarlarkError("bytes value does not support item assignment")
        default:
            throw StarlarkError("\(container.typeName) value does not support item assignment")
        }
    }

    static func slice(_ container: Value, _ start: Value, _ end: Value, _ step: Value) throws -> Value {
        var stride = 1
        if case .int(let s) = step {
            guard s != 0 else { throw StarlarkError("zero is not a valid slice step") }
            stride = s
        } else if !step.isNone {
            throw StarlarkError("invalid slice step: got \(step.typeName), want int")
        }
        func indices(_ count: Int) throws -> [Int] {
            func bound(_ value: Value, _ defaultValue: Int, _ which: String) throws -> Int {
                if value.isNone { return defaultValue }
                guard case .int(var i) = value else {
                    throw StarlarkError("invalid \(which) index: got \(value.typeName), want int")
                }
                if i < 0 { i += count }
                if stride > 0 { return min(max(i, 0), count) }
                return min(max(i, -1), count - 1)
            }
            let from = try bound(start, stride > 0 ? 0 : count - 1, "start")
            let to = try bound(end, stride > 0 ? count : -1, "end")
            var result: [Int] = []
            var i = from
            while stride > 0 ? i < to : i > to {
                result.append(i)
                let (next, overflow) = i.addingReportingOverflow(stride)
                if overflow { break }
                i = next
            }
            return result
        }
        switch container {
        case .list(let l): return .list(StarlarkList(try indices(l.elements.count).map { l.elements[$0] }))
        case .tuple(let t): return .tuple(try indices(t.count).map { t[$0] })
        case .string(let s):
            let bytes = Array(s.utf8)
            let picked = try indices(bytes.count)
            if stride == 1, let first = picked.first, let last = picked.last {
                return .string(UTF8Text.decode(bytes[first...last]))
            }
            return .string(UTF8Text.decode(picked.map { bytes[$0] }))
        case .bytes(let b): return .bytes(try indices(b.count).map { b[$0] })
        case .range(let r):
            let picked = try indices(r.count)
            if picked.isEmpty { return .range(StarlarkRange(start: 0, stop: 0, step: 1)) }
            let first = r.element(picked[0])
            let newStep = r.step * stride
            return .range(StarlarkRange(start: first, stop: first + newStep * picked.count, step: newStep))
        default: break
        }
        throw StarlarkError("invalid slice operand \(container.typeName)")
    }

    // MARK: Attributes

    /// `x.name`: a method bound to `x`, or a host value's field.
    static func attribute(_ value: Value, _ name: String) throws -> Value {
        if let method = MethodTables.method(for: value, name) {
            return .builtin(
                Builtin(name, receiver: value) { thread, builtin, arguments in
                    try method(thread, builtin.receiver ?? .none, arguments)
                })
        }
        if case .object(let object as any StarlarkAttributes) = value, let field = try object.attribute(name) {
            return field
        }
        throw noAttribute(value, name)
    }

    static func noAttribute(_ value: Value, _ name: String) -> StarlarkError {
        let names = attributeNames(value)
        var message = "\(value.typeName) has no .\(name) field or method"
        if let suggestion = Spelling.nearest(name, in: names) { message += " (did you mean .\(suggestion)?)" }
        return StarlarkError(message)
    }

    /// The names `dir(x)` lists, sorted.
    static func attributeNames(_ value: Value) -> [String] {
        var names = MethodTables.names(for: value)
        if case .object(let object as any StarlarkAttributes) = value { names += object.attributeNames }
        return names.sorted()
    }

    static func setAttribute(_ target: Value, _ name: String, _ value: Value) throws {
        guard case .object(let object as any StarlarkSettableAttributes) = target else {
            throw StarlarkError("can't assign to .\(name) field of \(target.typeName)")
        }
        try object.setAttribute(name, value)
    }
}

/// Set operations shared by operators and methods.
enum SetAlgebra {
    static func union(_ a: StarlarkSet, _ elements: [Value]) throws -> StarlarkSet {
        let result = StarlarkSet()
        for element in a.elements { try result.insert(element) }
        for element in elements { try result.insert(element) }
        return result
    }

    static func intersection(_ a: StarlarkSet, _ b: StarlarkSet) throws -> StarlarkSet {
        let result = StarlarkSet()
        for element in a.elements where try b.contains(element) { try result.insert(element) }
        return result
    }

    static func difference(_ a: StarlarkSet, _ b: StarlarkSet) throws -> StarlarkSet {
        let result = StarlarkSet()
        for element in a.elements where !(try b.contains(element)) { try result.insert(element) }
        return result
    }

    static func symmetricDifference(_ a: StarlarkSet, _ b: StarlarkSet) throws -> StarlarkSet {
        let result = StarlarkSet()
        for element in a.elements where !(try b.contains(element)) { try result.insert(element) }
        for element in b.elements where !(try a.contains(element)) { try result.insert(element) }
        return result
    }
}

/// "Did you mean" suggestions for misspelled names.
enum Spelling {
    static func nearest(_ name: String, in candidates: [String]) -> String? {
        // Case and underscores are ignored: `FortyFive` suggests `forty_five`.
        func normalized(_ text: String) -> [Character] { Array(text.lowercased().filter { $0 != "_" }) }
        let target = normalized(name)
        let limit = target.count < 4 ? 1 : 2
        var best: (String, Int)?
        for candidate in candidates where candidate != name {
            let distance = editDistance(target, normalized(candidate))
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
