import DuckDB
import Foundation
import OndatraSync

#if canImport(Glibc)
    import Glibc
#endif

/// Makes the copy of the catalog a sandbox's project attaches: called with the catalog file's
/// statements while the project's config runs (``ProjectContext/CatalogRedirect``), and drops a
/// PostgreSQL copy afterwards.
final class CatalogCopier {
    let project: Project
    let folder: URL
    /// The process environment (where DuckDB's extensions are).
    private let environment: [String: String]
    /// PostgreSQL copies left by sandboxes that were killed, to drop on the same server.
    private var staleDatabases: [String]
    /// What the attached catalog's path holds once it is the copy (the scratch folder, or the
    /// PostgreSQL copy's name); nil until the `ATTACH` was pointed at the copy.
    private var marker: String?
    /// How to reach the PostgreSQL server's `postgres` database, and the copies to drop there.
    private var server: (admin: PostgresConnection, databases: [String])?
    /// The data path the copy writes new files under.
    private var dataPath: URL { folder.appending(path: "files", directoryHint: .isDirectory) }
    /// The file in the scratch folder naming its PostgreSQL copies (names only, never the connection).
    private static let databasesFile = "postgres-databases"

    init(project: Project, folder: URL, staleDatabases: [String], environment: [String: String]) {
        self.project = project
        self.folder = folder
        self.staleDatabases = staleDatabases
        self.environment = environment
    }

