import CDuckDB

/// Bulk-loads rows into a table, much faster than INSERT statements.
///
/// Append row by row (``append(_:)-(Value)`` then ``endRow()``, or ``appendRow(_:)``), or fill a
/// ``DataChunk`` from ``makeChunk()`` and append it whole. Rows become visible after ``flush()`` or
/// ``close()``; an appender that is dropped without closing discards nothing but reports nothing either.
public final class Appender {
    private let handle: duckdb_appender
    private let connection: Connection
    private let target: String
    private var isClosed = false
    /// The types of the table's columns, in order.
    public let columnTypes: [LogicalType]

    /// Opens an appender on `catalog.schema.table` (schema `main` and the default catalog when omitted).
    public init(connection: Connection, table: String, schema: String? = nil, catalog: String? = nil) throws {
        var appender: duckdb_appender?
        let state = duckdb_appender_create_ext(connection.handle.raw, catalog, schema, table, &appender)
        target = SQLLiteral.qualified([catalog, schema, table].compactMap { $0 })
        guard state == DuckDBSuccess, let appender else {
            let message = appender.flatMap { duckdb_appender_error($0) }.map { String(cString: $0) } ?? "unknown error"
            duckdb_appender_destroy(&appender)
            throw DuckDBError(kind: .catalog, message: "could not open an appender on \(target): \(message)")
        }
        handle = appender
        self.connection = connection
        columnTypes = (0..<duckdb_appender_column_count(appender)).map { index in
            var type: duckdb_logical_type? = duckdb_appender_column_type(appender, index)
            defer { duckdb_destroy_logical_type(&type) }
            return type.map(LogicalType.init(handle:)) ?? .unsupported("INVALID")
        }
    }

    deinit {
        var owned: duckdb_appender? = handle
        duckdb_appender_destroy(&owned)
    }

    /// Appends one value to the current row.
    public func append(_ value: Value) throws {
        let state: duckdb_state
        switch value {
        case .null: state = duckdb_append_null(handle)
        case .bigint(let v): state = duckdb_append_int64(handle, v)
        case .double(let v): state = duckdb_append_double(handle, v)
        case .boolean(let v): state = duckdb_append_bool(handle, v)
        case .varchar(let text): state = appendText(text)
        default:
            let created = try value.makeDuckDBValue()
            defer { Value.release([created]) }
            state = duckdb_append_value(handle, created)
        }
        try check(state, "append \(value)")
    }

    /// Appends an integer to the current row.
    public func append(_ value: Int64) throws { try check(duckdb_append_int64(handle, value), "append \(value)") }
    /// Appends a double to the current row.
    public func append(_ value: Double) throws { try check(duckdb_append_double(handle, value), "append \(value)") }
    /// Appends text to the current row.
    public func append(_ value: String) throws { try check(appendText(value), "append text") }
    /// Appends NULL to the current row.
    public func appendNull() throws { try check(duckdb_append_null(handle), "append NULL") }

    /// Ends the current row; every column must have received a value.
    public func endRow() throws { try check(duckdb_appender_end_row(handle), "end row") }

    /// Appends a whole row.
    public func appendRow(_ values: [Value]) throws {
        guard values.count == columnTypes.count else {
            throw DuckDBError(
                kind: .invalidInput,
                message: "a row for \(target) needs \(columnTypes.count) values, \(values.count) given")
        }
        for value in values { try append(value) }
        try endRow()
    }

    /// A new, empty chunk with this table's column types.
    public func makeChunk() throws -> DataChunk { try DataChunk(types: columnTypes) }

    /// Appends every row of `chunk`, whose column types must match the table's.
    public func append(_ chunk: DataChunk) throws {
        try check(duckdb_append_data_chunk(handle, chunk.handle), "append a data chunk")
    }

    /// Writes buffered rows to the table.
    public func flush() throws { try check(duckdb_appender_flush(handle), "flush") }

    /// Flushes and closes the appender; it cannot be used afterwards.
    public func close() throws {
        guard !isClosed else { return }
        isClosed = true
        try check(duckdb_appender_close(handle), "close")
    }

    private func appendText(_ text: String) -> duckdb_state {
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                duckdb_append_varchar_length(handle, $0.baseAddress, idx_t($0.count))
            }
        }
    }

    private func check(_ state: duckdb_state, _ action: @autoclosure () -> String) throws {
        guard state == DuckDBSuccess else {
            let message = duckdb_appender_error(handle).map { String(cString: $0) } ?? "unknown error"
            throw DuckDBError(kind: .invalidInput, message: "appender on \(target) could not \(action()): \(message)")
        }
    }
}
