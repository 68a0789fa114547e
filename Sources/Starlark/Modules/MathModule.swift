import BigInt

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `math` module, as in starlark-go's `lib/math`: float functions that also accept ints, `ceil`
/// and `floor` returning ints, and the constants `e` and `pi`.
public enum MathModule {
    /// The module value to predeclare as `math`.
    public static let module: StarlarkModuleValue = {
        var members: [String: Value] = [
            "e": .float(M_E),
            "pi": .float(Double.pi),
            "ceil": .builtin(Builtin("ceil") { _, _, arguments in try toInt("ceil", arguments) { $0.rounded(.up) } }),
            "floor": .builtin(
                Builtin("floor") { _, _, arguments in try toInt("floor", arguments) { $0.rounded(.down) } }),
            "log": .builtin(Builtin("log", logarithm)),
        ]
        for (name, function) in unary { members[name] = .builtin(unaryBuiltin(name, function)) }
        for (name, function) in binary { members[name] = .builtin(binaryBuiltin(name, function)) }
        return StarlarkModuleValue(name: "math", members: members)
    }()

    /// Functions of one float.
    private static let unary: [String: @Sendable (Double) -> Double] = [
        "fabs": { Swift.abs($0) },
        "round": { $0.rounded(.toNearestOrAwayFromZero) },
        "exp": { exp($0) },
        "sqrt": { $0.squareRoot() },
        "acos": { acos($0) },
        "asin": { asin($0) },
        "atan": { atan($0) },
        "cos": { cos($0) },
        "sin": { sin($0) },
        "tan": { tan($0) },
        // Same formulas as starlark-go so results round identically.
        "degrees": { 360 * $0 / (2 * Double.pi) },
        "radians": { 2 * Double.pi * $0 / 360 },
        "acosh": { acosh($0) },
        "asinh": { asinh($0) },
        "atanh": { atanh($0) },
        "cosh": { cosh($0) },
        "sinh": { sinh($0) },
        "tanh": { tanh($0) },
        "gamma": { tgamma($0) },
    ]

    /// Functions of two floats.
    private static let binary: [String: @Sendable (Double, Double) -> Double] = [
        "copysign": { copysign($0, $1) },
        "mod": { fmod($0, $1) },
        "pow": { pow($0, $1) },
        "remainder": { remainder($0, $1) },
        "atan2": { atan2($0, $1) },
        "hypot": { hypot($0, $1) },
    ]

    private static func unaryBuiltin(_ name: String, _ function: @escaping @Sendable (Double) -> Double) -> Builtin {
        Builtin(name) { _, _, arguments in
            let values = try MethodArguments.positional(name, arguments, min: 1, max: 1)
            return .float(function(try number(name, values[0], 1)))
        }
    }

    private static func binaryBuiltin(_ name: String, _ function: @escaping @Sendable (Double, Double) -> Double)
        -> Builtin
    {
        Builtin(name) { _, _, arguments in
            let values = try MethodArguments.positional(name, arguments, min: 2, max: 2)
            return .float(function(try number(name, values[0], 1), try number(name, values[1], 2)))
        }
    }

    /// `log(x[, base])`: the natural logarithm, or the logarithm in `base`.
    @Sendable private static func logarithm(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let values = try MethodArguments.positional("log", arguments, min: 1, max: 2)
        let x = try number("log", values[0], 1)
        let base = values.count > 1 ? try number("log", values[1], 2) : M_E
        if base == 1 { throw StarlarkError("division by zero") }
        return .float(log(x) / log(base))
    }

    /// `ceil` and `floor`: ints pass through; floats are rounded and converted to (possibly big) ints.
    private static func toInt(_ name: String, _ arguments: Arguments, _ round: (Double) -> Double) throws -> Value {
        let value = try MethodArguments.positional(name, arguments, min: 1, max: 1)[0]
        switch value {
        case .int, .bigInt: return value
        case .float(let f):
            if f.isNaN { throw StarlarkError("cannot convert float NaN to integer") }
            guard f.isFinite, let rounded = BigInt(exactly: round(f)) else {
                throw StarlarkError("cannot convert float infinity to integer")
            }
            return .int(rounded)
        default: throw StarlarkError("\(name): for parameter 1: got \(value.typeName), want float or int")
        }
    }

    /// A float or int argument as a float.
    private static func number(_ name: String, _ value: Value, _ position: Int) throws -> Double {
        switch value {
        case .float(let f): return f
        case .int(let i): return Double(i)
        // Through decimal text, which rounds correctly (a direct conversion can truncate).
        case .bigInt(let b): return Double(String(b.value)) ?? (b.value.sign == .minus ? -.infinity : .infinity)
        default: throw StarlarkError("\(name): for parameter \(position): got \(value.typeName), want float or int")
        }
    }
}
