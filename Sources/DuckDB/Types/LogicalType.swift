import CDuckDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The type of a DuckDB column or value, nested types included.
public enum LogicalType: Hashable, Sendable, CustomStringConvertible {
    case boolean
    case tinyint, smallint, integer, bigint, hugeint
    case utinyint, usmallint, uinteger, ubigint, uhugeint
    case float, double
    /// `DECIMAL(width, scale)`.
    case decimal(width: UInt8, scale: UInt8)
    case varchar, blob, bit
    case date, time, timeNS
    /// `TIME WITH TIME ZONE`.
    case timeTZ
    /// `TIMESTAMP` in the given unit (`TIMESTAMP_S`, `TIMESTAMP_MS`, `TIMESTAMP`, `TIMESTAMP_NS`).
    case timestamp(TimeUnit)
    /// `TIMESTAMP WITH TIME ZONE` (microseconds, UTC).
    case timestampTZ
    case interval, uuid
    /// `ENUM` with its dictionary, in order.
    case enumeration([String])
    /// `T[]`.
    indirect case list(LogicalType)
    /// `T[size]`.
    indirect case array(LogicalType, size: Int)
    /// `STRUCT(name T, …)`.
    case structure([Member])
    /// `MAP(K, V)`.
    indirect case map(key: LogicalType, value: LogicalType)
    /// `UNION(name T, …)`.
    case union([Member])
    /// The type of a bare `NULL` literal.
    case sqlNull
    /// A type this API does not decode (for example `BIGNUM`, `GEOMETRY`, `VARIANT`); named by DuckDB's type id.
    case unsupported(String)

    /// A named member of a `STRUCT` or `UNION`.
    public struct Member: Hashable, Sendable {
        /// The member's name.
        public let name: String
        /// The member's type.
        public let type: LogicalType

        /// Creates a member.
        public init(_ name: String, _ type: LogicalType) {
            self.name = name
            self.type = type
        }
    }

    /// Reads a type from a DuckDB handle without taking ownership of it.
    init(handle: duckdb_logical_type) {
        let id = duckdb_get_type_id(handle)
        switch id {
        case DUCKDB_TYPE_BOOLEAN: self = .boolean
        case DUCKDB_TYPE_TINYINT: self = .tinyint
        case DUCKDB_TYPE_SMALLINT: self = .smallint
        case DUCKDB_TYPE_INTEGER: self = .integer
        case DUCKDB_TYPE_BIGINT: self = .bigint
        case DUCKDB_TYPE_HUGEINT: self = .hugeint
        case DUCKDB_TYPE_UTINYINT: self = .utinyint
        case DUCKDB_TYPE_USMALLINT: self = .usmallint
        case DUCKDB_TYPE_UINTEGER: self = .uinteger
        case DUCKDB_TYPE_UBIGINT: self = .ubigint
        case DUCKDB_TYPE_UHUGEINT: self = .uhugeint
        case DUCKDB_TYPE_FLOAT: self = .float
        case DUCKDB_TYPE_DOUBLE: self = .double
        case DUCKDB_TYPE_DECIMAL:
            self = .decimal(width: duckdb_decimal_width(handle), scale: duckdb_decimal_scale(handle))
        case DUCKDB_TYPE_VARCHAR: self = .varchar
        case DUCKDB_TYPE_BLOB: self = .blob
        case DUCKDB_TYPE_BIT: self = .bit
        case DUCKDB_TYPE_DATE: self = .date
        case DUCKDB_TYPE_TIME: self = .time
        case DUCKDB_TYPE_TIME_NS: self = .timeNS
        case DUCKDB_TYPE_TIME_TZ: self = .timeTZ
        case DUCKDB_TYPE_TIMESTAMP_S: self = .timestamp(.seconds)
        case DUCKDB_TYPE_TIMESTAMP_MS: self = .timestamp(.milliseconds)
        case DUCKDB_TYPE_TIMESTAMP: self = .timestamp(.microseconds)
        case DUCKDB_TYPE_TIMESTAMP_NS: self = .timestamp(.nanoseconds)
        case DUCKDB_TYPE_TIMESTAMP_TZ: self = .timestampTZ
        case DUCKDB_TYPE_INTERVAL: self = .interval
        case DUCKDB_TYPE_UUID: self = .uuid
        case DUCKDB_TYPE_SQLNULL: self = .sqlNull
        case DUCKDB_TYPE_ENUM:
            let size = duckdb_enum_dictionary_size(handle)
            self = .enumeration((0..<size).map { Self.takeString(duckdb_enum_dictionary_value(handle, idx_t($0))) })
        case DUCKDB_TYPE_LIST:
            self = .list(Self.child(duckdb_list_type_child_type(handle)))
        case DUCKDB_TYPE_ARRAY:
            self = .array(
                Self.child(duckdb_array_type_child_type(handle)), size: Int(duckdb_array_type_array_size(handle)))
        case DUCKDB_TYPE_MAP:
            self = .map(
                key: Self.child(duckdb_map_type_key_type(handle)), value: Self.child(duckdb_map_type_value_type(handle))
            )
        case DUCKDB_TYPE_STRUCT:
            self = .structure(
                (0..<duckdb_struct_type_child_count(handle)).map { index in
                    Member(
                        Self.takeString(duckdb_struct_type_child_name(handle, index)),
                        Self.child(duckdb_struct_type_child_type(handle, index)))
                })
        case DUCKDB_TYPE_UNION:
            self = .union(
                (0..<duckdb_union_type_member_count(handle)).map { index in
                    Member(
                        Self.takeString(duckdb_union_type_member_name(handle, index)),
                        Self.child(duckdb_union_type_member_type(handle, index)))
                })
        default:
            self = .unsupported(Self.unsupportedName(id))
        }
    }

