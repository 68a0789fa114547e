/// A column type of an `events` model, parsed from its declaration (``EventType/parse(_:)``).
///
/// The cases are the types the validator checks itself; `STRUCT`, `MAP` and `GEOMETRY` are
/// ``other(_:)``, kept as written and checked through the validator's `checkOther` hook. Types
/// DuckLake cannot store faithfully (`HUGEINT`, `ENUM`, `UNION`, fixed-size arrays, `TIME_NS`, …)
/// are refused when parsed.
public indirect enum EventType: Sendable, Hashable {
    /// `BOOLEAN` (`BOOL`, `LOGICAL`).
    case boolean
    /// A fixed-width integer. ``parse(_:)`` never makes `HUGEINT` or `UHUGEINT` (DuckLake stores them
    /// as DOUBLE); the validator still checks their ranges for a column built by hand.
    case integer(EventIntegerKind)
    /// `FLOAT` (`REAL`, `FLOAT4`, `FLOAT(1…24)`).
    case float
    /// `DOUBLE` (`FLOAT8`, `DOUBLE PRECISION`, `FLOAT(25…53)`).
    case double
    /// `DECIMAL(precision, scale)` (`NUMERIC`, `DEC`); DuckDB's default is (18, 3).
    case decimal(precision: Int, scale: Int)
    /// `VARCHAR` (`TEXT`, `STRING`, `CHAR`, `BPCHAR`, …); a length is accepted and ignored, as DuckDB does.
    case varchar
    /// `DATE`.
    case date
    /// `TIME`.
    case time
    /// `TIME WITH TIME ZONE` (`TIMETZ`).
    case timeWithTimeZone
    /// `TIMESTAMP` at some resolution.
    case timestamp(EventTimestampUnit)
    /// `TIMESTAMP WITH TIME ZONE` (`TIMESTAMPTZ`).
    case timestampWithTimeZone
    /// `INTERVAL`.
    case interval
    /// `UUID` (`GUID`).
    case uuid
    /// `JSON`.
    case json
    /// `BLOB` (`BYTEA`, `BINARY`, `VARBINARY`).
    case blob
    /// A variable-length list, `T[]`.
    case list(EventType)
    /// `STRUCT`, `MAP` or `GEOMETRY`, as written in the declaration.
    case other(String)

    /// DuckDB's canonical spelling, for `CREATE TABLE` and `read_json(columns = {...})`.
    public var sqlName: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .integer(let kind): kind.sqlName
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .decimal(let precision, let scale): "DECIMAL(\(precision),\(scale))"
        case .varchar: "VARCHAR"
        case .date: "DATE"
        case .time: "TIME"
        case .timeWithTimeZone: "TIME WITH TIME ZONE"
        case .timestamp(let unit): unit.sqlName
        case .timestampWithTimeZone: "TIMESTAMP WITH TIME ZONE"
        case .interval: "INTERVAL"
        case .uuid: "UUID"
        case .json: "JSON"
        case .blob: "BLOB"
        case .list(let element): element.sqlName + "[]"
        case .other(let text): text
        }
    }

    /// Whether a server-side `received_at` time can be filled into a column of this type.
    var takesReceivedAt: Bool {
        switch self {
        case .timestamp, .timestampWithTimeZone, .date, .varchar: true
        default: false
        }
    }
}
