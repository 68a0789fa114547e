import CDuckDB

/// One column of a ``DataChunk`` (or a child of a nested column).
///
/// The data and validity pointers are read once, when the vector is created; every accessor
/// after that is plain memory access.
public struct Vector {
    let handle: duckdb_vector?
    /// The column's type.
    public let type: LogicalType
    /// The number of rows this vector holds.
    public let count: Int
    @usableFromInline let data: UnsafeMutableRawPointer?
    @usableFromInline let validity: UnsafeMutablePointer<UInt64>?
    /// Keeps the memory behind `data` alive.
    let owner: DataChunk

    init(handle: duckdb_vector?, type: LogicalType, count: Int, owner: DataChunk) {
        self.handle = handle
        self.type = type
        self.count = count
        self.owner = owner
        data = duckdb_vector_get_data(handle)
        validity = duckdb_vector_get_validity(handle)
    }

    /// Whether the value at `row` is SQL `NULL`.
    @inlinable
    public func isNull(_ row: Int) -> Bool {
        guard let validity else { return false }
        return validity[row &>> 6] & (1 &<< UInt64(row & 63)) == 0
    }

    /// The value at `row`, decoded into a ``Value``.
    public func value(at row: Int) -> Value {
        if isNull(row) { return .null }
        switch type {
        case .boolean: return .boolean(load(row, as: UInt8.self) != 0)
        case .tinyint: return .tinyint(load(row, as: Int8.self))
        case .smallint: return .smallint(load(row, as: Int16.self))
        case .integer: return .integer(load(row, as: Int32.self))
        case .bigint: return .bigint(load(row, as: Int64.self))
        case .hugeint: return .hugeint(load(row, as: Int128.self))
        case .utinyint: return .utinyint(load(row, as: UInt8.self))
        case .usmallint: return .usmallint(load(row, as: UInt16.self))
        case .uinteger: return .uinteger(load(row, as: UInt32.self))
        case .ubigint: return .ubigint(load(row, as: UInt64.self))
        case .uhugeint: return .uhugeint(load(row, as: UInt128.self))
        case .float: return .float(load(row, as: Float.self))
        case .double: return .double(load(row, as: Double.self))
        case .decimal(let width, let scale):
            return .decimal(DecimalValue(value: decimalStorage(row, width: width), width: width, scale: scale))
        case .varchar: return .varchar(string(at: row))
        case .blob: return .blob(Array(bytes(at: row)))
        case .bit: return .bit(bitString(at: row))
        case .date: return .date(DateValue(days: load(row, as: Int32.self)))
        case .time: return .time(TimeValue(microseconds: load(row, as: Int64.self)))
        case .timeNS: return .time(TimeValue(nanoseconds: load(row, as: Int64.self)))
        case .timeTZ:
            let parts = duckdb_from_time_tz(duckdb_time_tz(bits: load(row, as: UInt64.self)))
            let time = duckdb_to_time(parts.time)
            return .timeTZ(TimeTZValue(time: TimeValue(microseconds: time.micros), offsetSeconds: parts.offset))
        case .timestamp(let unit): return .timestamp(TimestampValue(value: load(row, as: Int64.self), unit: unit))
        case .timestampTZ: return .timestampTZ(TimestampValue(value: load(row, as: Int64.self), unit: .microseconds))
        case .interval:
            let raw = load(row, as: duckdb_interval.self)
            return .interval(IntervalValue(months: raw.months, days: raw.days, microseconds: raw.micros))
        case .uuid: return .uuid(UUIDValue(storage: load(row, as: Int128.self)))
        case .enumeration(let names):
            let index: Int =
                switch names.count {
                case ...Int(UInt8.max): Int(load(row, as: UInt8.self))
                case ...Int(UInt16.max): Int(load(row, as: UInt16.self))
                default: Int(load(row, as: UInt32.self))
                }
            return .enumeration(index < names.count ? names[index] : "")
        case .list:
            let entry = load(row, as: duckdb_list_entry.self)
            let child = listChild()
            return .list((Int(entry.offset)..<Int(entry.offset + entry.length)).map(child.value(at:)))
        case .array(_, let size):
            let child = arrayChild()
            return .array((row * size..<(row + 1) * size).map(child.value(at:)))
        case .map:
            let entry = load(row, as: duckdb_list_entry.self)
            let entries = listChild()
            let keys = entries.structChild(0)
            let values = entries.structChild(1)
            return .map(
                (Int(entry.offset)..<Int(entry.offset + entry.length)).map {
                    Value.MapEntry(keys.value(at: $0), values.value(at: $0))
                })
        case .structure(let members):
            return .structure(members.indices.map { Value.Field(members[$0].name, structChild($0).value(at: row)) })
        case .union(let members):
            // A union is stored as a struct whose first child is the tag.
            let tag = Int(structChild(0).load(row, as: UInt8.self))
            guard tag < members.count else { return .null }
            return .union(tag: members[tag].name, value: structChild(tag + 1).value(at: row))
        case .sqlNull, .unsupported:
            return .null
        }
    }

