import CDuckDB

/// The result of a query, read chunk by chunk as DuckDB produces it.
///
/// Results stream: memory stays bounded by a few chunks however many rows the query returns.
///
/// ```swift
/// let result = try connection.query("SELECT id, name FROM users")
/// while let chunk = try result.nextChunk() {
///     let ids = try chunk.column(0).primitives(as: Int64.self)
///     let names = try chunk.column(1).strings()
///     for row in 0..<chunk.count { use(ids[row], names[row]) }
/// }
/// ```
public final class QueryResult {
    private var result: duckdb_result
    private var isClosed = false
    private let connection: Connection
    private let sql: String

    /// Column names, in order.
    public let columnNames: [String]
    /// Column types, in order.
    public let columnTypes: [LogicalType]
    /// Rows changed by an INSERT, UPDATE or DELETE; 0 for queries.
    public let rowsChanged: Int

    init(consuming result: duckdb_result, connection: Connection, sql: String) throws {
        self.result = result
        self.connection = connection
        self.sql = sql
        let count = duckdb_column_count(&self.result)
        var names: [String] = []
        var types: [LogicalType] = []
        for index in 0..<count {
            names.append(duckdb_column_name(&self.result, index).map { String(cString: $0) } ?? "")
            var handle: duckdb_logical_type? = duckdb_column_logical_type(&self.result, index)
            defer { duckdb_destroy_logical_type(&handle) }
            types.append(handle.map(LogicalType.init(handle:)) ?? .unsupported("INVALID"))
        }
        columnNames = names
        columnTypes = types
        rowsChanged = Int(duckdb_rows_changed(&self.result))
        for (name, type) in zip(names, types) {
            if let unsupported = type.firstUnsupported {
                duckdb_destroy_result(&self.result)
                isClosed = true
                throw DuckDBError(
                    message: "column \(name) has type \(type), and \(unsupported) cannot be read by this API; "
                        + "cast it in the query, for example \(SQLLiteral.identifier(name))::VARCHAR",
                    sql: sql)
            }
        }
    }

    deinit { close() }

    /// The number of columns.
    public var columnCount: Int { columnNames.count }

    /// The next chunk of rows (up to 2,048), or `nil` when the result is exhausted.
    public func nextChunk() throws -> DataChunk? {
        guard !isClosed else { return nil }
        while true {
            guard let chunk = duckdb_fetch_chunk(result) else {
                if let error = duckdb_result_error(&result) {
                    let failure = DuckDBError(
                        kind: DuckDBError.Kind(rawValue: Int(duckdb_result_error_type(&result).rawValue)),
                        message: String(cString: error), sql: sql)
                    close()
                    throw failure
                }
                close()
                return nil
            }
            let wrapped = DataChunk(owning: chunk, types: columnTypes)
            // A streaming query can hand back an empty chunk before its end; skip it.
            if wrapped.count > 0 { return wrapped }
        }
    }

    /// Calls `body` with every remaining chunk.
    public func forEachChunk(_ body: (DataChunk) throws -> Void) throws {
        while let chunk = try nextChunk() { try body(chunk) }
    }

    /// Reads every remaining row as values; for small results.
    public func allRows() throws -> [[Value]] {
        var rows: [[Value]] = []
        try forEachChunk { chunk in
            let columns = (0..<chunk.columnCount).map(chunk.column)
            for row in 0..<chunk.count {
                rows.append(columns.map { $0.value(at: row) })
            }
        }
        return rows
    }

    /// Releases the result early; reading after this yields no more chunks.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        duckdb_destroy_result(&result)
    }
}
