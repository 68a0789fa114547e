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
/// A catalog in PostgreSQL is copied with `CREATE DATABASE … TEMPLATE` into a database named
/// `ondatra_sandbox_<pid>_<id>` on the same server, dropped by ``remove()``.
///
/// The folder is removed by ``remove()``; one left by a process that died (kill -9) is removed by
/// the next sandbox (with the PostgreSQL copy it names): a live sandbox holds a `flock` on its
/// `lock` file.
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
    /// Makes the copy; drops a PostgreSQL copy on ``remove()``.
    private let copier: CatalogCopier

    /// The folder that holds every sandbox's scratch folder.
    static func root(of project: Project) -> URL { project.stateDirectory.appending(path: "sandbox") }

    /// Makes the scratch folder, copies the delivery store and the catalog, and opens the project
    /// on the copy.
    /// - Parameter environment: the process environment; its values win over `.env`.
    /// - Throws: ``OndatraError`` when the catalog cannot be copied (metadata in a database
    ///   server, remote data files, a run holding a DuckDB catalog file) or the config fails.
    public init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.project = project
        let staleDatabases = Self.removeLeftovers(of: project)
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
        let copier = CatalogCopier(
            project: project, folder: folder, staleDatabases: staleDatabases, environment: environment)
        self.copier = copier
        do {
            try SQLiteDeliveryStore.copy(
                from: Runner.deliveryStorePath(project), to: folder.appending(path: "sync.sqlite"))
            context = try ProjectContext(
                project: project, environment: environment, catalogRedirect: copier.redirect)
            try copier.checkRedirected(context)
        } catch {
            copier.dropDatabases()
            try? FileManager.default.removeItem(at: folder)
            _ = rmdir(root.path)
            if let error = error as? OndatraError { throw error }
            throw OndatraError(.io, "could not copy the catalog for the sandbox: \(error)")
        }
    }

    /// Sets `runner` up to run in this sandbox: it queues into the copy of the delivery store,
    /// pushes nothing, and leaves the events buffer as it is.
    public func confine(_ runner: Runner) {
        runner.syncOptions.push = false
        runner.syncOptions.storePath = deliveryStorePath
        runner.flushesEvents = false
    }

    /// Removes the scratch folder and everything in it (the links, never the files they point
    /// to), and drops the PostgreSQL copy of the catalog.
    public func remove() {
        copier.dropDatabases()
        try? FileManager.default.removeItem(at: folder)
        // The folder of all sandboxes goes too once empty (rmdir fails on one that is not).
        _ = rmdir(Self.root(of: project).path)
    }

    /// Removes the scratch folders no live sandbox holds: left by one killed before it could.
    /// - Returns: the PostgreSQL copies those folders name, for the next sandbox to drop (it
    ///   knows how to reach the server).
    @discardableResult
    public static func removeLeftovers(of project: Project) -> [String] {
        let root = root(of: project)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var databases: [String] = []
        for name in names {
            let folder = root.appending(path: name, directoryHint: .isDirectory)
            let lock = open(folder.appending(path: "lock").path, O_RDWR | O_CLOEXEC)
            if lock >= 0 {
                defer { close(lock) }
                // Held: a sandbox is running in there.
                guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { continue }
            }
            databases += CatalogCopier.recordedDatabases(in: folder)
            try? FileManager.default.removeItem(at: folder)
        }
        return databases
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
