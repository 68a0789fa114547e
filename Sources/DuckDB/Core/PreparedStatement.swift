import CDuckDB

/// A statement parsed and planned once, run many times with different parameters.
///
/// Parameters are numbered from 1, as in DuckDB (`?` or `$1`).
public final class PreparedStatement {
    let handle: duckdb_prepared_statement
    let connection: Connection
    /// The SQL the statement was prepared from, kept for error messages.
    public let sql: String

    convenience init(connection: Connection, sql: String) throws {
        var prepared: duckdb_prepared_statement?
        let state = duckdb_prepare(connection.handle.raw, sql, &prepared)
        try self.init(connection: connection, handle: prepared, state: state, sql: sql)
    }

    init(connection: Connection, handle: duckdb_prepared_statement?, state: duckdb_state, sql: String) throws {
        guard let handle else {
            throw DuckDBError(message: "DuckDB returned no prepared statement", sql: sql)
        }
        guard state == DuckDBSuccess else {
            let message = duckdb_prepare_error(handle).map { String(cString: $0) } ?? "could not prepare statement"
            var owned: duckdb_prepared_statement? = handle
            duckdb_destroy_prepare(&owned)
            throw DuckDBError(kind: Self.kind(of: message), message: message, sql: sql)
        }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        var owned: duckdb_prepared_statement? = handle
        duckdb_destroy_prepare(&owned)
    }

    /// The number of parameters the statement takes.
    public var parameterCount: Int { Int(duckdb_nparams(handle)) }

    /// Binds `value` to the parameter at `index` (1-based).
    public func bind(_ value: Value, at index: Int) throws {
        guard index >= 1, index <= parameterCount else {
            throw DuckDBError(
                kind: .invalidInput,
                message: "parameter index \(index) is out of range: the statement takes \(parameterCount)", sql: sql)
        }
        let state: duckdb_state
        switch value {
        case .bigint(let int): state = duckdb_bind_int64(handle, idx_t(index), int)
        case .double(let double): state = duckdb_bind_double(handle, idx_t(index), double)
        case .boolean(let bool): state = duckdb_bind_boolean(handle, idx_t(index), bool)
        case .null: state = duckdb_bind_null(handle, idx_t(index))
        case .varchar(let string):
            state =
                string.utf8.withContiguousStorageIfAvailable { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        duckdb_bind_varchar_length(handle, idx_t(index), $0.baseAddress, idx_t($0.count))
                    }
                } ?? duckdb_bind_varchar(handle, idx_t(index), string)
        default:
            let created = try value.makeDuckDBValue()
            defer { Value.release([created]) }
            state = duckdb_bind_value(handle, idx_t(index), created)
        }
        guard state == DuckDBSuccess else {
            throw DuckDBError(
                kind: .conversion, message: "could not bind \(value) to parameter \(index)", sql: sql)
        }
    }

    /// Binds `values` to parameters 1…n, replacing earlier bindings.
    public func bind(_ values: [Value]) throws {
        guard values.count == parameterCount else {
            throw DuckDBError(
                kind: .invalidInput,
                message: "the statement takes \(parameterCount) parameter(s), \(values.count) given", sql: sql)
        }
        duckdb_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            try bind(value, at: offset + 1)
        }
    }

    /// Whether the statement is a `SELECT` (reads only).
    public var isSelect: Bool { duckdb_prepared_statement_type(handle) == DUCKDB_STATEMENT_TYPE_SELECT }

    /// Runs the statement and streams its result.
    public func execute() throws -> QueryResult {
        var pending: duckdb_pending_result?
        let pendingState = duckdb_pending_prepared_streaming(handle, &pending)
        defer { duckdb_destroy_pending(&pending) }
        guard pendingState == DuckDBSuccess, let pending else {
            let message = pending.flatMap { duckdb_pending_error($0) }.map { String(cString: $0) }
            throw DuckDBError(kind: Self.kind(of: message ?? ""), message: message ?? "could not start query", sql: sql)
        }
        var result = duckdb_result()
        guard duckdb_execute_pending(pending, &result) == DuckDBSuccess else {
            defer { duckdb_destroy_result(&result) }
            throw DuckDBError(result: &result, sql: sql)
        }
        return try QueryResult(consuming: result, connection: connection, sql: sql)
    }

    /// Runs the statement to completion and returns the number of rows it changed.
    @discardableResult
    public func run() throws -> Int {
        var result = duckdb_result()
        defer { duckdb_destroy_result(&result) }
        guard duckdb_execute_prepared(handle, &result) == DuckDBSuccess else {
            throw DuckDBError(result: &result, sql: sql)
        }
        return Int(duckdb_rows_changed(&result))
    }

    /// Prepare and pending errors carry only text; DuckDB starts it with the class name.
    static func kind(of message: String) -> DuckDBError.Kind {
        let prefixes: [(String, DuckDBError.Kind)] = [
            ("Parser Error", .parser), ("Catalog Error", .catalog), ("Binder Error", .binder),
            ("Conversion Error", .conversion), ("Constraint Error", .constraint),
            ("INTERRUPT Error", .interrupt), ("Interrupt Error", .interrupt),
            ("TransactionContext Error", .transaction), ("IO Error", .io), ("Invalid Input Error", .invalidInput),
        ]
        return prefixes.first { message.hasPrefix($0.0) }?.1 ?? .other
    }
}
