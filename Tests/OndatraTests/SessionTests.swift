import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

@Suite struct SessionTests {
    let sandbox: TemporaryProject
    var project: Project { sandbox.project }

    init() throws {
        sandbox = try TemporaryProject()
    }

    @Test func aNewProjectHasACatalogWithNoServer() throws {
        let session = try Session(project: project, environment: [:])
        #expect(session.catalog == "lake")
        let snapshots = try session.snapshots()
        #expect(snapshots.count == 1)
        #expect(try session.currentSnapshot() == snapshots[0].id)
        #expect(FileManager.default.fileExists(atPath: project.url("lake.sqlite").path))
    }

    /// A further session on the same project context is a new connection with the per-connection
    /// config replayed: settings, variables, temporary macros and views, and the catalog in use.
    @Test func aFurtherSessionReplaysThePerConnectionConfig() throws {
        try sandbox.write("config/settings.sql", "SET threads = 1;")
        try sandbox.write("config/macros/cents.sql", "CREATE MACRO cents(x) AS x * 100;")
        try sandbox.write("config/variables/region.sql", "SET VARIABLE region = '${REGION}';")
        try sandbox.write("config/sources.sql", "CREATE TEMP VIEW answers AS SELECT 42 AS answer;")
        let first = try Session(project: project, environment: ["REGION": "eu"])
        try first.execute("CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT 1 AS id")
        let second = try first.context.makeSession()
        #expect(second.connection !== first.connection)
        let row = try second.connection.rows(
            "SELECT cents(2), getvariable('region'), (SELECT answer FROM answers), current_setting('threads'), (SELECT count(*) FROM raw.t)"
        ).first
        #expect(row?.map(\.description) == ["200", "eu", "42", "1", "1"])
        // Each session keeps its own per-connection state.
        try second.execute("SET VARIABLE region = 'us'")
        #expect(try first.connection.scalar("SELECT getvariable('region')")?.string == "eu")
    }

    @Test func catalogTablesListsTheTablesThatExistNow() throws {
        let session = try Session(project: project, environment: [:])
        try session.execute(
            "CREATE SCHEMA lake.raw; CREATE TABLE lake.raw.kept (id INTEGER); CREATE TABLE lake.raw.gone (id INTEGER);")
        try session.execute("DROP TABLE lake.raw.gone")
        #expect(try session.catalogTables() == [Target(schema: "raw", table: "kept")])
    }

    /// Also with the metadata store's tables in a schema of their own, where they are not found
    /// under the default name.
    @Test func catalogTablesFallsBackWhenTheMetadataLayoutDiffers() throws {
        try sandbox.write(
            "config/catalog.sql",
            "ATTACH 'ducklake:${ONDATRA_PROJECT_DIR}/other.ducklake' AS lake (DATA_PATH '${ONDATRA_PROJECT_DIR}/other.files/', METADATA_SCHEMA 'meta');"
        )
        let session = try Session(project: project, environment: [:])
        try session.execute("CREATE TABLE lake.main.only (id INTEGER)")
        #expect(try session.catalogTables() == [Target(schema: "main", table: "only")])
    }

    @Test func createTableAsReportsTheRowsItWrote() throws {
        let session = try Session(project: project, environment: [:])
        #expect(try session.createTableAs("CREATE TEMP TABLE ten AS SELECT * FROM range(10)") == 10)
        #expect(try session.createTableAs("CREATE OR REPLACE TEMP TABLE ten AS SELECT * FROM range(0)") == 0)
    }

