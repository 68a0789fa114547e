import CDuckDB

extension DataChunk {
    /// Creates an empty chunk with the given column types, to fill and hand to ``Appender/append(_:)-(DataChunk)``.
    public convenience init(types: [LogicalType]) throws {
        var handles: [duckdb_logical_type?] = []
        defer { handles.forEach(LogicalType.destroy) }
        for type in types { handles.append(try type.makeHandle()) }
        guard
            let chunk = handles.withUnsafeMutableBufferPointer({
                duckdb_create_data_chunk($0.baseAddress, idx_t(types.count))
            })
        else {
            throw DuckDBError(message: "DuckDB could not create a data chunk for \(types)")
        }
        self.init(owning: chunk, types: types)
    }

    /// Empties the chunk so it can be filled again.
    public func reset() {
        duckdb_data_chunk_reset(handle)
    }
}

extension Vector {
    /// Marks `row` as NULL.
    public func setNull(_ row: Int) {
        duckdb_vector_ensure_validity_writable(handle)
        duckdb_validity_set_row_invalid(duckdb_vector_get_validity(handle), idx_t(row))
    }

    /// Stores a fixed-width value at `row` without conversion; the column must store `Element`.
    @inline(__always)
    public func set<Element: DuckDBPrimitive>(_ value: Element, at row: Int) {
        data.unsafelyUnwrapped.storeBytes(
            of: value, toByteOffset: row &* MemoryLayout<Element>.stride, as: Element.self)
    }

