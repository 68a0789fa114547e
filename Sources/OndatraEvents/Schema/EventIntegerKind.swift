/// One of DuckDB's ten fixed-width integer types, with the range an event value must fall in.
public enum EventIntegerKind: String, Sendable, Hashable, CaseIterable {
    /// `TINYINT` (`INT1`): -128 … 127.
    case tinyint = "TINYINT"
    /// `SMALLINT` (`INT2`, `SHORT`): -32768 … 32767.
    case smallint = "SMALLINT"
    /// `INTEGER` (`INT`, `INT4`, `SIGNED`): 32 bits.
    case integer = "INTEGER"
    /// `BIGINT` (`INT8`, `LONG`): 64 bits.
    case bigint = "BIGINT"
    /// `HUGEINT` (`INT128`): 128 bits.
    case hugeint = "HUGEINT"
    /// `UTINYINT`: 0 … 255.
    case utinyint = "UTINYINT"
    /// `USMALLINT`: 0 … 65535.
    case usmallint = "USMALLINT"
    /// `UINTEGER`: 0 … 4294967295.
    case uinteger = "UINTEGER"
    /// `UBIGINT`: 0 … 18446744073709551615.
    case ubigint = "UBIGINT"
    /// `UHUGEINT`: 0 … 2^128 - 1.
    case uhugeint = "UHUGEINT"

    /// DuckDB's name for the type.
    public var sqlName: String { rawValue }

    /// Whether negative values are allowed.
    public var isSigned: Bool {
        switch self {
        case .tinyint, .smallint, .integer, .bigint, .hugeint: true
        case .utinyint, .usmallint, .uinteger, .ubigint, .uhugeint: false
        }
    }

    /// The largest value, as decimal digits.
    public var maximum: String {
        switch self {
        case .tinyint: "127"
        case .smallint: "32767"
        case .integer: "2147483647"
        case .bigint: "9223372036854775807"
        case .hugeint: "170141183460469231731687303715884105727"
        case .utinyint: "255"
        case .usmallint: "65535"
        case .uinteger: "4294967295"
        case .ubigint: "18446744073709551615"
        case .uhugeint: "340282366920938463463374607431768211455"
        }
    }

    /// The smallest value, as decimal text (`"0"` for the unsigned types).
    public var minimum: String {
        switch self {
        case .tinyint: "-128"
        case .smallint: "-32768"
        case .integer: "-2147483648"
        case .bigint: "-9223372036854775808"
        case .hugeint: "-170141183460469231731687303715884105728"
        case .utinyint, .usmallint, .uinteger, .ubigint, .uhugeint: "0"
        }
    }

    /// Whether the magnitude `digits` (ASCII digits, no leading zeros, `"0"` for zero) with the given
    /// sign is in range. Compares text so no width is too large to check.
    func contains(negative: Bool, digits: UnsafeBufferPointer<UInt8>) -> Bool {
        if negative && !(digits.count == 1 && digits[0] == UInt8(ascii: "0")) {
            guard isSigned else { return false }
            return Self.lessOrEqual(digits, minimum.utf8.dropFirst())
        }
        return Self.lessOrEqual(digits, maximum.utf8)
    }

    /// `a <= b` for two magnitudes written without leading zeros.
    private static func lessOrEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        if a.count != b.count { return a.count < b.count }
        for (x, y) in zip(a, b) where x != y { return x < y }
        return true
    }
}
