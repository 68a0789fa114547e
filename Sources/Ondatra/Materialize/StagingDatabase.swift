import DuckDB
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A DuckDB file attached for one model's run, in the project's `.ondatra/staging/` folder: the
/// rows of the lib functions a model reads are staged there and its result is built there, so
/// they lie on disk, compressed, instead of in DuckDB's in-memory temporary tables, and the memory
/// a run takes does not grow with the rows it fetches.
///
/// DuckDB lets a transaction write to one attached database only (besides `temp`): everything is
/// written here before the model's DuckLake transaction begins, which then only reads it.
/// ``discard()`` detaches and deletes the file, after a failure as after a success; a file whose
/// process died before it could (`kill -9`) is deleted by the next run (``removeLeftovers(of:)``).
final class StagingDatabase {
    /// The name the file is attached as.
    let catalog: String
    /// The database file.
    let file: URL
    private let session: Session

    /// The folder of the project's staging files.
    static func directory(of project: Project) -> URL { project.stateDirectory.appending(path: "staging") }

    /// Creates and attaches a new staging file (named after this process, so that a run that
    /// sweeps leftovers never takes a live process's file).
    /// - Throws: ``OndatraError`` when the folder cannot be made or the file attached.
    init(session: Session) throws {
        let directory = Self.directory(of: session.project)
        let token = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(16))
        let file = directory.appending(path: "\(getpid())-\(token).duckdb")
        let catalog = "__ondatra_staging_\(token)"
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw OndatraError(.io, "could not create \(directory.path): \(error.localizedDescription)")
        }
        do {
            try session.execute("ATTACH \(SQLLiteral.quote(file.path)) AS \(SQLLiteral.identifier(catalog))")
        } catch {
            Self.remove(stem: file.lastPathComponent, in: directory)
            throw error
        }
        self.catalog = catalog
        self.file = file
        self.session = session
    }

    /// `name` in the staging file, qualified and quoted.
    func qualified(_ name: String) -> String { SQLLiteral.qualified([catalog, "main", name]) }

    /// Runs `body` in one transaction: what it writes goes to this file (and temporary tables)
    /// only. One transaction, not one per statement: each commit makes DuckDB sync the file.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try session.connection.transaction { _ in try body() }
        } catch let error as DuckDBError {
            throw session.queryError(error)
        }
    }

    /// Detaches the file and deletes it (its write-ahead log too), and the folder when it is empty.
    func discard() {
        _ = try? session.execute("DETACH DATABASE IF EXISTS \(SQLLiteral.identifier(catalog))")
        let directory = file.deletingLastPathComponent()
        Self.remove(stem: file.lastPathComponent, in: directory)
        // Only removes an empty folder.
        _ = rmdir(directory.path)
    }

    /// Deletes the staging files of `project` that no live process holds: those left by a
    /// process that died before it could delete them. DuckDB locks a database file while it is
    /// attached (an `fcntl` lock), so a file that is not locked is a leftover; files named after
    /// this process are left to it (a process does not see its own locks).
    static func removeLeftovers(of project: Project) {
        let directory = directory(of: project)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        let own = "\(getpid())-"
        for name in names where name.hasSuffix(".duckdb") && !name.hasPrefix(own) {
            guard !isLocked(directory.appending(path: name).path) else { continue }
            remove(stem: name, in: directory)
        }
        // A write-ahead log whose database file is gone.
        for name in names where name.hasSuffix(".duckdb.wal") && !name.hasPrefix(own) {
            let stem = String(name.dropLast(4))
            if !FileManager.default.fileExists(atPath: directory.appending(path: stem).path) {
                remove(stem: stem, in: directory)
            }
        }
        _ = rmdir(directory.path)
    }

    /// Deletes `stem` (a database file's name) and its write-ahead log in `directory`.
    private static func remove(stem: String, in directory: URL) {
        for name in [stem, stem + ".wal"] {
            try? FileManager.default.removeItem(at: directory.appending(path: name))
        }
    }

    /// Whether another process holds a lock on the file at `path` (true when it cannot be told).
    private static func isLocked(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno != ENOENT }
        defer { close(descriptor) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        guard fcntl(descriptor, F_GETLK, &lock) == 0 else { return true }
        return lock.l_type != Int16(F_UNLCK)
    }
}
