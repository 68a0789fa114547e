import BigInt

/// Integer and float arithmetic with Starlark's rules: ints never overflow (they grow into big
/// ints), `/` is float division, `//` and `%` floor toward negative infinity.
enum Numeric {
    static func big(_ value: Value) -> BigInt? { value.bigIntValue }

    /// A float for mixed arithmetic; ints too large for a float are an error.
    static func float(_ value: Value) throws -> Double {
        switch value {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .bigInt(let b):
            // Through the decimal text: converting the BigInt directly truncates instead of rounding.
            let d = Double(String(b.value)) ?? .infinity
            guard d.isFinite else { throw StarlarkError("int too large to convert to float") }
            return d
        default: throw StarlarkError("got \(value.typeName), want number")
        }
    }

    /// Exact three-way comparison of two numbers (ints and floats compare by value; NaN sorts last).
    static func compare(_ a: Value, _ b: Value) throws -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.float(let x), .float(let y)): return compareFloats(x, y)
        case (.float(let x), _): return -(try compareIntFloat(b, x))
        case (_, .float(let y)): return try compareIntFloat(a, y)
        default:
            guard let x = big(a), let y = big(b) else {
                throw StarlarkError("\(a.typeName) < \(b.typeName) not implemented")
            }
            return x < y ? -1 : (x == y ? 0 : 1)
        }
    }

    private static func compareFloats(_ x: Double, _ y: Double) -> Int {
        if x.isNaN { return y.isNaN ? 0 : 1 }
        if y.isNaN { return -1 }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    /// Compares an int with a float exactly (no rounding of large ints).
    private static func compareIntFloat(_ int: Value, _ f: Double) throws -> Int {
        if f.isNaN { return -1 }
        if f.isInfinite { return f > 0 ? -1 : 1 }
        guard let x = big(int) else { return 0 }
        let floor = f.rounded(.down)
        guard let y = BigInt(exactly: floor) else { return 0 }
        if x < y { return -1 }
        if x > y { return 1 }
        return f > floor ? -1 : 0
    }

    static func add(_ a: Value, _ b: Value) throws -> Value? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .int(BigInt(x) + BigInt(y)) : .int(sum)
        case (.float, _), (_, .float):
            guard a.isNumber, b.isNumber else { return nil }
            return .float(try float(a) + float(b))
        default:
            guard let x = big(a), let y = big(b) else { return nil }
            return .int(x + y)
        }
    }

    static func subtract(_ a: Value, _ b: Value) throws -> Value? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (difference, overflow) = x.subtractingReportingOverflow(y)
            return overflow ? .int(BigInt(x) - BigInt(y)) : .int(difference)
        case (.float, _), (_, .float):
            guard a.isNumber, b.isNumber else { return nil }
            return .float(try float(a) - float(b))
        default:
            guard let x = big(a), let y = big(b) else { return nil }
            return .int(x - y)
        }
    }

    static func multiply(_ a: Value, _ b: Value) throws -> Value? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (product, overflow) = x.multipliedReportingOverflow(by: y)
            return overflow ? .int(BigInt(x) * BigInt(y)) : .int(product)
        case (.float, _), (_, .float):
            guard a.isNumber, b.isNumber else { return nil }
            return .float(try float(a) * float(b))
        default:
            guard let x = big(a), let y = big(b) else { return nil }
            return .int(x * y)
        }
    }

    static func divide(_ a: Value, _ b: Value) throws -> Value? {
        guard a.isNumber, b.isNumber else { return nil }
        if case .int(let x) = a, case .int(let y) = b {
            guard y != 0 else { throw StarlarkError("floating-point division by zero") }
            // Exact when both fit in a double's mantissa.
            if x.magnitude < 1 << 53, y.magnitude < 1 << 53 { return .float(Double(x) / Double(y)) }
        }
        let divisor = try float(b)
        guard divisor != 0 else { throw StarlarkError("floating-point division by zero") }
        if let x = big(a), let y = big(b) {
            return .float(bigDivide(x, y))
        }
        return .float(try float(a) / divisor)
    }

    /// Correctly rounded division of two big ints.
    private static func bigDivide(_ x: BigInt, _ y: BigInt) -> Double {
        let dx = Double(x)
        let dy = Double(y)
        if dx.isFinite, dy.isFinite, x.magnitude.bitWidth <= 53, y.magnitude.bitWidth <= 53 { return dx / dy }
        // Scale to keep 64+ significant bits in the quotient, then convert once.
        let shift = max(0, 64 - (x.magnitude.bitWidth - y.magnitude.bitWidth))
        let quotient = (x << shift) / y
        return Double(quotient) * pow2(-shift)
    }

    private static func pow2(_ exponent: Int) -> Double {
        Double(sign: .plus, exponent: exponent, significand: 1)
    }

    static func floorDivide(_ a: Value, _ b: Value) throws -> Value? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            guard y != 0 else { throw StarlarkError("floored division by zero") }
            if x == Int.min && y == -1 { return .int(-BigInt(x)) }
            let q = x / y
            return .int((x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q)
        case (.float, _), (_, .float):
            guard a.isNumber, b.isNumber else { return nil }
            let y = try float(b)
            guard y != 0 else { throw StarlarkError("floored division by zero") }
            return .float((try float(a) / y).rounded(.down))
        default:
            guard let x = big(a), let y = big(b) else { return nil }
            guard y != 0 else { throw StarlarkError("floored division by zero") }
            let (q, r) = x.quotientAndRemainder(dividingBy: y)
            return .int((r != 0 && (r.sign == .minus) != (y.sign == .minus)) ? q - 1 : q)
        }
    }

    static func modulo(_ a: Value, _ b: Value) throws -> Value? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            guard y != 0 else { throw StarlarkError("integer modulo by zero") }
            if y == -1 { return .int(0) }
            let r = x % y
            return .int((r != 0 && (r < 0) != (y < 0)) ? r + y : r)
        case (.float, _), (_, .float):
            guard a.isNumber, b.isNumber else { return nil }
            let y = try float(b)
            guard y != 0 else { throw StarlarkError("floating-point modulo by zero") }
            let x = try float(a)
            var r = x.truncatingRemainder(dividingBy: y)
            if r != 0, (r < 0) != (y < 0) { r += y }
            if r == 0 { r = 0.0 * y }  // The sign of zero follows the divisor.
            return .float(r)
        default:
            guard let x = big(a), let y = big(b) else { return nil }
            guard y != 0 else { throw StarlarkError("integer modulo by zero") }
            let r = x % y
            return .int((r != 0 && (r.sign == .minus) != (y.sign == .minus)) ? r + y : r)
        }
    }

    static func bitwise(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value? {
        if case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .ampersand: return .int(x & y)
            case .pipe: return .int(x | y)
            case .caret: return .int(x ^ y)
            default: break
            }
        }
        guard let x = big(a), let y = big(b) else { return nil }
        switch op {
        case .ampersand: return .int(x & y)
        case .pipe: return .int(x | y)
        case .caret: return .int(x ^ y)
        case .lessLess, .greaterGreater:
            guard y >= 0 else { throw StarlarkError("negative shift count: \(y)") }
            guard y < 512 else { throw StarlarkError("shift count too large: \(y)") }
            let count = Int(y)
            if op == .greaterGreater { return .int(x >> count) }
            if case .int(let small) = a, count < 62, small.magnitude < (1 << (62 - count)) {
                return .int(small << count)
            }
            return .int(x << count)
        default: return nil
        }
    }
}
