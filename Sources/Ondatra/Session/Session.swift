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
    /// Hides values from `.env` in anything shown or logged.
    public let redactor: SecretRedactor

    /// Schemas this session has made sure exist.
    private var knownSchemas: Set<String> = []
    /// The scalar function names, read once (see ``rowWiseFunctions()``).
    private var scalarFunctions: Set<String>?

    /// The variable that holds the project's absolute root path in config files.
    public static let projectDirectoryVariable = "ONDATRA_PROJECT_DIR"

    /// Opens a session.
    ///
    /// - Parameter environment: the process environment; its values win over `.env`.
    /// - Throws: ``OndatraError`` naming the config file and line that failed, with secrets redacted.
    public init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.project = project
        let dotEnv = try DotEnv.load(from: project.root)
        var variables = dotEnv.merging(environment) { _, real in real }
        variables[Self.projectDirectoryVariable] = project.root.path
        self.variables = variables
        redactor = SecretRedactor(secrets: dotEnv.values)

        var options = ["autoinstall_known_extensions": "false"]
        if let directory = environment["DUCKDB_EXTENSION_DIR"] { options["extension_directory"] = directory }
        let database: Database
        do {
            database = try Database(options: options)
            connection = try database.connect()
        } catch let error as DuckDBError {
            throw OndatraError(.config, redactor.redact(error.message))
        }

        // The built-in checks exist before config/macros, so a project can replace them there.
        do {
            try connection.execute(ModelChecks.builtins)
        } catch let error as DuckDBError {
            throw OndatraError(.config, "could not create the built-in checks: \(error.message)")
        }
        let expander = VariableExpander(variables: variables)
        var attached: String?
        for file in try ConfigFiles(project: project).files {
            try Self.run(file: file, project: project, expander: expander, connection: connection, redactor: redactor)
            if file.isCatalog {
                attached = try Self.attachedCatalog(connection: connection, redactor: redactor)
            }
        }
        guard let attached else {
            throw OndatraError(.config, "no DuckLake catalog attached", file: Project.markerPath)
        }
        catalog = attached
    }

    /// Runs `sql` (one or more statements) and returns the rows the last one changed.
    @discardableResult
    public func execute(_ sql: String) throws -> Int {
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
        do {
            return try connection.scalar(sql)?.int64 ?? 0
        } catch let error as DuckDBError {
            throw queryError(error)
        }
    }

    /// Runs `sql` and streams the result of its last statement.
    public func query(_ sql: String, _ parameters: [Value] = []) throws -> QueryResult {
        do {
            return try connection.query(sql, parameters)
        } catch let error as DuckDBError {
            throw queryError(error)
        }
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

    private static func run(
        file: ConfigFiles.File, project: Project, expander: VariableExpander, connection: Connection,
        redactor: SecretRedactor
    ) throws {
        let text: String
        do {
            text = try String(contentsOf: project.url(file.relativePath), encoding: .utf8)
        } catch {
            throw OndatraError(.io, "could not read: \(error.localizedDescription)", file: file.relativePath)
        }
        let expanded = try expander.expand(text, file: file.relativePath)
        for statement in SQLStatementSplitter.split(expanded) {
            do {
                try connection.execute(statement.text)
            } catch let error as DuckDBError {
                var message = redactor.redact(oneLine(error.message))
                if message.localizedCaseInsensitiveContains("extension") {
                    message += " (DuckDB's extensions are installed by scripts/bootstrap)"
                }
                throw OndatraError(.config, message, file: file.relativePath, line: statement.line)
            }
        }
    }

    /// The DuckLake database the catalog file attached, made the default with `USE`.
    private static func attachedCatalog(connection: Connection, redactor: SecretRedactor) throws -> String {
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
