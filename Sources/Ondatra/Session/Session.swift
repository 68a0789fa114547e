import DuckDB
import Foundation

/// A DuckDB session set up for a project: `.env` loaded, `config/` run, the DuckLake catalog
/// attached and selected with `USE`, so `raw.orders` means the catalog's `raw.orders`.
///
/// A session owns one connection and, like it, is used by one task at a time.
public final class Session {
    /// The project this session belongs to.
    public let project: Project
    /// The connection every statement of this session runs on.
    public let connection: Connection
    /// The name the DuckLake catalog is attached as (`lake` in projects made by `init`).
    public let catalog: String
    /// The variables `${NAME}` expands from: the environment over `.env`, plus `ONDATRA_PROJECT_DIR`.
    public let variables: [String: String]
    /// Hides secrets in anything shown or logged: every value from `.env`, and every variable a
    /// config file pastes in with `${NAME}` (except `ONDATRA_PROJECT_DIR`), wherever it came from.
    public let redactor: SecretRedactor

    /// When set, the statements run through ``execute(_:)``, ``createTableAs(_:)`` and
    /// ``query(_:_:)`` are timed into it.
    public var statementLog: StatementLog?

    /// Schemas this session has made sure exist.
    private var knownSchemas: Set<String> = []
    /// The scalar function names, read once (see ``rowWiseFunctions()``).
    private var scalarFunctions: Set<String>?

    /// The catalog schema of the tables OndatraSQL keeps for itself (an append model's last
    /// result); not a model's, and left out of listings.
    public static let internalSchema = "__ondatra"

    /// The variable that holds the project's absolute root path in config files.
    public static let projectDirectoryVariable = "ONDATRA_PROJECT_DIR"

    /// The project, config and attached catalog this session was made from; it makes more
    /// sessions on the same database (``ProjectContext/makeSession()``).
    public let context: ProjectContext

    /// Opens a project (``ProjectContext``) and a first session on it.
    ///
    /// - Parameter environment: the process environment; its values win over `.env`.
    /// - Throws: ``OndatraError`` naming the config file and line that failed, with secrets redacted.
    public convenience init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws
    {
        try self.init(context: ProjectContext(project: project, environment: environment))
    }

    /// Opens a session on `context`'s database: a new connection with the per-connection config
    /// statements replayed and the catalog selected with `USE`.
    /// - Throws: ``OndatraError`` when a replayed statement fails.
    public init(context: ProjectContext) throws {
        self.context = context
        project = context.project
        variables = context.variables
        redactor = context.redactor
        catalog = context.catalog
        do {
            connection = try context.database.connect()
        } catch let error as DuckDBError {
            throw OndatraError(.config, context.redactor.redact(error.message))
        }
        do {
            try connection.execute(ModelChecks.builtins + MaskingMacros.builtins)
        } catch let error as DuckDBError {
            throw OndatraError(.config, "could not create the built-in checks and masks: \(error.message)")
        }
        for statement in context.connectionStatements {
            do {
                try connection.execute(statement.sql)
            } catch let error as DuckDBError {
                throw OndatraError(
                    .config, context.redactor.redact(Self.oneLine(error.message)), file: statement.file,
                    line: statement.line)
            }
        }
    }

    /// Runs `sql` (one or more statements) and returns the rows the last one changed.
    @discardableResult
    public func execute(_ sql: String) throws -> Int {
        let started = ContinuousClock.now
        defer { statementLog?.record(sql, started: started, redactor: redactor) }
        do {
            return try connection.execute(sql)
        } catch let error as DuckDBError {
            throw queryError(error)
        }
    }

    /// Runs a `CREATE TABLE … AS` statement and returns how many rows it wrote (DuckDB returns
    /// the count as a one-row result, not as changed rows).
    @discardableResult
    public func createTableAs(_ sql: String) throws -> Int64 {
        let started = ContinuousClock.now
        defer { statementLog?.record(sql, started: started, redactor: redactor) }
        do {
            return try connection.scalar(sql)?.int64 ?? 0
        } catch let error as DuckDBError {
            throw queryError(error)
        }
    }

    /// Runs `sql` and streams the result of its last statement.
    public func query(_ sql: String, _ parameters: [Value] = []) throws -> QueryResult {
        let started = ContinuousClock.now
        defer { statementLog?.record(sql, started: started, redactor: redactor) }
        do {
            return try connection.query(sql, parameters)
        } catch let error as DuckDBError {
            throw queryError(error)
        }
    }

