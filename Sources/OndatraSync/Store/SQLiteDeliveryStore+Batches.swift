import Foundation
import GRDB

// MARK: - Batches: their members, their stretches of the claim order, forgetting them

extension SQLiteDeliveryStore {
    /// Forgets batch `id`: its stretches stop holding the claim order back and the changes held
    /// for it (enqueued again while it was out) become claimable. Its members were never marked, so
    /// they are back in the queue as they are, with no attempt counted.
    static func forgetBatch(_ db: Database, id: Int64) throws {
        try db.executeCached(sql: "DELETE FROM batch_ranges WHERE batch_id = ?", arguments: [id])
        try db.executeCached(
            sql: "UPDATE pending INDEXED BY pending_superseded SET superseded_by = NULL WHERE superseded_by = ?",
            arguments: [id])
        try db.executeCached(sql: "DELETE FROM batches WHERE id = ?", arguments: [id])
    }

    /// Forgets `target`'s batches whose lease expired at `nowMS` and that hold no job (a batch
    /// holding one waits for `recover`, so its job is polled, not pushed again).
    static func forgetExpiredBatches(_ db: Database, targetID: Int64, nowMS: Int64) throws {
        let expired = try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM batches WHERE target_id = ? AND lease_until <= ? AND job IS NULL"),
            arguments: [targetID, nowMS])
        for batchID in expired { try forgetBatch(db, id: batchID) }
    }

    /// Records that batch `batch` of `target` walked `range` of the claim order.
    static func insertRange(_ db: Database, _ range: ClaimRange, batch: Int64, target: Int64) throws {
        try db.executeCached(
            sql: """
                INSERT INTO batch_ranges (target_id, first_snapshot, first_row_id, first_change_type,
                    last_snapshot, last_row_id, last_change_type, batch_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: StatementArguments([target] + range.first.values + range.last.values + [batch]))
    }

    /// The stretches of `target`'s claim order its live batches walked, in order.
    static func liveRanges(_ db: Database, targetID: Int64) throws -> [ClaimRange] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT first_snapshot, first_row_id, first_change_type, last_snapshot, last_row_id, last_change_type
                    FROM batch_ranges WHERE target_id = ?
                    ORDER BY first_snapshot, first_row_id, first_change_type
                    """), arguments: [targetID]
        ).map { row in
            ClaimRange(
                first: ClaimPosition(snapshot: row[0], rowid: row[1], code: row[2]),
                last: ClaimPosition(snapshot: row[3], rowid: row[4], code: row[5]))
        }
    }

    /// The members of a `batches` row's `members` column; none when it is NULL.
    static func members(_ blob: Data?) throws -> [Change] {
        guard let blob else { return [] }
        return try BatchMembers.decode(blob)
    }

    /// Every member of `target`'s live batches (expired ones included, as long as they exist).
    static func liveMembers(_ db: Database, targetID: Int64) throws -> [Change] {
        var all: [Change] = []
        for blob in try Optional<Data>.fetchAll(
            db.cachedStatement(sql: "SELECT members FROM batches WHERE target_id = ?"), arguments: [targetID])
        {
            all += try members(blob)
        }
        return all
    }

    /// `members` of a batch of `target` as the claim returned them: the claimed change, with the
    /// attempts and last error its queued row has now (none when the row is gone).
    static func pendingChanges(_ db: Database, targetID: Int64, members: [Change]) throws -> [PendingChange] {
        let lookup = try db.cachedStatement(
            sql: "SELECT attempts, last_error FROM pending WHERE target_id = ? AND row_id = ? AND change_type = ?")
        return try members.map { member in
            let row = try Row.fetchOne(
                lookup, arguments: [targetID, member.key.rowid, member.key.type.storeCode])
            return PendingChange(change: member, attempts: row?[0] ?? 0, lastError: row?[1])
        }
    }
}