    /// Creates a DuckDB handle for this type; the caller destroys it.
    func makeHandle() throws -> duckdb_logical_type {
        let created: duckdb_logical_type?
        switch self {
        case .decimal(let width, let scale): created = duckdb_create_decimal_type(width, scale)
        case .enumeration(let names):
            created = withCStrings(names) { duckdb_create_enum_type($0, idx_t(names.count)) }
        case .list(let child):
            let element = try child.makeHandle()
            defer { Self.destroy(element) }
            created = duckdb_create_list_type(element)
        case .array(let child, let size):
            let element = try child.makeHandle()
            defer { Self.destroy(element) }
            created = duckdb_create_array_type(element, idx_t(size))
        case .map(let key, let value):
            let keyHandle = try key.makeHandle()
            defer { Self.destroy(keyHandle) }
            let valueHandle = try value.makeHandle()
            defer { Self.destroy(valueHandle) }
            created = duckdb_create_map_type(keyHandle, valueHandle)
        case .structure(let members), .union(let members):
            var handles: [duckdb_logical_type?] = []
            defer { handles.forEach { Self.destroy($0) } }
            for member in members { handles.append(try member.type.makeHandle()) }
            let isUnion = if case .union = self { true } else { false }
            created = withCStrings(members.map(\.name)) { names in
                handles.withUnsafeMutableBufferPointer { types in
                    isUnion
                        ? duckdb_create_union_type(types.baseAddress, names, idx_t(members.count))
                        : duckdb_create_struct_type(types.baseAddress, names, idx_t(members.count))
                }
            }
        case .unsupported(let name):
            throw DuckDBError(kind: .other, message: "cannot create a value of unsupported type \(name)")
        default:
            created = duckdb_create_logical_type(typeID)
        }
        guard let created else { throw DuckDBError(message: "DuckDB could not create type \(self)") }
        return created
    }

    /// DuckDB's type id for the non-parameterised types.
    var typeID: DUCKDB_TYPE {
        switch self {
        case .boolean: DUCKDB_TYPE_BOOLEAN
        case .tinyint: DUCKDB_TYPE_TINYINT
        case .smallint: DUCKDB_TYPE_SMALLINT
        case .integer: DUCKDB_TYPE_INTEGER
        case .bigint: DUCKDB_TYPE_BIGINT
        case .hugeint: DUCKDB_TYPE_HUGEINT
        case .utinyint: DUCKDB_TYPE_UTINYINT
        case .usmallint: DUCKDB_TYPE_USMALLINT
        case .uinteger: DUCKDB_TYPE_UINTEGER
        case .ubigint: DUCKDB_TYPE_UBIGINT
        case .uhugeint: DUCKDB_TYPE_UHUGEINT
        case .float: DUCKDB_TYPE_FLOAT
        case .double: DUCKDB_TYPE_DOUBLE
        case .decimal: DUCKDB_TYPE_DECIMAL
        case .varchar: DUCKDB_TYPE_VARCHAR
        case .blob: DUCKDB_TYPE_BLOB
        case .bit: DUCKDB_TYPE_BIT
        case .date: DUCKDB_TYPE_DATE
        case .time: DUCKDB_TYPE_TIME
        case .timeNS: DUCKDB_TYPE_TIME_NS
        case .timeTZ: DUCKDB_TYPE_TIME_TZ
        case .timestamp(.seconds): DUCKDB_TYPE_TIMESTAMP_S
        case .timestamp(.milliseconds): DUCKDB_TYPE_TIMESTAMP_MS
        case .timestamp(.microseconds): DUCKDB_TYPE_TIMESTAMP
        case .timestamp(.nanoseconds): DUCKDB_TYPE_TIMESTAMP_NS
        case .timestampTZ: DUCKDB_TYPE_TIMESTAMP_TZ
        case .interval: DUCKDB_TYPE_INTERVAL
        case .uuid: DUCKDB_TYPE_UUID
        case .enumeration: DUCKDB_TYPE_ENUM
        case .list: DUCKDB_TYPE_LIST
        case .array: DUCKDB_TYPE_ARRAY
        case .structure: DUCKDB_TYPE_STRUCT
        case .map: DUCKDB_TYPE_MAP
        case .union: DUCKDB_TYPE_UNION
        case .sqlNull: DUCKDB_TYPE_SQLNULL
        case .unsupported: DUCKDB_TYPE_INVALID
        }
    }