    /// The PostgreSQL copies a scratch folder names.
    static func recordedDatabases(in folder: URL) -> [String] {
        let text = (try? String(contentsOf: folder.appending(path: databasesFile), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter(Self.isCopyName)
    }

    /// The catalog file's `ATTACH` pointed at a copy of its metadata, after making the copy and
    /// the scratch data folder; nil for any other statement.
    func redirect(_ statement: String, connection: Connection) throws -> String? {
        guard let attach = CatalogAttach(statement: statement) else { return nil }
        let location: String
        let recorded: String?
        var besideMetadata: String?
        do {
            switch attach.metadata {
            case .server(let name):
                throw OndatraError(
                    .config,
                    "the catalog's metadata is in a \(name) database; sandbox copies catalogs whose metadata is an "
                        + "SQLite or DuckDB file or a PostgreSQL database. Use `ondatrasql run --plan` to see what a "
                        + "run would do")
            case .sqlite(let path):
                let copy = folder.appending(path: "catalog.sqlite")
                let source = Sandbox.absolute(path)
                if Self.holdsData(source) {
                    do {
                        try SQLiteBackup.copy(from: source, to: copy)
                    } catch {
                        throw OndatraError(
                            .config, "could not copy the catalog's metadata file \(source.path): \(error)")
                    }
                } else if attach.dataPath == nil {
                    throw Self.newCatalogNeedsDataPath
                }
                recorded = try recordedDataPath(attaching: copy.path, type: "sqlite", connection)
                location = "sqlite:" + copy.path
                besideMetadata = path + ".files"
                marker = folder.path
            case .duckdb(let path):
                let copy = folder.appending(path: "catalog.ducklake")
                try copyDuckDBFile(Sandbox.absolute(path), to: copy)
                if !FileManager.default.fileExists(atPath: copy.path) && attach.dataPath == nil {
                    throw Self.newCatalogNeedsDataPath
                }
                recorded = try recordedDataPath(attaching: copy.path, type: nil, connection)
                location = "duckdb:" + copy.path
                besideMetadata = path + ".files"
                marker = folder.path
            case .postgres(let text):
                let (copy, name) = try copyPostgresDatabase(text, connection: connection)
                recorded = try? recordedDataPath(attaching: copy.text, type: "postgres", connection)
                location = "postgres:" + copy.text
                marker = name
            }
        } catch let error as DuckDBError {
            let message = Session.oneLine(error.message)
            if message.contains("ducklake_metadata") {
                throw OndatraError(
                    .config,
                    "the catalog's metadata is not a DuckLake catalog (no ducklake_metadata table); `ondatrasql run` "
                        + "fails on it too: restore it, or move it away to start a new catalog")
            }
            throw OndatraError(.config, "sandbox could not copy the catalog: \(message)")
        }
        let candidates = [attach.dataPath, recorded, besideMetadata].compactMap { $0 }
        if let real = try dataFolder(candidates) {
            try Sandbox.mirror(real, into: dataPath)
        } else if case .postgres = attach.metadata, attach.dataPath == nil, recorded == nil {
            throw OndatraError(
                .config,
                "sandbox could not read the data path of the PostgreSQL catalog; give DATA_PATH in the ATTACH")
        } else {
            try FileManager.default.createDirectory(at: dataPath, withIntermediateDirectories: true)
        }
        return attach.redirected(location: location, dataPath: dataPath.path + "/")
    }

    /// A new catalog's `ATTACH` without `DATA_PATH`: DuckLake refuses to create it, so the real
    /// run would fail, and the sandbox (which gives its own data path) must not pretend it works.
    private static let newCatalogNeedsDataPath = OndatraError(
        .config,
        "the catalog does not exist yet and its ATTACH gives no DATA_PATH, which DuckLake needs to create it "
            + "(`ondatrasql run` fails the same way); add DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/' to the ATTACH")

    /// Whether a metadata file exists and is not empty: DuckLake makes a new catalog in an empty
    /// file (one a failed first run can leave), so the sandbox does too.
    static func holdsData(_ file: URL) -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        return (size ?? 0) > 0
    }

    /// Copies a DuckDB catalog file (and its write-ahead log) while holding the project's lock,
    /// so no run is writing it; nothing to copy when it does not exist yet or is empty.
    private func copyDuckDBFile(_ source: URL, to copy: URL) throws {
        guard Self.holdsData(source) else { return }
        let lock: ProjectLock
        do {
            lock = try ProjectLock(project: project, command: "sandbox")
        } catch let error as OndatraError {
            throw OndatraError(
                error.code, "\(error.message) (a DuckDB catalog file is copied only while no run writes it)")
        }
        try withExtendedLifetime(lock) {
            try FileManager.default.copyItem(at: source, to: copy)
            let wal = URL(filePath: source.path + ".wal")
            if FileManager.default.fileExists(atPath: wal.path) {
                try FileManager.default.copyItem(at: wal, to: URL(filePath: copy.path + ".wal"))
            }
        }
    }

    /// Copies the catalog's PostgreSQL database with `CREATE DATABASE … TEMPLATE` on the same
    /// server, after dropping the copies killed sandboxes left there.
    /// - Returns: the connection to the copy and its name.
    private func copyPostgresDatabase(_ text: String, connection: Connection) throws -> (PostgresConnection, String) {
        guard let given = PostgresConnection(text), let source = given.database else {
            throw OndatraError(
                .config,
                "sandbox copies a PostgreSQL catalog by its database name; name it with dbname=… in the ATTACH")
        }
        let name = "ondatra_sandbox_\(getpid())_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = given.connecting(to: "postgres")
        // Recorded before it exists: a sandbox killed in between leaves a name the next one drops.
        let databases = staleDatabases + [name]
        server = (admin, databases)
        try Data(databases.joined(separator: "\n").utf8).write(to: folder.appending(path: Self.databasesFile))
        let alias = "__ondatra_sandbox_admin"
        try connection.execute("ATTACH \(SQLLiteral.quote(admin.text)) AS \(alias) (TYPE postgres)")
        defer { _ = try? connection.execute("DETACH \(alias)") }
        for stale in staleDatabases {
            _ = try? connection.execute(
                Self.execute(alias, "DROP DATABASE IF EXISTS \(Self.pgIdentifier(stale)) WITH (FORCE)"))
        }
        staleDatabases = []
        do {
            try connection.execute(
                Self.execute(alias, "CREATE DATABASE \(Self.pgIdentifier(name)) TEMPLATE \(Self.pgIdentifier(source))"))
        } catch let error as DuckDBError {
            if error.message.contains("is being accessed by other users") {
                throw OndatraError(
                    .config,
                    "another process is connected to the catalog's database \(source) (a run, an `ondatrasql sql`, "
                        + "or another client); sandbox copies it with CREATE DATABASE … TEMPLATE, which PostgreSQL "
                        + "allows only while nobody else is connected to it. Try again when it is done")
            }
            if error.message.contains("permission denied") {
                throw OndatraError(
                    .config,
                    "the catalog's PostgreSQL user may not create databases; sandbox copies the catalog with "
                        + "CREATE DATABASE … TEMPLATE, so grant it CREATEDB (ALTER ROLE … CREATEDB)")
            }
            throw error
        }
        return (given.connecting(to: name), name)
    }

    /// Drops the PostgreSQL copies this sandbox made or was left, on a database of its own (the
    /// project's sessions may still hold connections to the copy: `WITH (FORCE)` ends them).
    func dropDatabases() {
        guard let server, !server.databases.isEmpty else { return }
        guard let database = try? Database(options: ProjectContext.databaseOptions(environment)),
            let connection = try? database.connect()
        else { return }
        let alias = "__ondatra_sandbox_admin"
        guard
            (try? connection.execute("ATTACH \(SQLLiteral.quote(server.admin.text)) AS \(alias) (TYPE postgres)"))
                != nil
        else { return }
        for name in server.databases {
            _ = try? connection.execute(
                Self.execute(alias, "DROP DATABASE IF EXISTS \(Self.pgIdentifier(name)) WITH (FORCE)"))
        }
        self.server = nil
        try? FileManager.default.removeItem(at: folder.appending(path: Self.databasesFile))
    }

    /// The data path the copied metadata recorded, or nil when there is no copy (a new catalog).
    private func recordedDataPath(attaching location: String, type: String?, _ connection: Connection) throws
        -> String?
    {
        if type != "postgres" && !FileManager.default.fileExists(atPath: location) { return nil }
        let alias = "__ondatra_sandbox_metadata"
        let typeOption = type.map { "TYPE \($0), " } ?? ""
        try connection.execute("ATTACH \(SQLLiteral.quote(location)) AS \(alias) (\(typeOption)READ_ONLY)")
        defer { _ = try? connection.execute("DETACH \(alias)") }
        let table = type == "postgres" ? "\(alias).public.ducklake_metadata" : "\(alias).ducklake_metadata"
        return try connection.scalar(
            "SELECT value FROM \(table) WHERE key = 'data_path' AND scope IS NULL LIMIT 1")?.string
    }

    /// The real folder of the catalog's data files: the first of `candidates` (the `ATTACH`'s
    /// data path, the one the catalog recorded, DuckLake's default beside the metadata file)
    /// that exists; nil when none does yet.
    /// - Throws: ``OndatraError`` for a remote data path (`s3://…`): its files cannot be linked.
    private func dataFolder(_ candidates: [String]) throws -> URL? {
        for candidate in candidates {
            if candidate.contains("://") && !candidate.hasPrefix("file://") {
                throw OndatraError(
                    .config,
                    "the catalog's data files are at \(candidate); sandbox links the data files of a local folder only. "
                        + "Use `ondatrasql run --plan` to see what a run would do")
            }
            let path = candidate.hasPrefix("file://") ? String(candidate.dropFirst("file://".count)) : candidate
            var isDirectory: ObjCBool = false
            let url = Sandbox.absolute(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return url
            }
        }
        return nil
    }

    /// Whether the catalog attached is the copy; an `ATTACH` written in a form the sandbox did
    /// not recognise would have attached the real one.
    func checkRedirected(_ context: ProjectContext) throws {
        let session = try context.makeSession()
        let paths = try session.connection.rows("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL")
            .compactMap { $0.first?.string }
        guard let marker, paths.contains(where: { $0.contains(marker) }) else {
            throw OndatraError(
                .config,
                "sandbox could not point the catalog's ATTACH at a copy; write it as ATTACH 'ducklake:sqlite:PATH' "
                    + "AS name (DATA_PATH 'FOLDER')",
                file: Project.markerPath)
        }
    }

    /// `CALL postgres_execute` of `sql` outside a transaction (`CREATE DATABASE` cannot run in one).
    private static func execute(_ alias: String, _ sql: String) -> String {
        "CALL postgres_execute(\(SQLLiteral.quote(alias)), \(SQLLiteral.quote(sql)), use_transaction := false)"
    }

    /// A PostgreSQL identifier, quoted.
    private static func pgIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether `name` is one this type makes (so a tampered file cannot name another database).
    private static func isCopyName(_ name: String) -> Bool {
        name.hasPrefix("ondatra_sandbox_")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