    /// Stores text (or blob bytes) at `row`; DuckDB copies it.
    public func setString(_ text: String, at row: Int) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                duckdb_vector_assign_string_element_len(handle, idx_t(row), $0.baseAddress, idx_t($0.count))
            }
        }
    }

    /// Stores `value` at `row`, converting between numeric types when the value fits.
    /// - Throws: ``DuckDBError`` when the value does not fit the column's type.
    public func set(_ value: Value, at row: Int) throws {
        if case .null = value {
            setNull(row)
            return
        }
        if validity != nil || duckdb_vector_get_validity(handle) != nil {
            duckdb_validity_set_row_valid(duckdb_vector_get_validity(handle), idx_t(row))
        }
        switch type {
        case .boolean:
            guard case .boolean(let v) = value else { throw mismatch(value) }
            set(v, at: row)
        case .tinyint: set(try integer(value, as: Int8.self), at: row)
        case .smallint: set(try integer(value, as: Int16.self), at: row)
        case .integer: set(try integer(value, as: Int32.self), at: row)
        case .bigint: set(try integer(value, as: Int64.self), at: row)
        case .hugeint: set(try integer(value, as: Int128.self), at: row)
        case .utinyint: set(try integer(value, as: UInt8.self), at: row)
        case .usmallint: set(try integer(value, as: UInt16.self), at: row)
        case .uinteger: set(try integer(value, as: UInt32.self), at: row)
        case .ubigint: set(try integer(value, as: UInt64.self), at: row)
        case .uhugeint: set(try integer(value, as: UInt128.self), at: row)
        case .float:
            guard let v = value.double else { throw mismatch(value) }
            set(Float(v), at: row)
        case .double:
            guard let v = value.double else { throw mismatch(value) }
            set(v, at: row)
        case .decimal(let width, let scale): try setDecimal(value, width: width, scale: scale, at: row)
        case .varchar:
            guard let text = value.string else { throw mismatch(value) }
            setString(text, at: row)
        case .blob:
            switch value {
            case .blob(let bytes):
                bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        duckdb_vector_assign_string_element_len(handle, idx_t(row), $0.baseAddress, idx_t($0.count))
                    }
                }
            case .varchar(let text): setString(text, at: row)
            default: throw mismatch(value)
            }
        case .date:
            guard case .date(let v) = value else { throw mismatch(value) }
            set(v.days, at: row)
        case .time, .timeNS:
            guard case .time(let v) = value else { throw mismatch(value) }
            set(type == .time ? v.nanoseconds / 1_000 : v.nanoseconds, at: row)
        case .timestamp(let unit):
            guard case .timestamp(let v) = value, !v.isInfinite || v.unit == unit else { throw mismatch(value) }
            set(Self.convert(v, to: unit), at: row)
        case .timestampTZ:
            guard case .timestampTZ(let v) = value else { throw mismatch(value) }
            set(v.microseconds, at: row)
        case .interval:
            guard case .interval(let v) = value else { throw mismatch(value) }
            data.unsafelyUnwrapped.storeBytes(
                of: duckdb_interval(months: v.months, days: v.days, micros: v.microseconds),
                toByteOffset: row * MemoryLayout<duckdb_interval>.stride, as: duckdb_interval.self)
        case .uuid:
            guard case .uuid(let v) = value else { throw mismatch(value) }
            set(v.storage, at: row)
        case .enumeration(let names):
            guard let label = value.string, let index = names.firstIndex(of: label) else { throw mismatch(value) }
            switch names.count {
            case ...Int(UInt8.max): set(UInt8(index), at: row)
            case ...Int(UInt16.max): set(UInt16(index), at: row)
            default: set(UInt32(index), at: row)
            }
        case .list, .map: try setListEntries(value, at: row)
        case .array(_, let size):
            guard case .array(let items) = value, items.count == size else { throw mismatch(value) }
            let child = arrayChild()
            for (offset, item) in items.enumerated() { try child.set(item, at: row * size + offset) }
        case .structure(let members):
            guard case .structure(let fields) = value else { throw mismatch(value) }
            for (index, member) in members.enumerated() {
                try structChild(index).set(fields.first { $0.name == member.name }?.value ?? .null, at: row)
            }
        case .union(let members):
            guard case .union(let tag, let member) = value, let index = members.firstIndex(where: { $0.name == tag })
            else {
                throw mismatch(value)
            }
            structChild(0).set(UInt8(index), at: row)
            for other in members.indices where other != index { structChild(other + 1).setNull(row) }
            try structChild(index + 1).set(member, at: row)
        case .timeTZ, .bit, .sqlNull, .unsupported:
            throw DuckDBError(
                kind: .conversion,
                message: "writing \(type) values into a data chunk is not supported; use the row appender")
        }
    }

    private func mismatch(_ value: Value) -> DuckDBError {
        DuckDBError(kind: .conversion, message: "cannot store \(value) (\(value.inferredType)) in a \(type) column")
    }

    private func integer<T: FixedWidthInteger>(_ value: Value, as: T.Type) throws -> T {
        let converted: T? =
            switch value {
            case .hugeint(let v): T(exactly: v)
            case .uhugeint(let v): T(exactly: v)
            case .ubigint(let v): T(exactly: v)
            case .boolean(let v): v ? 1 : 0
            default: value.int64.flatMap { T(exactly: $0) }
            }
        guard let converted else { throw mismatch(value) }
        return converted
    }

    private func setDecimal(_ value: Value, width: UInt8, scale: UInt8, at row: Int) throws {
        var unscaled: Int128
        switch value {
        case .decimal(let v):
            unscaled = v.value
            if v.scale < scale {
                for _ in v.scale..<scale { unscaled *= 10 }
            } else if v.scale > scale {
                for _ in scale..<v.scale { unscaled /= 10 }
            }
        default:
            guard let integer = value.int64 else { throw mismatch(value) }
            unscaled = Int128(integer)
            for _ in 0..<scale { unscaled *= 10 }
        }
        switch width {
        case ...4: set(Int16(truncatingIfNeeded: unscaled), at: row)
        case ...9: set(Int32(truncatingIfNeeded: unscaled), at: row)
        case ...18: set(Int64(truncatingIfNeeded: unscaled), at: row)
        default: set(unscaled, at: row)
        }
    }

    private static func convert(_ timestamp: TimestampValue, to unit: TimeUnit) -> Int64 {
        guard timestamp.unit != unit else { return timestamp.value }
        if timestamp.unit.perSecond < unit.perSecond {
            return timestamp.value * (unit.perSecond / timestamp.unit.perSecond)
        }
        return timestamp.value.floorDivided(by: timestamp.unit.perSecond / unit.perSecond)
    }

    /// Lists and maps append their elements to the shared child vector and point the row at them.
    private func setListEntries(_ value: Value, at row: Int) throws {
        let elements: [Value]
        switch (type, value) {
        case (.list, .list(let items)): elements = items
        case (.map, .map(let entries)):
            elements = entries.map { .structure([.init("key", $0.key), .init("value", $0.value)]) }
        default: throw mismatch(value)
        }
        let offset = Int(duckdb_list_vector_get_size(handle))
        let newSize = offset + elements.count
        guard duckdb_list_vector_reserve(handle, idx_t(newSize)) == DuckDBSuccess,
            duckdb_list_vector_set_size(handle, idx_t(newSize)) == DuckDBSuccess
        else {
            throw DuckDBError(message: "could not grow a list vector to \(newSize) elements")
        }
        // Reserving may move the child's memory: read the child vector only after it.
        let child = listChild()
        for (index, element) in elements.enumerated() {
            try child.set(element, at: offset + index)
        }
        // The list entry array itself does not move when the child grows.
        duckdb_vector_get_data(handle).storeBytes(
            of: duckdb_list_entry(offset: UInt64(offset), length: UInt64(elements.count)),
            toByteOffset: row * MemoryLayout<duckdb_list_entry>.stride, as: duckdb_list_entry.self)
    }
}
