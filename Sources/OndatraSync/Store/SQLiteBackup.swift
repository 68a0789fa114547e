import Foundation
import GRDB

/// A consistent copy of an SQLite database file, taken with SQLite's online backup while other
/// processes may be writing to it (a delivery store, a DuckLake catalog's metadata).
public enum SQLiteBackup {
    /// Copies the database at `source` to `destination` (made or overwritten) as one snapshot.
    /// - Throws: GRDB's error when either file cannot be opened, or the source is not SQLite.
    public static func copy(from source: URL, to destination: URL) throws {
        var readOnly = Configuration()
        readOnly.readonly = true
        readOnly.busyMode = .timeout(SQLiteDeliveryStore.busyTimeout)
        let from = try DatabaseQueue(path: source.path, configuration: readOnly)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let to = try DatabaseQueue(path: destination.path)
        try from.backup(to: to)
        try from.close()
        try to.close()
    }
}
