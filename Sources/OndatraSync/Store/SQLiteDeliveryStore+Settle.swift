import Foundation
import GRDB

// MARK: - Settling a batch

extension SQLiteDeliveryStore {
    /// Settles `batch` in one transaction (see ``DeliveryStore/complete(batch:outcomes:log:)``):
    /// delivered changes are removed, retried ones wait in backoff until their next attempt, dead
    /// ones move to the dead letters, the rest (no outcome) stay queued as they are; the log entry
    /// is appended and the target's log pruned to ``batchLogLimit`` entries. Dead letters and
    /// failures are dated when the batch ended (`log.started + log.duration`). A batch no longer
    /// claimed is ignored.
    ///
    /// The members come from the batch's row. An outcome applies to a member only while its queued
    /// row still has the snapshot that was claimed and is not held for the batch: a change enqueued
    /// again with a later snapshot while the batch was out stays queued, so the later change is
    /// pushed too.
    public func complete(batch: BatchID, outcomes: [ChangeKey: Disposition], log: BatchLogEntry) throws {
        do {
            try settle(batch: batch, outcomes: outcomes, log: log, byRanges: true)
        } catch is NotOnlyMembers {
            // Rolled back whole; member by member instead.
            try settle(batch: batch, outcomes: outcomes, log: log, byRanges: false)
        }
    }

    /// Thrown (and rolled back) when a batch's stretches held more than its members.
    private struct NotOnlyMembers: Error {}