    // MARK: Raw access shared by the decoders

    @inlinable
    func load<T>(_ row: Int, as type: T.Type) -> T {
        // `data` is non-nil for every non-nested type DuckDB hands out.
        data.unsafelyUnwrapped.loadUnaligned(fromByteOffset: row &* MemoryLayout<T>.stride, as: T.self)
    }

    /// The bytes of a VARCHAR, BLOB or BIT at `row`, valid while the chunk lives.
    @inlinable
    func bytes(at row: Int) -> UnsafeBufferPointer<UInt8> {
        let base = UnsafeRawPointer(data.unsafelyUnwrapped) + row &* 16
        let length = Int(base.loadUnaligned(as: UInt32.self))
        // duckdb_string_t: strings up to 12 bytes are stored inline after the length,
        // longer ones behind a pointer at offset 8.
        if length <= 12 {
            return UnsafeBufferPointer(start: (base + 4).assumingMemoryBound(to: UInt8.self), count: length)
        }
        return UnsafeBufferPointer(
            start: base.loadUnaligned(fromByteOffset: 8, as: UnsafePointer<UInt8>.self), count: length)
    }

    /// The text at `row` (not checking for NULL).
    @inlinable
    public func string(at row: Int) -> String {
        String(decoding: bytes(at: row), as: UTF8.self)
    }

    private func bitString(at row: Int) -> String {
        // BIT: the first byte counts the padding bits at the start of the second byte.
        let raw = bytes(at: row)
        guard let padding = raw.first else { return "" }
        var digits = ""
        for (index, byte) in raw.dropFirst().enumerated() {
            for bit in stride(from: 7, through: 0, by: -1) where index > 0 || 7 - bit >= Int(padding) {
                digits.append(byte & (1 << UInt8(bit)) != 0 ? "1" : "0")
            }
        }
        return digits
    }

    private func decimalStorage(_ row: Int, width: UInt8) -> Int128 {
        switch width {
        case ...4: Int128(load(row, as: Int16.self))
        case ...9: Int128(load(row, as: Int32.self))
        case ...18: Int128(load(row, as: Int64.self))
        default: load(row, as: Int128.self)
        }
    }

    // MARK: Children of nested vectors

    func listChild() -> Vector {
        let elementType: LogicalType =
            switch type {
            case .list(let element): element
            case .map(let key, let value): .structure([.init("key", key), .init("value", value)])
            default: .sqlNull
            }
        return Vector(
            handle: duckdb_list_vector_get_child(handle), type: elementType,
            count: Int(duckdb_list_vector_get_size(handle)), owner: owner)
    }

    func arrayChild() -> Vector {
        guard case .array(let element, let size) = type else { return self }
        return Vector(handle: duckdb_array_vector_get_child(handle), type: element, count: count * size, owner: owner)
    }

    func structChild(_ index: Int) -> Vector {
        let childType: LogicalType =
            switch type {
            case .structure(let members): members[index].type
            case .union(let members): index == 0 ? .utinyint : members[index - 1].type
            default: .sqlNull
            }
        return Vector(
            handle: duckdb_struct_vector_get_child(handle, idx_t(index)), type: childType, count: count, owner: owner)
    }
}