    @Test func configRunsAroundTheCatalogWithVariablesFromEnvAndDotEnv() throws {
        try sandbox.write(".env", "GREETING=from-dotenv\nTHRESHOLD=5\n")
        try sandbox.write("config/settings.sql", "SET threads = 2;")
        try sandbox.write("config/macros/double_it.sql", "CREATE MACRO double_it(x) AS x * 2;")
        try sandbox.write("config/variables/threshold.sql", "SET VARIABLE threshold = ${THRESHOLD};")
        try sandbox.write(
            "config/sources.sql",
            "CREATE SCHEMA IF NOT EXISTS lake.ref;\nCREATE OR REPLACE VIEW lake.ref.greeting AS SELECT '${GREETING}' AS text;"
        )
        let session = try Session(project: project, environment: ["GREETING": "from-environment"])
        #expect(try session.connection.scalar("SELECT text FROM ref.greeting") == .varchar("from-environment"))
        #expect(try session.connection.scalar("SELECT double_it(getvariable('threshold'))") == .integer(10))
        #expect(try session.connection.scalar("SELECT current_setting('threads')") == .bigint(2))
    }

    @Test func aFailingConfigStatementNamesFileAndLineWithSecretsHidden() throws {
        try sandbox.write(".env", "API_TOKEN=tok-very-secret-123\n")
        try sandbox.write("config/sources.sql", "SELECT 1;\n\nSELECT '${API_TOKEN}'::INTEGER;")
        let error = #expect(throws: OndatraError.self) { try Session(project: project, environment: [:]) }
        #expect(error?.file == "config/sources.sql")
        #expect(error?.line == 3)
        #expect(error?.description.contains("tok-very-secret-123") == false)
        #expect(error?.description.contains("***") == true)
    }

