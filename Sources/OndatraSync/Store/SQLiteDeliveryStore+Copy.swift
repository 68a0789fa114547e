import Foundation
import GRDB

extension SQLiteDeliveryStore {
    /// Copies the store at `source` to `destination` as one consistent snapshot (SQLite's online
    /// backup), whatever another process is writing; nothing to copy when `source` does not exist.
    /// For `sandbox`, which queues a run's changes without touching the real queue.
    public static func copy(from source: URL, to destination: URL) throws {
        guard FileManager.default.fileExists(atPath: source.path) else { return }
        try SQLiteBackup.copy(from: source, to: destination)
    }

    /// `target`'s queued changes in no batch, counted by DuckLake's change type (`insert`,
    /// `update_postimage`, `delete`, …): what the next push of the target would send, apart from
    /// retries not yet due.
    /// - Throws: ``SQLiteDeliveryStoreError`` for a change type code this version does not know.
    public func pendingChangeTypes(of target: String) throws -> [String: Int] {
        try queue.read { db -> [String: Int] in
            guard let targetID = try Self.targetID(db, name: target) else { return [:] }
            var counts: [String: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT change_type, COUNT(*) AS n FROM pending WHERE target_id = ? GROUP BY change_type",
                arguments: [targetID])
            for row in rows {
                let code: Int64 = row["change_type"]
                guard let type = ChangeType(storeCode: code) else {
                    throw SQLiteDeliveryStoreError.unreadableRow("change type code \(code)")
                }
                counts[type.rawValue] = row["n"]
            }
            return counts
        }
    }
}
