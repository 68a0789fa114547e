import CDuckDB

/// The kind of a statement as DuckDB's parser sees it (`duckdb_statement_type`): `SELECT`,
/// `INSERT`, `CREATE`, `CALL`, …, known before the statement runs.
public struct StatementType: Hashable, Sendable, CustomStringConvertible {
    /// DuckDB's `duckdb_statement_type` value.
    public let rawValue: Int

    /// Creates a type from DuckDB's raw value.
    public init(rawValue: Int) { self.rawValue = rawValue }

    init(_ type: duckdb_statement_type) { rawValue = Int(type.rawValue) }

    /// Not a statement DuckDB could type.
    public static let invalid = StatementType(DUCKDB_STATEMENT_TYPE_INVALID)
    /// `SELECT`, `FROM …`, `WITH … SELECT`, `VALUES`, `SHOW`, `DESCRIBE`, `SUMMARIZE`.
    public static let select = StatementType(DUCKDB_STATEMENT_TYPE_SELECT)
    /// `INSERT`.
    public static let insert = StatementType(DUCKDB_STATEMENT_TYPE_INSERT)
    /// `UPDATE`.
    public static let update = StatementType(DUCKDB_STATEMENT_TYPE_UPDATE)
    /// `EXPLAIN` (`EXPLAIN ANALYZE` runs the statement it explains).
    public static let explain = StatementType(DUCKDB_STATEMENT_TYPE_EXPLAIN)
    /// `DELETE`.
    public static let delete = StatementType(DUCKDB_STATEMENT_TYPE_DELETE)
    /// `PREPARE`.
    public static let prepare = StatementType(DUCKDB_STATEMENT_TYPE_PREPARE)
    /// `CREATE TABLE`, `VIEW`, `SCHEMA`, `MACRO`, `SECRET`, ….
    public static let create = StatementType(DUCKDB_STATEMENT_TYPE_CREATE)
    /// `EXECUTE` of a prepared statement.
    public static let execute = StatementType(DUCKDB_STATEMENT_TYPE_EXECUTE)
    /// `ALTER`.
    public static let alter = StatementType(DUCKDB_STATEMENT_TYPE_ALTER)
    /// `BEGIN`, `COMMIT`, `ROLLBACK`.
    public static let transaction = StatementType(DUCKDB_STATEMENT_TYPE_TRANSACTION)
    /// `COPY`.
    public static let copy = StatementType(DUCKDB_STATEMENT_TYPE_COPY)
    /// `ANALYZE`.
    public static let analyze = StatementType(DUCKDB_STATEMENT_TYPE_ANALYZE)
    /// `SET VARIABLE`.
    public static let variableSet = StatementType(DUCKDB_STATEMENT_TYPE_VARIABLE_SET)
    /// `CREATE FUNCTION` in DuckDB's internal form.
    public static let createFunction = StatementType(DUCKDB_STATEMENT_TYPE_CREATE_FUNC)
    /// `DROP`.
    public static let drop = StatementType(DUCKDB_STATEMENT_TYPE_DROP)
    /// `EXPORT DATABASE`.
    public static let export = StatementType(DUCKDB_STATEMENT_TYPE_EXPORT)
    /// `PRAGMA`.
    public static let pragma = StatementType(DUCKDB_STATEMENT_TYPE_PRAGMA)
    /// `VACUUM`.
    public static let vacuum = StatementType(DUCKDB_STATEMENT_TYPE_VACUUM)
    /// `CALL`.
    public static let call = StatementType(DUCKDB_STATEMENT_TYPE_CALL)
    /// `SET`, `RESET`, `USE`.
    public static let set = StatementType(DUCKDB_STATEMENT_TYPE_SET)
    /// `LOAD`, `INSTALL`.
    public static let load = StatementType(DUCKDB_STATEMENT_TYPE_LOAD)
    /// A statement built from a relation.
    public static let relation = StatementType(DUCKDB_STATEMENT_TYPE_RELATION)
    /// A statement of a parser extension.
    public static let `extension` = StatementType(DUCKDB_STATEMENT_TYPE_EXTENSION)
    /// A logical plan.
    public static let logicalPlan = StatementType(DUCKDB_STATEMENT_TYPE_LOGICAL_PLAN)
    /// `ATTACH`.
    public static let attach = StatementType(DUCKDB_STATEMENT_TYPE_ATTACH)
    /// `DETACH`.
    public static let detach = StatementType(DUCKDB_STATEMENT_TYPE_DETACH)
    /// Several statements in one.
    public static let multi = StatementType(DUCKDB_STATEMENT_TYPE_MULTI)
    /// `COPY FROM DATABASE`.
    public static let copyDatabase = StatementType(DUCKDB_STATEMENT_TYPE_COPY_DATABASE)
    /// `UPDATE EXTENSIONS`.
    public static let updateExtensions = StatementType(DUCKDB_STATEMENT_TYPE_UPDATE_EXTENSIONS)
    /// `MERGE INTO`.
    public static let mergeInto = StatementType(DUCKDB_STATEMENT_TYPE_MERGE_INTO)

    private static let names: [StatementType: String] = [
        .invalid: "INVALID", .select: "SELECT", .insert: "INSERT", .update: "UPDATE", .explain: "EXPLAIN",
        .delete: "DELETE", .prepare: "PREPARE", .create: "CREATE", .execute: "EXECUTE", .alter: "ALTER",
        .transaction: "TRANSACTION", .copy: "COPY", .analyze: "ANALYZE", .variableSet: "SET VARIABLE",
        .createFunction: "CREATE FUNCTION", .drop: "DROP", .export: "EXPORT", .pragma: "PRAGMA", .vacuum: "VACUUM",
        .call: "CALL", .set: "SET", .load: "LOAD", .relation: "RELATION", .extension: "EXTENSION",
        .logicalPlan: "LOGICAL PLAN", .attach: "ATTACH", .detach: "DETACH", .multi: "MULTI",
        .copyDatabase: "COPY DATABASE", .updateExtensions: "UPDATE EXTENSIONS", .mergeInto: "MERGE INTO",
    ]

    /// The statement's keyword (`SELECT`, `CREATE`, …), or its raw value when DuckDB added a new one.
    public var description: String { Self.names[self] ?? "statement type \(rawValue)" }
}

extension PreparedStatement {
    /// What kind of statement this is.
    public var statementType: StatementType { StatementType(duckdb_prepared_statement_type(handle)) }
}

extension Connection {
    /// The type of each statement in `sql`, in order, without running any of them.
    ///
    /// A statement is typed by preparing it, so one that does not bind on its own (it reads a table
    /// an earlier statement creates, or names one that does not exist) is `nil`.
    /// - Throws: ``DuckDBError`` when `sql` does not parse or holds no statement.
    public func statementTypes(_ sql: String) throws -> [StatementType?] {
        try withExtractedStatements(sql) { extracted, count in
            (0..<count).map { index in
                var prepared: duckdb_prepared_statement?
                let state = duckdb_prepare_extracted_statement(handle.raw, extracted, index, &prepared)
                defer { duckdb_destroy_prepare(&prepared) }
                guard state == DuckDBSuccess, let prepared else { return nil }
                return StatementType(duckdb_prepared_statement_type(prepared))
            }
        }
    }
}