    /// DuckDB read an unquoted `${API_TOKEN}` as a column name and echoed it; the value came from
    /// the environment, which the redactor did not know.
    @Test func aVariableOutsideQuotesIsNamedNotShown() throws {
        try sandbox.write("config/variables/token.sql", "-- the token\nSET VARIABLE api_token = ${API_TOKEN};")
        let error = #expect(throws: OndatraError.self) {
            try Session(project: project, environment: ["API_TOKEN": "s3cr3t-token-9f8e7d"])
        }
        #expect(error?.file == "config/variables/token.sql")
        #expect(error?.line == 2)
        #expect(error?.message.contains("${API_TOKEN} is used outside quotes") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("write '${API_TOKEN}'") == true)
        #expect(error?.description.contains("s3cr3t") == false)
        #expect(error?.description.contains("9f8e7d") == false)
    }

    /// Every value a config file pastes in is a secret, wherever it came from.
    @Test func valuesFromTheEnvironmentArePastedAsSecrets() throws {
        try sandbox.write("config/sources.sql", "SELECT '${DB_PASSWORD}'::INTEGER;")
        let error = #expect(throws: OndatraError.self) {
            try Session(project: project, environment: ["DB_PASSWORD": "from-the-environment"])
        }
        #expect(error?.description.contains("from-the-environment") == false)
        #expect(error?.description.contains("***") == true)
        try sandbox.write("config/sources.sql", "SELECT '${DB_PASSWORD}' AS pasted;")
        let session = try Session(project: project, environment: ["DB_PASSWORD": "from-the-environment"])
        let later = #expect(throws: OndatraError.self) {
            try session.query("SELECT 'from-the-environment'::INTEGER")
        }
        #expect(later?.description.contains("environment") == false, "\(later?.description ?? "")")
    }

    /// An unquoted JWT reads as `table.column.field`; DuckDB echoes only its first part.
    @Test func fragmentsOfASecretAreHidden() throws {
        try sandbox.write(".env", "TOKEN=eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl\n")
        let session = try Session(project: project, environment: [:])
        let error = #expect(throws: OndatraError.self) {
            try session.query("SELECT eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl")
        }
        #expect(error?.description.contains("eyJhbGciOi") == false, "\(error?.description ?? "")")
    }

    /// The example in docs/project.md: a plain `CREATE MACRO` in config/macros once went into the
    /// catalog, and every later session failed with "already exists".
    @Test func configMacrosLiveForTheSession() throws {
        try sandbox.write(
            "config/macros/cents.sql", "CREATE MACRO cents(amount) AS CAST(round(amount * 100) AS BIGINT);")
        for _ in 0..<2 {
            let session = try Session(project: project, environment: [:])
            #expect(try session.connection.scalar("SELECT cents(1.5)") == .bigint(150))
            #expect(
                try session.connection.scalar(
                    "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'cents' AND database_name = 'lake'")
                    == .bigint(0))
        }
    }

    /// A project whose macro an older version stored in the catalog: the config file's current
    /// definition wins, and nothing fails.
    @Test func aMacroStoredInTheCatalogIsHiddenByTheConfigFile() throws {
        try Session(project: project, environment: [:]).execute("CREATE MACRO lake.main.cents(amount) AS -1")
        try sandbox.write(
            "config/macros/cents.sql", "CREATE MACRO cents(amount) AS CAST(round(amount * 100) AS BIGINT);")
        let session = try Session(project: project, environment: [:])
        #expect(try session.connection.scalar("SELECT cents(1.5)") == .bigint(150))
    }

    @Test func onlyMacroStatementsBecomeTemporary() {
        let cases = [
            ("CREATE MACRO m(x) AS x", "CREATE TEMP MACRO m(x) AS x"),
            ("create or replace function m() as 1", "create or replace TEMP function m() as 1"),
            ("CREATE /* c */ OR\nREPLACE MACRO \"m\"() AS 1", "CREATE /* c */ OR\nREPLACE TEMP MACRO \"m\"() AS 1"),
            ("CREATE MACRO IF NOT EXISTS m() AS 1", "CREATE TEMP MACRO IF NOT EXISTS m() AS 1"),
            ("CREATE TEMP MACRO m() AS 1", "CREATE TEMP MACRO m() AS 1"),
            ("CREATE MACRO lake.main.m() AS 1", "CREATE MACRO lake.main.m() AS 1"),
            ("CREATE MACRO \"a.b\" . m() AS 1", "CREATE MACRO \"a.b\" . m() AS 1"),
            ("CREATE TABLE macro AS SELECT 1", "CREATE TABLE macro AS SELECT 1"),
            ("SELECT 'CREATE MACRO m() AS 1'", "SELECT 'CREATE MACRO m() AS 1'"),
        ]
        for (statement, expected) in cases {
            #expect(SessionMacros.temporary(statement) == expected)
        }
    }

    /// `'` in the project's folder name once ended the catalog file's string literal early.
    @Test func aFolderNameWithQuotesSpacesAndAccents() throws {
        let folder = try TemporaryDirectory()
        let odd = try ProjectScaffold.create(at: folder.url.appending(path: "it's a \"ünïcode\" folder"))
        try FileManager.default.createDirectory(at: odd.url("config/variables"), withIntermediateDirectories: true)
        try Data("SET VARIABLE here = '${ONDATRA_PROJECT_DIR}';".utf8).write(to: odd.url("config/variables/here.sql"))
        let session = try Session(project: odd, environment: [:])
        try session.execute("CREATE TABLE t AS SELECT 1 AS x")
        #expect(try session.connection.scalar("SELECT getvariable('here')") == .varchar(odd.root.path))
        #expect(try Session(project: odd, environment: [:]).connection.scalar("SELECT x FROM t") == .integer(1))
    }

    @Test func statementsThatWriteAreToldFromReadsByDuckDB() throws {
        let session = try Session(project: project, environment: [:])
        try session.execute("CREATE TABLE t AS SELECT 1 AS x")
        for read in [
            "SELECT * FROM t", "FROM t", "SET threads = 2", "SET VARIABLE v = 1", "PRAGMA version",
            "SELECT 1; SELECT 2", "DESCRIBE t", "BEGIN; SELECT 1; COMMIT", "SELECT * FROM ducklake_snapshots('lake')",
        ] {
            #expect(try !session.mayWrite(read), "\(read)")
        }
        for write in [
            "INSERT INTO t VALUES (2)", "CREATE TABLE u (x INTEGER)", "DROP TABLE t", "UPDATE t SET x = 3",
            "DELETE FROM t", "SELECT 1; DELETE FROM t", "CALL lake.expire_snapshots(older_than => now())",
            "ALTER TABLE t ADD COLUMN y INTEGER", "COPY t TO '/dev/null'", "EXPLAIN ANALYZE DELETE FROM t",
            // A SELECT that calls one of DuckLake's maintenance functions changes the catalog.
            "SELECT count(*) FROM ducklake_expire_snapshots('lake', older_than => now())",
            // Cannot be prepared (here: before an earlier statement ran): counted as a write.
            "SELECT * FROM not_there_yet",
        ] {
            #expect(try session.mayWrite(write), "\(write)")
        }
        #expect(throws: OndatraError.self) { try session.mayWrite("SELEC 1") }
    }

    @Test func aCatalogFileThatAttachesNoDuckLakeIsRejected() throws {
        try sandbox.write("config/catalog.sql", "SELECT 1;")
        let error = #expect(throws: OndatraError.self) { try Session(project: project, environment: [:]) }
        #expect(error?.file == "config/catalog.sql")
        #expect(error?.message.contains("ATTACH") == true)
    }

    @Test func commitMetadataIsWrittenAndReadBack() throws {
        let session = try Session(project: project, environment: [:])
        try session.ensureSchema("raw")
        let before = try session.snapshots().count
        let commit = CommitMessage(
            message: "raw.orders backfill",
            extraInfo: ["model": .string("raw.orders"), "rows_affected": .int(3), "columns": .array([.string("id")])])
        try session.transaction(commit) { session in
            try session.execute("CREATE TABLE raw.orders AS SELECT * FROM range(3) t(id)")
        }
        let snapshots = try session.snapshots()
        #expect(snapshots.count == before + 1)
        let last = try #require(snapshots.last)
        #expect(last.author == "ondatrasql")
        #expect(last.message == "raw.orders backfill")
        let info = try JSONValue.parse(try #require(last.extraInfo))
        #expect(info["model"]?.stringValue == "raw.orders")
        #expect(info["rows_affected"]?.intValue == 3)
        #expect(try session.connection.scalar("SELECT count(*) FROM lake.raw.orders") == .bigint(3))
    }

    @Test func aFailedTransactionLeavesNoSnapshotAndNoChange() throws {
        let session = try Session(project: project, environment: [:])
        try session.execute("CREATE TABLE kept AS SELECT 1 AS x")
        let before = try session.snapshots().count
        #expect(throws: OndatraError.self) {
            try session.transaction(CommitMessage(message: "doomed")) { session in
                try session.execute("INSERT INTO kept VALUES (2)")
                try session.execute("SELECT * FROM no_such_table")
            }
        }
        #expect(try session.snapshots().count == before)
        #expect(try session.connection.rows("SELECT x FROM kept") == [[.integer(1)]])
    }

    @Test func anEmptyTransactionMakesNoSnapshot() throws {
        let session = try Session(project: project, environment: [:])
        try session.execute("CREATE TABLE t AS SELECT 1 AS x")
        let before = try session.snapshots().count
        try session.transaction(CommitMessage(message: "nothing")) { session in
            try session.execute("DELETE FROM t WHERE false")
        }
        #expect(try session.snapshots().count == before)
        // The committing form says whether a snapshot was made, so no one records a commit that is not there.
        let empty = try session.transaction { session in
            try session.execute("DELETE FROM t WHERE false")
            return CommitMessage(message: "nothing either")
        }
        #expect(empty == nil)
        let written = try session.transaction { session in
            try session.execute("INSERT INTO t VALUES (2)")
            return CommitMessage(message: "one row")
        }
        #expect(written == (try session.currentSnapshot()))
    }

    @Test func queryErrorsAreOneRedactedLine() throws {
        try sandbox.write(".env", "SECRET_NAME=hidden_table_name\n")
        let session = try Session(project: project, environment: [:])
        let error = #expect(throws: OndatraError.self) { try session.query("SELECT * FROM hidden_table_name") }
        #expect(error?.description.contains("\n") == false)
        #expect(error?.description.contains("hidden_table_name") == false)
    }
}
