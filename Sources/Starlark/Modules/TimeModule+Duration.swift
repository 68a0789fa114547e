/// `time.duration`: a signed number of nanoseconds, as Go's `time.Duration`.
public final class StarlarkDuration: StarlarkAttributes, StarlarkBinaryOperand, Sendable {
    /// The length in nanoseconds.
    public let nanoseconds: Int64

    /// Creates a duration.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// `time.duration`.
    public var typeName: String { "time.duration" }
    /// Go's duration text, such as `1h2m3.5s`.
    public var description: String { DurationText.format(nanoseconds) }
    /// False only for the zero duration.
    public var truth: Bool { nanoseconds != 0 }

    /// Hashes the nanoseconds.
    public func hash() throws -> Int { nanoseconds.hashValue }

    /// Durations are equal when their lengths are.
    public func equals(_ other: any StarlarkObject) throws -> Bool {
        (other as? StarlarkDuration)?.nanoseconds == nanoseconds
    }

    /// The fields `hours`, `minutes`, `seconds` (floats) and `milliseconds`, `microseconds`,
    /// `nanoseconds` (ints, truncated).
    public func attribute(_ name: String) throws -> Value? {
        switch name {
        // Whole and fractional parts are split as Go does so large values round the same way.
        case "hours": return .float(fractionalUnits(3_600_000_000_000))
        case "minutes": return .float(fractionalUnits(60_000_000_000))
        case "seconds": return .float(fractionalUnits(1_000_000_000))
        case "milliseconds": return .int(Int(nanoseconds / 1_000_000))
        case "microseconds": return .int(Int(nanoseconds / 1_000))
        case "nanoseconds": return .int(Int(nanoseconds))
        default: return nil
        }
    }

    private func fractionalUnits(_ unit: Int64) -> Double {
        let whole = nanoseconds / unit
        let rest = nanoseconds % unit
        return Double(whole) + Double(rest) / Double(unit)
    }

    /// The field names, in starlark-go's order.
    public var attributeNames: [String] {
        ["hours", "minutes", "seconds", "milliseconds", "microseconds", "nanoseconds"]
    }

    /// `+`, `-`, `*`, `/`, `//` and the comparisons, as starlark-go's `time.duration`.
    public func binary(_ op: BinaryOperator, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        let x = nanoseconds
        switch (op, other) {
        case (.plus, .object(let y as StarlarkDuration)): return Self.make(x &+ y.nanoseconds)
        case (.plus, .object(let t as StarlarkTime)): return .object(t.adding(x))
        case (.minus, .object(let y as StarlarkDuration)):
            return Self.make(selfIsLeft ? x &- y.nanoseconds : y.nanoseconds &- x)
        case (.slash, .object(let y as StarlarkDuration)):
            let (numerator, denominator) = selfIsLeft ? (x, y.nanoseconds) : (y.nanoseconds, x)
            guard denominator != 0 else { throw StarlarkError("\(typeName) division by zero") }
            return .float(Double(numerator) / Double(denominator))
        case (.slash, .int), (.slash, .bigInt):
            guard selfIsLeft else { throw StarlarkError("unsupported operation") }
            let divisor = try Self.int64(other)
            guard divisor != 0 else { throw StarlarkError("\(typeName) division by zero") }
            return Self.make(x.dividedReportingOverflow(by: divisor).partialValue)
        case (.slash, .float(let f)):
            // starlark-go does not check the side here, so `2.0 / d` is `d / 2.0` there too.
            guard f != 0 else { throw StarlarkError("\(typeName) division by zero") }
            return Self.make(Self.truncate(Double(x) / f))
        case (.slashSlash, .object(let y as StarlarkDuration)):
            let (numerator, denominator) = selfIsLeft ? (x, y.nanoseconds) : (y.nanoseconds, x)
            guard denominator != 0 else { throw StarlarkError("\(typeName) division by zero") }
            return .int(Int(numerator.dividedReportingOverflow(by: denominator).partialValue))
        case (.star, .int), (.star, .bigInt):
            return Self.make(x &* (try Self.int64(other)))
        case (.less, .object(let y as StarlarkDuration)), (.lessEqual, .object(let y as StarlarkDuration)),
            (.greater, .object(let y as StarlarkDuration)), (.greaterEqual, .object(let y as StarlarkDuration)):
            let (a, b) = selfIsLeft ? (x, y.nanoseconds) : (y.nanoseconds, x)
            return .bool(Self.holds(op, a < b ? -1 : (a == b ? 0 : 1)))
        default: return nil
        }
    }

    /// Orders two durations: negative, zero or positive.
    public func compare(_ other: StarlarkDuration) -> Int {
        nanoseconds < other.nanoseconds ? -1 : (nanoseconds == other.nanoseconds ? 0 : 1)
    }

    static func make(_ nanoseconds: Int64) -> Value { .object(StarlarkDuration(nanoseconds: nanoseconds)) }

    /// Whether a comparison operator holds for a three-way result.
    static func holds(_ op: BinaryOperator, _ order: Int) -> Bool {
        switch op {
        case .less: order < 0
        case .lessEqual: order <= 0
        case .greater: order > 0
        case .greaterEqual: order >= 0
        case .equal: order == 0
        default: order != 0
        }
    }

    /// An int operand that must fit in 64 bits.
    static func int64(_ value: Value) throws -> Int64 {
        guard case .int(let i) = value else {
            throw StarlarkError("int value out of range (want signed 64-bit value)")
        }
        return Int64(i)
    }

    /// Go's float-to-int conversion, saturated rather than undefined out of range.
    static func truncate(_ value: Double) -> Int64 {
        if value.isNaN { return Int64.min }
        if value >= 9.223372036854775807e18 { return Int64.max }
        if value <= -9.223372036854775808e18 { return Int64.min }
        return Int64(value)
    }
}