    /// Statement types that only read, or change nothing but this session's own state.
    private static let readingStatements: Set<StatementType> = [
        .select, .set, .variableSet, .transaction, .pragma, .load, .prepare,
    ]

    /// Whether `sql` may write to the project: whether any of its statements is of a type DuckDB's
    /// parser does not count as a read (`SELECT`, `SET`, `PRAGMA`, `BEGIN`/`COMMIT`, `LOAD`,
    /// `PREPARE`). `EXPLAIN` counts as a write (`EXPLAIN ANALYZE` runs its statement), and so does a
    /// statement that cannot be prepared before the ones ahead of it have run.
    /// - Throws: ``OndatraError`` when `sql` does not parse.
    public func mayWrite(_ sql: String) throws -> Bool {
        do {
            let writes = try connection.statementTypes(sql).contains { type in
                type.map { !Self.readingStatements.contains($0) } ?? true
            }
            return try writes || callsCatalogMaintenance(sql)
        } catch let error as DuckDBError {
            throw queryError(error)
        }
    }

    /// Whether a query calls one of DuckLake's functions that change the catalog
    /// (`ducklake_expire_snapshots`, `ducklake_merge_adjacent_files`, …), which a `SELECT` can do:
    /// any `ducklake_…` function but the ones known only to read.
    private func callsCatalogMaintenance(_ sql: String) throws -> Bool {
        let reading: Set<String> = [
            "ducklake_table_changes", "ducklake_table_insertions", "ducklake_table_deletions", "ducklake_snapshots",
            "ducklake_table_info", "ducklake_list_files", "ducklake_current_snapshot",
            "ducklake_last_committed_snapshot",
            "ducklake_options",
        ]
        var found = false
        for text in try connection.rows("SELECT json_serialize_sql(\(SQLLiteral.quote(sql)))").compactMap({
            $0.first?.string
        }) {
            guard let tree = try? JSONValue.parse(text) else { continue }
            found =
                found
                || PlanTree.contains(tree) { node in
                    guard node["class"]?.stringValue == "FUNCTION" || node["function_name"] != nil,
                        let name = node["function_name"]?.stringValue?.lowercased()
                    else { return false }
                    return name.hasPrefix("ducklake_") && !reading.contains(name)
                }
        }
        return found
    }

    /// A DuckDB error as a one-line, redacted ``OndatraError``.
    public func queryError(_ error: DuckDBError) -> OndatraError {
        OndatraError(.query, redactor.redact(Self.oneLine(error.message)))
    }

