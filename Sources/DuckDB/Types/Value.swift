/// One DuckDB value of any type, for the general case (row-at-a-time code, parameters, tests).
///
/// Hot loops should read columns through the typed accessors of ``Vector`` instead.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case tinyint(Int8), smallint(Int16), integer(Int32), bigint(Int64), hugeint(Int128)
    case utinyint(UInt8), usmallint(UInt16), uinteger(UInt32), ubigint(UInt64), uhugeint(UInt128)
    case float(Float), double(Double)
    case decimal(DecimalValue)
    case varchar(String)
    case blob([UInt8])
    /// A `BIT` string as its digits, e.g. `"0101"`.
    case bit(String)
    case date(DateValue)
    case time(TimeValue)
    case timeTZ(TimeTZValue)
    case timestamp(TimestampValue)
    /// A `TIMESTAMP WITH TIME ZONE`, in microseconds since the epoch, UTC.
    case timestampTZ(TimestampValue)
    case interval(IntervalValue)
    case uuid(UUIDValue)
    /// An `ENUM` value, by its label.
    case enumeration(String)
    case list([Value])
    case array([Value])
    case structure([Field])
    case map([MapEntry])
    /// A `UNION` value: the member's name and its value.
    indirect case union(tag: String, value: Value)

    /// A named field of a `STRUCT` value.
    public struct Field: Hashable, Sendable {
        /// The field's name.
        public var name: String
        /// The field's value.
        public var value: Value

        /// Creates a field.
        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// One key/value pair of a `MAP` value.
    public struct MapEntry: Hashable, Sendable {
        /// The key.
        public var key: Value
        /// The value.
        public var value: Value

        /// Creates an entry.
        public init(_ key: Value, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// Whether this is SQL `NULL`.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as an `Int64` when it is an integer that fits, else `nil`.
    public var int64: Int64? {
        switch self {
        case .tinyint(let v): Int64(v)
        case .smallint(let v): Int64(v)
        case .integer(let v): Int64(v)
        case .bigint(let v): v
        case .hugeint(let v): Int64(exactly: v)
        case .utinyint(let v): Int64(v)
        case .usmallint(let v): Int64(v)
        case .uinteger(let v): Int64(v)
        case .ubigint(let v): Int64(exactly: v)
        case .uhugeint(let v): Int64(exactly: v)
        default: nil
        }
    }

    /// The value as a `Double` when it is numeric, else `nil`.
    public var double: Double? {
        switch self {
        case .float(let v): Double(v)
        case .double(let v): v
        case .decimal(let v): v.doubleValue
        case .hugeint(let v): Double(v)
        case .uhugeint(let v): Double(v)
        case .ubigint(let v): Double(v)
        default: int64.map(Double.init)
        }
    }

    /// The text of a `VARCHAR` or `ENUM` value, else `nil`.
    public var string: String? {
        switch self {
        case .varchar(let text), .enumeration(let text): text
        default: nil
        }
    }

    /// The value as DuckDB's command line shows it: text unquoted at the top level, `NULL` for null,
    /// nested values in DuckDB's `[…]` / `{…}` notation.
    public var description: String { render(nested: false) }

    private func render(nested: Bool) -> String {
        switch self {
        case .null: "NULL"
        case .boolean(let v): v ? "true" : "false"
        case .tinyint(let v): String(v)
        case .smallint(let v): String(v)
        case .integer(let v): String(v)
        case .bigint(let v): String(v)
        case .hugeint(let v): String(v)
        case .utinyint(let v): String(v)
        case .usmallint(let v): String(v)
        case .uinteger(let v): String(v)
        case .ubigint(let v): String(v)
        case .uhugeint(let v): String(v)
        case .float(let v): Self.format(Double(v), shortest: "\(v)")
        case .double(let v): Self.format(v, shortest: "\(v)")
        case .decimal(let v): v.description
        case .varchar(let v), .enumeration(let v): nested ? SQLLiteral.quote(v) : v
        case .blob(let bytes): Self.blobText(bytes)
        case .bit(let digits): digits
        case .date(let v): v.description
        case .time(let v): v.description
        case .timeTZ(let v): v.description
        case .timestamp(let v): v.description
        case .timestampTZ(let v): v.description + "+00"
        case .interval(let v): v.description
        case .uuid(let v): v.description
        case .list(let items), .array(let items):
            "[" + items.map { $0.render(nested: true) }.joined(separator: ", ") + "]"
        case .structure(let fields):
            "{"
                + fields.map { SQLLiteral.quote($0.name) + ": " + $0.value.render(nested: true) }.joined(
                    separator: ", ") + "}"
        case .map(let entries):
            "{"
                + entries.map { $0.key.render(nested: true) + "=" + $0.value.render(nested: true) }.joined(
                    separator: ", ") + "}"
        case .union(_, let value): value.render(nested: nested)
        }
    }

    /// The shortest text that reads back as the same number; infinities and NaN by DuckDB's names.
    private static func format(_ value: Double, shortest: String) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return shortest
    }

    /// Printable ASCII stays, other bytes become `\xNN`, as DuckDB shows blobs.
    static func blobText(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") {
                text.append(Character(UnicodeScalar(byte)))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}
