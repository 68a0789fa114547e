import DuckDB
import Foundation
import OndatraSync

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway copy of a project's catalog for `ondatrasql sandbox`: runs write there, never to
/// the real catalog, and nothing is pushed.
///
/// The scratch folder `.ondatra/sandbox/<id>/` holds a copy of the catalog's metadata file (an
/// SQLite backup, or a DuckDB file copied while no run holds the project), a copy of the delivery
/// store, and `files/`: the real data folder's tree with a symbolic link per data file, so the
/// copy reads the real files and writes its new ones beside the links. DuckLake never changes a
/// data file once written, and deleting a link leaves its file alone.
///
/// The folder is removed by ``remove()``; one left by a process that died (kill -9) is removed by
/// the next sandbox: a live sandbox holds a `flock` on its `lock` file.
public final class Sandbox {
    /// The project.
    public let project: Project
    /// The scratch folder.
    public let folder: URL
    /// The project opened on the copy: sessions made from it read and write the copy.
    public let context: ProjectContext
    /// The copy of the delivery store, where the sandbox's run queues its changes.
    public var deliveryStorePath: URL { folder.appending(path: "sync.sqlite") }
    /// The folder's lock, held while the sandbox lives.
    private let lock: FolderLock

    /// The folder that holds every sandbox's scratch folder.
    static func root(of project: Project) -> URL { project.stateDirectory.appending(path: "sandbox") }

    /// Makes the scratch folder, copies the delivery store and the catalog, and opens the project
    /// on the copy.
    /// - Parameter environment: the process environment; its values win over `.env`.
    /// - Throws: ``OndatraError`` when the catalog cannot be copied (metadata in a database
    ///   server, remote data files, a run holding a DuckDB catalog file) or the config fails.
    public init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.project = project
        Self.removeLeftovers(of: project)
        let root = Self.root(of: project)
        folder = root.appending(
            path: "\(getpid())-\(UUID().uuidString.prefix(8).lowercased())", directoryHint: .isDirectory)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OndatraError(.io, "could not make the sandbox folder \(folder.path): \(error.localizedDescription)")
        }
        do {
            lock = try FolderLock(path: folder.appending(path: "lock").path)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let copier = CatalogCopier(project: project, folder: folder)
        do {
            try SQLiteDeliveryStore.copy(
                from: Runner.deliveryStorePath(project), to: folder.appending(path: "sync.sqlite"))
            context = try ProjectContext(
                project: project, environment: environment, catalogRedirect: copier.redirect)
            try copier.checkRedirected(context)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            if let error = error as? OndatraError { throw error }
            throw OndatraError(.io, "could not copy the catalog for the sandbox: \(error)")
        }
    }

    /// Removes the scratch folder and everything in it (the links, never the files they point to).
    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Removes the scratch folders no live sandbox holds: left by one killed before it could.
    public static func removeLeftovers(of project: Project) {
        let root = root(of: project)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names {
            let folder = root.appending(path: name, directoryHint: .isDirectory)
            let lock = open(folder.appending(path: "lock").path, O_RDWR | O_CLOEXEC)
            if lock >= 0 {
                defer { close(lock) }
                // Held: a sandbox is running in there.
                guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { continue }
            }
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// Makes `destination` hold `source`'s folders, with a symbolic link for each file.
    static func mirror(_ source: URL, into destination: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        guard let walker = manager.enumerator(atPath: source.path) else { return }
        while let relative = walker.nextObject() as? String {
            let from = source.appending(path: relative)
            let to = destination.appending(path: relative)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: from.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try manager.createDirectory(at: to, withIntermediateDirectories: true)
            } else {
                try manager.createSymbolicLink(atPath: to.path, withDestinationPath: from.path)
            }
        }
    }

    /// `path` made absolute against the working directory, as DuckDB resolves it.
    static func absolute(_ path: String) -> URL {
        path.hasPrefix("/")
            ? URL(filePath: path)
            : URL(filePath: FileManager.default.currentDirectoryPath, directoryHint: .isDirectory).appending(path: path)
    }
}

/// Makes the copy of the catalog a sandbox's project attaches: called with the catalog file's
/// statements while the project's config runs (``ProjectContext/CatalogRedirect``).
private final class CatalogCopier {
    let project: Project
    let folder: URL
    /// Whether the catalog's `ATTACH` was pointed at the copy.
    private var redirected = false
    /// The data path the copy writes new files under.
    private var dataPath: URL { folder.appending(path: "files", directoryHint: .isDirectory) }