    /// DuckDB's message on one line, without the `LINE n: … ^` excerpt it appends (the caller
    /// knows the SQL, and the excerpt only lines up in a fixed-width, multi-line display).
    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline)
            .prefix { !$0.hasPrefix("LINE ") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    /// Runs `body`, again while an SQLite catalog is locked by another process's transaction
    /// (attaching reads and sets up the catalog): up to about five seconds, then the error stands.
    static func waitingWhileLocked(_ body: () throws -> Void) throws {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DuckDBError where error.message.contains("database is locked") && attempt < 50 {
                attempt += 1
                usleep(100_000)
            }
        }
    }

    /// The lower-cased names of the functions known to work row by row (DuckDB's scalar
    /// functions), read from `duckdb_functions()` once per session. Anything else a query calls
    /// (aggregates, macros that may hide one) counts as not row by row.
    public func rowWiseFunctions() throws -> Set<String> {
        if let scalarFunctions { return scalarFunctions }
        let names = Set(
            try connection.rows(
                "SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'scalar'"
            ).compactMap { $0.first?.string })
        scalarFunctions = names
        return names
    }

    /// Creates `schema` in the catalog unless it exists.
    public func ensureSchema(_ schema: String) throws {
        // Each schema is checked once per session: the statement costs a catalog round trip.
        guard !knownSchemas.contains(schema) else { return }
        try execute("CREATE SCHEMA IF NOT EXISTS \(SQLLiteral.qualified([catalog, schema]))")
        knownSchemas.insert(schema)
    }

    /// Runs one config file statement by statement, each with its `${NAME}`s expanded, and adds
    /// every value it pastes in to `redactor` before the statement runs.
    /// - Returns: the statements, as run, that each further connection must run too (see
    ///   ``ProjectContext/connectionStatements``).
    static func run(
        file: ConfigFiles.File, project: Project, expander: VariableExpander, connection: Connection,
        redactor: inout SecretRedactor, redirect: ProjectContext.CatalogRedirect? = nil
    ) throws -> [ProjectContext.ConnectionStatement] {
        var replayed: [ProjectContext.ConnectionStatement] = []
        let text = try TextFile.read(project.url(file.relativePath), path: file.relativePath, code: .config)
        // Split before expanding: a value holding `;` or a quote cannot cut a statement in two,
        // and line numbers are the file's.
        for statement in SQLStatementSplitter.split(text) {
            let expansion = try expander.expansion(
                of: statement.text, file: file.relativePath, firstLine: statement.line)
            for reference in expansion.references where reference.name != projectDirectoryVariable {
                if let value = expander.variables[reference.name] { redactor.add(value) }
            }
            var sql = SessionMacros.temporary(expansion.text)
            if let redirect {
                do {
                    if let redirected = try redirect(sql, connection) { sql = redirected }
                } catch let error as OndatraError {
                    throw OndatraError(
                        error.code, redactor.redact(error.message), file: file.relativePath, line: statement.line)
                }
            }
            do {
                do {
                    try Self.waitingWhileLocked { try connection.execute(sql) }
                } catch let error as DuckDBError {
                    guard let moved = MovedDataPath(errorMessage: error.message) else { throw error }
                    guard moved.movedWithProject, let attach = MovedDataPath.overriding(sql) else {
                        throw OndatraError(
                            .config, redactor.redact(moved.refusal), file: file.relativePath, line: statement.line)
                    }
                    // The project was copied or moved with its data folder: read the files where they are now.
                    sql = attach
                    try Self.waitingWhileLocked { try connection.execute(sql) }
                }
            } catch let error as DuckDBError {
                throw configError(
                    error, file: file.relativePath, line: statement.line, expansion: expansion,
                    variables: expander.variables, redactor: redactor)
            }
            if file.isPerConnection || SessionMacros.isTemporary(sql) {
                replayed.append(.init(file: file.relativePath, line: statement.line, sql: sql))
            }
        }
        return replayed
    }

    /// The error for a config statement that failed. When the statement pastes a variable outside
    /// quotes, DuckDB read its value as SQL and may echo any piece of it, so the error names the
    /// reference and how to quote it, and leaves DuckDB's text out.
    static func configError(
        _ error: DuckDBError, file: String, line: Int, expansion: VariableExpander.Expansion,
        variables: [String: String], redactor: SecretRedactor
    ) -> OndatraError {
        let unquoted = expansion.references.first {
            $0.context == .code && $0.name != projectDirectoryVariable && !isSQLConstant(variables[$0.name] ?? "")
        }
        if let unquoted {
            let reference = "${\(unquoted.name)}"
            let failure = errorClass(of: error.message).map { " (\($0))" } ?? ""
            return OndatraError(
                .config,
                "\(reference) is used outside quotes, so DuckDB read its value as SQL and the statement failed\(failure); "
                    + "write '\(reference)' where the value is text",
                file: file, line: unquoted.line)
        }
        var message = redactor.redact(oneLine(error.message))
        if message.localizedCaseInsensitiveContains("extension") {
            message += " (DuckDB's extensions are installed by scripts/bootstrap)"
        }
        return OndatraError(.config, message, file: file, line: line)
    }

    /// Whether `value` is a number or a boolean: the values a config file pastes outside quotes on purpose.
    static func isSQLConstant(_ value: String) -> Bool {
        if ["true", "false"].contains(value.lowercased()) { return true }
        let unsigned = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : value[...]
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.contains(where: { !$0.isEmpty }) else { return false }
        return parts.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// DuckDB's error class (`Binder Error`) from the start of its message, if it has one.
    static func errorClass(of message: String) -> String? {
        guard let colon = message.firstIndex(of: ":") else { return nil }
        let prefix = message[..<colon]
        guard prefix.hasSuffix(" Error"), prefix.allSatisfy({ $0.isLetter || $0 == " " }) else { return nil }
        return String(prefix)
    }

    /// The DuckLake database the catalog file attached, made the default with `USE`.
    static func attachedCatalog(connection: Connection, redactor: SecretRedactor) throws -> String {
        let names = try connection.rows(
            "SELECT database_name FROM duckdb_databases() WHERE type = 'ducklake' ORDER BY 1"
        )
        .compactMap { $0.first?.string }
        guard names.count == 1, let name = names.first else {
            throw OndatraError(
                .config,
                names.isEmpty
                    ? "must ATTACH a DuckLake catalog, e.g. ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake"
                    : "attaches \(names.count) DuckLake catalogs (\(names.joined(separator: ", "))); attach exactly one",
                file: Project.markerPath)
        }
        try connection.execute("USE \(SQLLiteral.identifier(name))")
        return name
    }
}
