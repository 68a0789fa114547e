import BigInt

/// Argument checks shared by the universal builtins and the container methods, worded as
/// starlark-go words them so that error-matching tests agree.
extension Universe {
    /// Whether `value(...)` works.
    static func isCallable(_ value: Value) -> Bool {
        switch value {
        case .function, .builtin: true
        case .object(let object): object is any StarlarkCallable
        default: false
        }
    }

    /// The elements of an iterable parameter, or "fn: for parameter p: got T, want iterable".
    static func iterableArgument(_ value: Value, _ function: String, _ parameter: String) throws -> [Value] {
        guard Operators.isIterable(value) else {
            throw StarlarkError("\(function): for parameter \(parameter): got \(value.typeName), want iterable")
        }
        return try Operators.elements(value)
    }

    /// An int parameter that must fit in 64 bits (bools are not ints here).
    static func intArgument(_ value: Value, _ function: String, _ parameter: String) throws -> Int {
        do {
            return try exactInt(value)
        } catch let error as StarlarkError {
            throw StarlarkError("\(function): for parameter \(parameter): \(error.message)")
        }
    }

    /// A 64-bit int from an int value, with starlark-go's messages and no function prefix.
    static func exactInt(_ value: Value) throws -> Int {
        switch value {
        case .int(let i): return i
        case .bigInt(let b): throw StarlarkError("\(b.value) out of range (want value in signed 64-bit range)")
        default: throw StarlarkError("got \(value.typeName), want int")
        }
    }

    /// A bool parameter, or "fn: for parameter p: got T, want bool".
    static func boolArgument(_ value: Value, _ function: String, _ parameter: String) throws -> Bool {
        guard case .bool(let flag) = value else {
            throw StarlarkError("\(function): for parameter \(parameter): got \(value.typeName), want bool")
        }
        return flag
    }

    /// A string parameter, or "fn: for parameter p: got T, want string".
    static func stringArgument(_ value: Value, _ function: String, _ parameter: String) throws -> String {
        guard case .string(let text) = value else {
            throw StarlarkError("\(function): for parameter \(parameter): got \(value.typeName), want string")
        }
        return text
    }

    /// A callable parameter, or "fn: for parameter p: got T, want callable".
    static func callableArgument(_ value: Value, _ function: String, _ parameter: String) throws -> Value {
        guard isCallable(value) else {
            throw StarlarkError("\(function): for parameter \(parameter): got \(value.typeName), want callable")
        }
        return value
    }

    /// Resolves optional `start`/`end` arguments (None or int, negative from the end) to a
    /// clamped half-open range of `0..<count`, as `list.index` and the string searches use them.
    static func clampedIndices(_ start: Value?, _ end: Value?, count: Int) throws -> (start: Int, end: Int) {
        func resolve(_ value: Value?, _ defaultValue: Int, _ which: String) throws -> Int {
            guard let value, !value.isNone else { return defaultValue }
            var index: Int
            switch value {
            case .int(let i): index = i
            // A huge index clamps to an end, like any other out-of-range index.
            case .bigInt(let b): index = b.value.sign == .minus ? Int.min / 2 : Int.max / 2
            default: throw StarlarkError("invalid \(which) index: got \(value.typeName), want int")
            }
            if index < 0 { index += count }
            return min(max(index, 0), count)
        }
        return (try resolve(start, 0, "start"), try resolve(end, count, "end"))
    }

    /// Prefixes an error's message with the builtin's name, keeping its other details.
    static func prefixed<T>(_ function: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as StarlarkError {
            error.message = "\(function): \(error.message)"
            throw error
        }
    }
}