    init(project: Project, folder: URL) {
        self.project = project
        self.folder = folder
    }

    /// The catalog file's `ATTACH` pointed at a copy of its metadata, after making the copy and
    /// the scratch data folder; nil for any other statement.
    func redirect(_ statement: String, connection: Connection) throws -> String? {
        guard let attach = CatalogAttach(statement: statement) else { return nil }
        let metadataPath: String
        let copy: URL
        switch attach.metadata {
        case .server(let name):
            throw OndatraError(
                .config,
                "the catalog's metadata is in a \(name) database; sandbox copies catalogs whose metadata is an SQLite "
                    + "or DuckDB file. Use `ondatrasql run --plan` to see what a run would do")
        case .sqlite(let path):
            metadataPath = path
            copy = folder.appending(path: "catalog.sqlite")
            let source = Sandbox.absolute(path)
            if FileManager.default.fileExists(atPath: source.path) { try SQLiteBackup.copy(from: source, to: copy) }
        case .duckdb(let path):
            metadataPath = path
            copy = folder.appending(path: "catalog.ducklake")
            try copyDuckDBFile(Sandbox.absolute(path), to: copy)
        }
        let recorded = try recordedDataPath(
            of: copy, sqlite: attach.metadata != .duckdb(path: metadataPath), connection)
        if let real = try dataFolder(given: attach.dataPath, recorded: recorded, metadataPath: metadataPath) {
            try Sandbox.mirror(real, into: dataPath)
        } else {
            try FileManager.default.createDirectory(at: dataPath, withIntermediateDirectories: true)
        }
        redirected = true
        return attach.redirected(metadataPath: copy.path, dataPath: dataPath.path + "/")
    }

    /// Copies a DuckDB catalog file (and its write-ahead log) while holding the project's lock,
    /// so no run is writing it; nothing to copy when it does not exist yet.
    private func copyDuckDBFile(_ source: URL, to copy: URL) throws {
        guard FileManager.default.fileExists(atPath: source.path) else { return }
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

    /// The data path the copied metadata recorded, or nil when there is no copy (a new catalog).
    private func recordedDataPath(of copy: URL, sqlite: Bool, _ connection: Connection) throws -> String? {
        guard FileManager.default.fileExists(atPath: copy.path) else { return nil }
        let alias = "__ondatra_sandbox_metadata"
        let type = sqlite ? "TYPE sqlite, " : ""
        try connection.execute("ATTACH \(SQLLiteral.quote(copy.path)) AS \(alias) (\(type)READ_ONLY)")
        defer { _ = try? connection.execute("DETACH \(alias)") }
        return try connection.scalar(
            "SELECT value FROM \(alias).ducklake_metadata WHERE key = 'data_path' AND scope IS NULL LIMIT 1")?.string
    }

    /// The real folder of the catalog's data files: the one the `ATTACH` gives when it exists
    /// (the project may have moved with it), else the one the catalog recorded, else DuckLake's
    /// default beside the metadata file; nil when none exists yet.
    /// - Throws: ``OndatraError`` for a remote data path (`s3://…`): its files cannot be linked.
    private func dataFolder(given: String?, recorded: String?, metadataPath: String) throws -> URL? {
        let candidates = [given, recorded, metadataPath + ".files"].compactMap { $0 }
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
        guard redirected, paths.contains(where: { $0.contains(folder.path) }) else {
            throw OndatraError(
                .config,
                "sandbox could not point the catalog's ATTACH at a copy; write it as ATTACH 'ducklake:sqlite:PATH' "
                    + "AS name (DATA_PATH 'FOLDER')",
                file: Project.markerPath)
        }
    }

}

/// An exclusive `flock` on a sandbox folder's `lock` file, released with the object (or by the
/// kernel when the process dies), so ``Sandbox/removeLeftovers(of:)`` knows the folder is in use.
private final class FolderLock {
    private let descriptor: Int32

    init(path: String) throws {
        // A local until the lock is held: a throwing init of a class whose properties are all
        // set runs deinit, which would close the descriptor twice.
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw OndatraError(.io, "could not open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(opened, LOCK_EX | LOCK_NB) == 0 else {
            close(opened)
            throw OndatraError(.io, "could not lock \(path): another process holds it")
        }
        descriptor = opened
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
