import CDuckDB

extension Value {
    /// The smallest type that holds this value; nested values take their first element's types.
    public var inferredType: LogicalType {
        switch self {
        case .null: .sqlNull
        case .boolean: .boolean
        case .tinyint: .tinyint
        case .smallint: .smallint
        case .integer: .integer
        case .bigint: .bigint
        case .hugeint: .hugeint
        case .utinyint: .utinyint
        case .usmallint: .usmallint
        case .uinteger: .uinteger
        case .ubigint: .ubigint
        case .uhugeint: .uhugeint
        case .float: .float
        case .double: .double
        case .decimal(let v): .decimal(width: v.width, scale: v.scale)
        case .varchar: .varchar
        case .blob: .blob
        case .bit: .bit
        case .date: .date
        case .time(let v): v.nanoseconds % 1_000 == 0 ? .time : .timeNS
        case .timeTZ: .timeTZ
        case .timestamp(let v): .timestamp(v.unit)
        case .timestampTZ: .timestampTZ
        case .interval: .interval
        case .uuid: .uuid
        case .enumeration(let label): .enumeration([label])
        case .list(let items): .list(Self.commonType(items))
        case .array(let items): .array(Self.commonType(items), size: items.count)
        case .structure(let fields): .structure(fields.map { .init($0.name, $0.value.inferredType) })
        case .map(let entries):
            .map(key: Self.commonType(entries.map(\.key)), value: Self.commonType(entries.map(\.value)))
        case .union(let tag, let value): .union([.init(tag, value.inferredType)])
        }
    }

    private static func commonType(_ items: [Value]) -> LogicalType {
        items.first(where: { !$0.isNull })?.inferredType ?? .varchar
    }

    /// Creates a `duckdb_value` for binding or appending; the caller destroys it.
    func makeDuckDBValue() throws -> duckdb_value {
        let created: duckdb_value?
        switch self {
        case .null: created = duckdb_create_null_value()
        case .boolean(let v): created = duckdb_create_bool(v)
        case .tinyint(let v): created = duckdb_create_int8(v)
        case .smallint(let v): created = duckdb_create_int16(v)
        case .integer(let v): created = duckdb_create_int32(v)
        case .bigint(let v): created = duckdb_create_int64(v)
        case .hugeint(let v): created = duckdb_create_hugeint(Self.hugeint(v))
        case .utinyint(let v): created = duckdb_create_uint8(v)
        case .usmallint(let v): created = duckdb_create_uint16(v)
        case .uinteger(let v): created = duckdb_create_uint32(v)
        case .ubigint(let v): created = duckdb_create_uint64(v)
        case .uhugeint(let v):
            created = duckdb_create_uhugeint(
                duckdb_uhugeint(lower: UInt64(truncatingIfNeeded: v), upper: UInt64(truncatingIfNeeded: v >> 64)))
        case .float(let v): created = duckdb_create_float(v)
        case .double(let v): created = duckdb_create_double(v)
        case .decimal(let v):
            created = duckdb_create_decimal(
                duckdb_decimal(width: v.width, scale: v.scale, value: Self.hugeint(v.value)))
        case .varchar(let text), .enumeration(let text):
            created = text.withCString { duckdb_create_varchar_length($0, idx_t(text.utf8.count)) }
        case .blob(let bytes):
            created = bytes.withUnsafeBufferPointer { duckdb_create_blob($0.baseAddress, idx_t($0.count)) }
        case .bit(let digits):
            created = digits.withCString { duckdb_create_varchar_length($0, idx_t(digits.utf8.count)) }
        case .date(let v): created = duckdb_create_date(duckdb_date(days: v.days))
        case .time(let v):
            created =
                v.nanoseconds % 1_000 == 0
                ? duckdb_create_time(duckdb_time(micros: v.nanoseconds / 1_000))
                : duckdb_create_time_ns(duckdb_time_ns(nanos: v.nanoseconds))
        case .timeTZ(let v):
            created = duckdb_create_time_tz_value(duckdb_create_time_tz(v.time.nanoseconds / 1_000, v.offsetSeconds))
        case .timestamp(let v):
            switch v.unit {
            case .seconds: created = duckdb_create_timestamp_s(duckdb_timestamp_s(seconds: v.value))
            case .milliseconds: created = duckdb_create_timestamp_ms(duckdb_timestamp_ms(millis: v.value))
            case .microseconds: created = duckdb_create_timestamp(duckdb_timestamp(micros: v.value))
            case .nanoseconds: created = duckdb_create_timestamp_ns(duckdb_timestamp_ns(nanos: v.value))
            }
        case .timestampTZ(let v): created = duckdb_create_timestamp_tz(duckdb_timestamp(micros: v.microseconds))
        case .interval(let v):
            created = duckdb_create_interval(duckdb_interval(months: v.months, days: v.days, micros: v.microseconds))
        case .uuid(let v):
            created = duckdb_create_uuid(
                duckdb_uhugeint(
                    lower: UInt64(truncatingIfNeeded: v.bits), upper: UInt64(truncatingIfNeeded: v.bits >> 64)))
        case .list, .array, .structure, .map, .union:
            created = try makeNested(as: inferredType)
        }
        guard let created else {
            throw DuckDBError(kind: .conversion, message: "DuckDB could not hold the value \(self)")
        }
        return created
    }