    /// ``complete(batch:outcomes:log:)`` in one transaction, by ranges when `byRanges` allows.
    private func settle(batch: BatchID, outcomes: [ChangeKey: Disposition], log: BatchLogEntry, byRanges: Bool)
        throws
    {
        guard let batchID = Int64(batch) else { return }
        let endedMS = StoreTime.milliseconds(log.started) &+ StoreTime.milliseconds(log.duration)
        try queue.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT target_id, members FROM batches WHERE id = ?"),
                    arguments: [batchID])
            else { return }
            let targetID: Int64 = row[0]
            let members = try Self.members(row[1])
            var settle = try Settlement(db, targetID: targetID, endedMS: endedMS)
            if try !byRanges
                || !Self.settleByRanges(db, batchID: batchID, members: members, outcomes: outcomes, settle: &settle)
            {
                for member in members {
                    guard let outcome = outcomes[member.key] else { continue }
                    try settle.apply(outcome, to: member)
                }
            }
            try Self.forgetBatch(db, id: batchID)
            try Self.appendLog(db, targetID: targetID, entry: log, limit: batchLogLimit)
        }
    }

    /// Settles a batch whose every member has an outcome without a statement per delivered
    /// member: applies the failed outcomes one by one (a retried change leaves the claim order, a
    /// dead one the queue), then removes what is left of the batch's stretches of the claim order,
    /// which is exactly its delivered members when nothing else lies there. Returns false, having
    /// changed nothing, when a member has no outcome or a change is held for the batch; throws
    /// ``NotOnlyMembers`` when the stretches held more, so the whole transaction is rolled back.
    ///
    /// Why what is left is exactly the delivered members: a member stays in its stretch, where it
    /// was claimed, until it is enqueued again with a later snapshot, and that holds it for the
    /// batch (`superseded_by`). When nothing is held for the batch, every delivered member is in a
    /// stretch, so removing as many changes as there are delivered members removed those and no
    /// others. More means some other change lies there (one not due when the batch was claimed, or
    /// a retry that rejoined the claim order there), and the batch is settled member by member.
    private static func settleByRanges(
        _ db: Database, batchID: Int64, members: [Change], outcomes: [ChangeKey: Disposition],
        settle: inout Settlement
    ) throws -> Bool {
        var delivered = 0
        for member in members {
            switch outcomes[member.key] {
            case nil: return false
            case .delivered: delivered += 1
            default: break
            }
        }
        let held = try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM pending INDEXED BY pending_superseded WHERE superseded_by = ?)
                    """), arguments: [batchID])
        guard held == false else { return false }
        let ranges = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT first_snapshot, first_row_id, first_change_type, last_snapshot, last_row_id, last_change_type
                    FROM batch_ranges WHERE batch_id = ?
                    """), arguments: [batchID])
        for member in members {
            guard let outcome = outcomes[member.key] else { continue }
            if case .delivered = outcome { continue }
            try settle.apply(outcome, to: member)
        }
        var removed = 0
        for range in ranges {
            try db.executeCached(
                sql: """
                    DELETE FROM pending INDEXED BY pending_ready
                    WHERE target_id = ? AND in_backoff = 0 AND superseded_by IS NULL
                    AND (snapshot, row_id, change_type) BETWEEN (?, ?, ?) AND (?, ?, ?)
                    """, arguments: StatementArguments([settle.targetID.databaseValue] + range.databaseValues))
            removed += db.changesCount
        }
        guard removed == delivered else { throw NotOnlyMembers() }
        return true
    }

    /// The cached statements that settle one batch's members, each guarded so it touches a queued
    /// change only while it is the one the batch claimed.
    private struct Settlement {
        let targetID: Int64
        let endedMS: Int64
        let remove: Statement
        let reschedule: Statement
        let bury: Statement
        let db: Database

        init(_ db: Database, targetID: Int64, endedMS: Int64) throws {
            self.db = db
            self.targetID = targetID
            self.endedMS = endedMS
            remove = try db.cachedStatement(
                sql: """
                    DELETE FROM pending WHERE target_id = ? AND row_id = ? AND change_type = ? AND snapshot = ?
                    AND superseded_by IS NULL
                    """)
            reschedule = try db.cachedStatement(
                sql: """
                    UPDATE pending SET attempts = ?, next_attempt = ?, in_backoff = 1, last_error = ?, last_failed_at = ?
                    WHERE target_id = ? AND row_id = ? AND change_type = ? AND snapshot = ? AND superseded_by IS NULL
                    """)
            bury = try db.cachedStatement(
                sql: """
                    INSERT INTO dead_letters
                        (target_id, row_id, change_type, snapshot, attempts, error, payload, failed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
        }

        /// Applies `outcome` to `member` when its queued row is still the claimed change.
        mutating func apply(_ outcome: Disposition, to member: Change) throws {
            let rowid = member.key.rowid
            let code = member.key.type.storeCode
            switch outcome {
            case .delivered:
                remove.setUncheckedArguments([targetID, rowid, code, member.snapshot])
                try remove.execute()
            case .retry(let at, let attempts, let error):
                reschedule.setUncheckedArguments([
                    attempts, StoreTime.milliseconds(at), error, endedMS, targetID, rowid, code, member.snapshot,
                ])
                try reschedule.execute()
            case .dead(let error, let attempts, let payload):
                remove.setUncheckedArguments([targetID, rowid, code, member.snapshot])
                try remove.execute()
                guard db.changesCount > 0 else { return }
                bury.setUncheckedArguments([targetID, rowid, code, member.snapshot, attempts, error, payload, endedMS])
                try bury.execute()
            }
        }
    }

    /// Appends `entry` to the target's batch log and drops its oldest entries beyond `limit`.
    private static func appendLog(_ db: Database, targetID: Int64, entry: BatchLogEntry, limit: Int) throws {
        try db.executeCached(
            sql: """
                INSERT INTO batch_log (target_id, batch, started, duration_ms, rows, delivered, retried, dead, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                targetID, entry.batch, StoreTime.milliseconds(entry.started), StoreTime.milliseconds(entry.duration),
                entry.rows, entry.delivered, entry.retried, entry.dead, entry.error,
            ])
        let entries =
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "UPDATE targets SET log_entries = log_entries + 1 WHERE id = ? RETURNING log_entries"),
                arguments: [targetID]) ?? 0
        let excess = entries - limit
        guard excess > 0 else { return }
        try db.executeCached(
            sql: """
                DELETE FROM batch_log WHERE id IN (SELECT id FROM batch_log WHERE target_id = ? ORDER BY id LIMIT ?)
                """, arguments: [targetID, excess])
        try db.executeCached(
            sql: "UPDATE targets SET log_entries = log_entries - ? WHERE id = ?", arguments: [excess, targetID])
    }
}
