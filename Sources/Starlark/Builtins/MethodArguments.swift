/// Argument checks shared by the string and bytes methods and the `math` and `time` modules, with
/// starlark-go's error messages.
///
/// These functions take positional arguments only; errors are prefixed with the function name.
enum MethodArguments {
    /// The positional arguments, checking there are between `min` and `max` and no keywords (as
    /// starlark-go's `UnpackPositionalArgs`).
    static func positional(_ function: String, _ arguments: Arguments, min: Int, max: Int) throws -> [Value] {
        if !arguments.named.isEmpty { throw StarlarkError("\(function): unexpected keyword arguments") }
        let count = arguments.positional.count
        if count < min {
            throw StarlarkError("\(function): got \(count) arguments, want \(min < max ? "at least " : "")\(min)")
        }
        if count > max {
            throw StarlarkError("\(function): got \(count) arguments, want \(max > min ? "at most " : "")\(max)")
        }
        return arguments.positional
    }

    /// The argument at `index` (0-based), or nil when it was not given.
    static func optional(_ values: [Value], _ index: Int) -> Value? {
        index < values.count ? values[index] : nil
    }

    /// A string parameter; `index` is 0-based, messages count from 1.
    static func string(_ function: String, _ value: Value, _ index: Int) throws -> String {
        guard case .string(let text) = value else {
            throw StarlarkError("\(function): for parameter \(index + 1): got \(value.typeName), want string")
        }
        return text
    }

    /// An int parameter that must fit in 32 bits, as starlark-go's `AsInt32` requires.
    static func int(_ function: String, _ value: Value, _ index: Int) throws -> Int {
        do {
            return try int32(value)
        } catch let error as StarlarkError {
            throw StarlarkError("\(function): for parameter \(index + 1): \(error.message)")
        }
    }

    /// A bool parameter.
    static func bool(_ function: String, _ value: Value, _ index: Int) throws -> Bool {
        guard case .bool(let flag) = value else {
            throw StarlarkError("\(function): for parameter \(index + 1): got \(value.typeName), want bool")
        }
        return flag
    }

    /// An int in the 32-bit range, else starlark-go's "got T, want int" or "N out of range".
    static func int32(_ value: Value) throws -> Int {
        switch value {
        case .int(let i):
            guard i >= Int(Int32.min), i <= Int(Int32.max) else { throw StarlarkError("\(i) out of range") }
            return i
        case .bigInt(let big): throw StarlarkError("\(big.value) out of range")
        default: throw StarlarkError("got \(value.typeName), want int")
        }
    }

    /// Optional `start` and `end` arguments resolved against a length, as for `find` and `count`.
    ///
    /// Negative indices count from the end; all are clamped to `0...count`. `start` may exceed `end`.
    static func indices(_ function: String, _ start: Value?, _ end: Value?, count: Int) throws -> (Int, Int) {
        func resolve(_ value: Value?, _ defaultValue: Int, _ which: String) throws -> Int {
            guard let value, !value.isNone else { return defaultValue }
            var index: Int
            do {
                index = try int32(value)
            } catch let error as StarlarkError {
                throw StarlarkError("\(function): invalid \(which) index: \(error.message)")
            }
            if index < 0 { index += count }
            return Swift.min(Swift.max(index, 0), count)
        }
        return (try resolve(start, 0, "start"), try resolve(end, count, "end"))
    }
}