    /// Builds a nested value against its full type, so children of every element agree.
    private func makeNested(as type: LogicalType) throws -> duckdb_value? {
        switch (self, type) {
        case (.list(let items), .list(let element)), (.array(let items), .array(let element, _)):
            let elementHandle = try element.makeHandle()
            defer { LogicalType.destroy(elementHandle) }
            var handles = try Self.makeAll(items)
            defer { Self.release(handles) }
            if case .list = self {
                return duckdb_create_list_value(elementHandle, &handles, idx_t(items.count))
            }
            return duckdb_create_array_value(elementHandle, &handles, idx_t(items.count))
        case (.structure(let fields), _):
            let typeHandle = try type.makeHandle()
            defer { LogicalType.destroy(typeHandle) }
            var handles = try Self.makeAll(fields.map(\.value))
            defer { Self.release(handles) }
            return duckdb_create_struct_value(typeHandle, &handles)
        case (.map(let entries), _):
            let typeHandle = try type.makeHandle()
            defer { LogicalType.destroy(typeHandle) }
            var keys = try Self.makeAll(entries.map(\.key))
            defer { Self.release(keys) }
            var values = try Self.makeAll(entries.map(\.value))
            defer { Self.release(values) }
            return duckdb_create_map_value(typeHandle, &keys, &values, idx_t(entries.count))
        case (.union(_, let value), _):
            let typeHandle = try type.makeHandle()
            defer { LogicalType.destroy(typeHandle) }
            let member = try value.makeDuckDBValue()
            defer { Self.release([member]) }
            return duckdb_create_union_value(typeHandle, 0, member)
        default:
            return nil
        }
    }

    /// Creates handles for all `values`, releasing the ones already made if one fails.
    private static func makeAll(_ values: [Value]) throws -> [duckdb_value?] {
        var handles: [duckdb_value?] = []
        handles.reserveCapacity(values.count)
        do {
            for value in values { handles.append(try value.makeDuckDBValue()) }
        } catch {
            release(handles)
            throw error
        }
        return handles
    }

    static func release(_ handles: [duckdb_value?]) {
        for handle in handles {
            var owned = handle
            duckdb_destroy_value(&owned)
        }
    }

    static func hugeint(_ value: Int128) -> duckdb_hugeint {
        duckdb_hugeint(lower: UInt64(truncatingIfNeeded: value), upper: Int64(truncatingIfNeeded: value >> 64))
    }
}
