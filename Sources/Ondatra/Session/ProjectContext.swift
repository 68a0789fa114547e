import DuckDB
import Foundation

/// A project opened once per process: `.env` read, `config/` run, the DuckLake catalog attached,
/// in one DuckDB database that every ``Session`` of the process connects to.
///
/// Attached catalogs, secrets and loaded extensions belong to the database; settings, variables,
/// temporary macros and the `USE` of the catalog belong to a connection. So the first connection
/// runs all of `config/`, and each further session (``makeSession()``) is a new connection that
/// replays only the per-connection statements: cheap enough for one session per worker.
public final class ProjectContext: Sendable {
    /// A config statement each new connection runs again.
    public struct ConnectionStatement: Sendable {
        /// The config file, project-relative.
        public let file: String
        /// Its first line in the file.
        public let line: Int
        /// The statement, variables expanded (it may hold a secret: never shown).
        let sql: String
    }

    /// The project.
    public let project: Project
    /// The variables `${NAME}` expands from: the environment over `.env`, plus `ONDATRA_PROJECT_DIR`.
    public let variables: [String: String]
    /// Hides every secret the project's config knows of.
    public let redactor: SecretRedactor
    /// The name the DuckLake catalog is attached as.
    public let catalog: String
    /// The database every session connects to.
    let database: Database
    /// What a new connection runs: `config/settings.sql`, `config/macros/*.sql`,
    /// `config/variables/*.sql`, any `CREATE TEMP …` of another config file, then `USE` of the catalog.
    let connectionStatements: [ConnectionStatement]

    /// Opens the project's database and runs its config.
    ///
    /// - Parameter environment: the process environment; its values win over `.env`.
    /// - Throws: ``OndatraError`` naming the config file and line that failed, with secrets redacted.
    public convenience init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws
    {
        try self.init(project: project, environment: environment, catalogRedirect: nil)
    }

    /// Points the catalog file's `ATTACH` somewhere else (`sandbox`): called with each statement
    /// of `config/catalog.sql`, variables expanded, and the connection it runs on; returns the
    /// statement to run instead, or nil to run it as written.
    typealias CatalogRedirect = (_ statement: String, _ connection: Connection) throws -> String?

    /// Opens the project's database and runs its config, with the catalog's `ATTACH` passed
    /// through `catalogRedirect` first.
    init(project: Project, environment: [String: String], catalogRedirect: CatalogRedirect?) throws {
        self.project = project
        let dotEnv = try DotEnv.load(from: project.root)
        let variables = Self.variables(project, dotEnv: dotEnv, environment: environment)
        self.variables = variables
        var redactor = SecretRedactor(secrets: dotEnv.values)

        let setup: Connection
        do {
            database = try Database(options: Self.databaseOptions(environment))
            setup = try database.connect()
        } catch let error as DuckDBError {
            throw OndatraError(.config, redactor.redact(error.message))
        }
        // The built-in checks and masks exist before config/macros, so a project can replace them there.
        do {
            try setup.execute(ModelChecks.builtins + MaskingMacros.builtins)
        } catch let error as DuckDBError {
            throw OndatraError(.config, "could not create the built-in checks and masks: \(error.message)")
        }
        let expander = VariableExpander(variables: variables)
        var attached: String?
        var replayed: [ConnectionStatement] = []
        for file in try ConfigFiles(project: project).files {
            replayed += try Session.run(
                file: file, project: project, expander: expander, connection: setup, redactor: &redactor,
                redirect: file.isCatalog ? catalogRedirect : nil)
            if file.isCatalog {
                let name = try Session.attachedCatalog(connection: setup, redactor: redactor)
                attached = name
                replayed.append(
                    ConnectionStatement(file: file.relativePath, line: 1, sql: "USE \(SQLLiteral.identifier(name))"))
            }
        }
        self.redactor = redactor
        guard let attached else {
            throw OndatraError(.config, "no DuckLake catalog attached", file: Project.markerPath)
        }
        catalog = attached
        connectionStatements = replayed
    }

    /// The variables `${NAME}` expands from: the environment over `.env`, plus `ONDATRA_PROJECT_DIR`.
    static func variables(_ project: Project, dotEnv: [String: String], environment: [String: String])
        -> [String: String]
    {
        var variables = dotEnv.merging(environment) { _, real in real }
        variables[Session.projectDirectoryVariable] = project.root.path
        return variables
    }

    /// A DuckDB database's options: no extension is downloaded (`scripts/bootstrap` installs
    /// them), and `DUCKDB_EXTENSION_DIR` says where they are when set.
    static func databaseOptions(_ environment: [String: String]) -> [String: String] {
        var options = ["autoinstall_known_extensions": "false"]
        if let directory = environment["DUCKDB_EXTENSION_DIR"] { options["extension_directory"] = directory }
        return options
    }

    /// A new session on the project's database (its own connection), ready to use.
    /// - Throws: ``OndatraError`` when a replayed config statement fails.
    public func makeSession() throws -> Session {
        try Session(context: self)
    }
}