    /// The first unsupported type inside this one, if any.
    public var firstUnsupported: String? {
        switch self {
        case .unsupported(let name): name
        case .list(let child), .array(let child, _): child.firstUnsupported
        case .map(let key, let value): key.firstUnsupported ?? value.firstUnsupported
        case .structure(let members), .union(let members): members.lazy.compactMap(\.type.firstUnsupported).first
        default: nil
        }
    }

    /// The type as DuckDB spells it in SQL, e.g. `DECIMAL(18,3)`, `INTEGER[]`, `STRUCT(a INTEGER)`.
    public var description: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .tinyint: "TINYINT"
        case .smallint: "SMALLINT"
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .hugeint: "HUGEINT"
        case .utinyint: "UTINYINT"
        case .usmallint: "USMALLINT"
        case .uinteger: "UINTEGER"
        case .ubigint: "UBIGINT"
        case .uhugeint: "UHUGEINT"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .decimal(let width, let scale): "DECIMAL(\(width),\(scale))"
        case .varchar: "VARCHAR"
        case .blob: "BLOB"
        case .bit: "BIT"
        case .date: "DATE"
        case .time: "TIME"
        case .timeNS: "TIME_NS"
        case .timeTZ: "TIME WITH TIME ZONE"
        case .timestamp(.seconds): "TIMESTAMP_S"
        case .timestamp(.milliseconds): "TIMESTAMP_MS"
        case .timestamp(.microseconds): "TIMESTAMP"
        case .timestamp(.nanoseconds): "TIMESTAMP_NS"
        case .timestampTZ: "TIMESTAMP WITH TIME ZONE"
        case .interval: "INTERVAL"
        case .uuid: "UUID"
        case .enumeration(let names): "ENUM(" + names.map { SQLLiteral.quote($0) }.joined(separator: ", ") + ")"
        case .list(let child): "\(child)[]"
        case .array(let child, let size): "\(child)[\(size)]"
        case .structure(let members):
            "STRUCT(" + members.map { "\(SQLLiteral.identifier($0.name)) \($0.type)" }.joined(separator: ", ") + ")"
        case .map(let key, let value): "MAP(\(key), \(value))"
        case .union(let members):
            "UNION(" + members.map { "\(SQLLiteral.identifier($0.name)) \($0.type)" }.joined(separator: ", ") + ")"
        case .sqlNull: "\"NULL\""
        case .unsupported(let name): name
        }
    }

    private static func child(_ handle: duckdb_logical_type?) -> LogicalType {
        guard let handle else { return .unsupported("INVALID") }
        defer { destroy(handle) }
        return LogicalType(handle: handle)
    }

    static func destroy(_ handle: duckdb_logical_type?) {
        var owned = handle
        duckdb_destroy_logical_type(&owned)
    }

    private static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { duckdb_free(pointer) }
        return String(cString: pointer)
    }

    private static func unsupportedName(_ id: DUCKDB_TYPE) -> String {
        switch id {
        case DUCKDB_TYPE_BIGNUM: "BIGNUM"
        case DUCKDB_TYPE_GEOMETRY: "GEOMETRY"
        case DUCKDB_TYPE_VARIANT: "VARIANT"
        default: "TYPE#\(id.rawValue)"
        }
    }
}

/// The unit of a timestamp or time value.
public enum TimeUnit: Int, Hashable, Sendable {
    case seconds, milliseconds, microseconds, nanoseconds

    /// How many of this unit make one second.
    public var perSecond: Int64 {
        switch self {
        case .seconds: 1
        case .milliseconds: 1_000
        case .microseconds: 1_000_000
        case .nanoseconds: 1_000_000_000
        }
    }
}

/// Calls `body` with a C array of C strings that lives for the duration of the call.
func withCStrings<Result>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result)
    -> Result
{
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        // An empty array still needs a valid base address for the C call.
        guard let base = buffer.baseAddress else {
            var none: UnsafePointer<CChar>? = nil
            return body(&none)
        }
        return body(base)
    }
}
