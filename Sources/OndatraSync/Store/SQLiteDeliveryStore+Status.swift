import Foundation
import GRDB

extension SQLiteDeliveryStore {
    /// The earliest next attempt after `now` among `target`'s changes in no batch; nil when there
    /// is none. One index seek for the changes in backoff, and a walk over the ready changes that
    /// are not due yet (queued with a later `now`, which is rare). The drain asks when a claim
    /// found nothing due, so no ready change is due then and the walk reads only the rare ones.
    public func nextDue(target: String, after now: Date) throws -> Date? {
        let nowMS = StoreTime.milliseconds(now)
        return try queue.read { db -> Date? in
            guard let targetID = try Self.targetID(db, name: target) else { return nil }
            // Cached: the drain asks each time its queue runs dry.
            let inBackoff = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT next_attempt FROM pending INDEXED BY pending_backoff
                        WHERE target_id = ? AND in_backoff = 1 AND next_attempt > ?
                        ORDER BY next_attempt LIMIT 1
                        """), arguments: [targetID, nowMS])
            let ready = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT MIN(next_attempt) FROM pending INDEXED BY pending_ready
                        WHERE target_id = ? AND in_backoff = 0 AND superseded_by IS NULL AND next_attempt > ?
                        """), arguments: [targetID, nowMS])
            return [inBackoff, ready].compactMap { $0 }.min().map(StoreTime.date)
        }
    }

    /// Makes `target`'s changes that wait for a later attempt (in no batch) due at `now`, keeping
    /// their attempt counts; with `includeDead`, moves its dead letters back to the queue with no
    /// attempts (a key already queued keeps the later snapshot). Returns the changes made due plus
    /// the dead letters moved.
    @discardableResult
    public func retry(target: String, includeDead: Bool, now: Date) throws -> Int {
        let nowMS = StoreTime.milliseconds(now)
        return try queue.write { db -> Int in
            guard let targetID = try Self.targetID(db, name: target) else { return 0 }
            // INDEXED BY: without statistics the planner would read every queued change.
            try db.execute(
                sql: """
                    UPDATE pending INDEXED BY pending_backoff SET next_attempt = ?1, in_backoff = 0
                    WHERE target_id = ?2 AND in_backoff = 1 AND next_attempt > ?1
                    """, arguments: [nowMS, targetID])
            var touched = db.changesCount
            // Ready changes queued with a later `now` (rare) are made due too.
            try db.execute(
                sql: """
                    UPDATE pending INDEXED BY pending_ready SET next_attempt = ?1
                    WHERE target_id = ?2 AND in_backoff = 0 AND superseded_by IS NULL AND next_attempt > ?1
                    """, arguments: [nowMS, targetID])
            touched += db.changesCount
            guard includeDead else { return touched }
            let revived =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM dead_letters WHERE target_id = ?", arguments: [targetID]) ?? 0
            guard revived > 0 else { return touched }
            // Oldest first, so when a key was buried twice its later letter is written last.
            try db.execute(
                sql: """
                    INSERT INTO pending (target_id, row_id, change_type, snapshot, next_attempt, queued_at)
                    SELECT target_id, row_id, change_type, snapshot, ?1, ?1 FROM dead_letters
                    WHERE target_id = ?2 ORDER BY id
                    """ + Self.upsertConflictClause, arguments: [nowMS, targetID])
            try db.execute(sql: "DELETE FROM dead_letters WHERE target_id = ?", arguments: [targetID])
            touched += revived
            return touched
        }
    }

    /// Every target with state, sorted by name.
    public func targets() throws -> [String] {
        try queue.read { db in try String.fetchAll(db, sql: "SELECT name FROM targets ORDER BY name") }
    }

    /// `target`'s counts, oldest pending change and last errors, read in one transaction so they
    /// agree. A change is in flight when it is a member of a batch that exists (expired or not),
    /// pending otherwise. Counting pending changes reads each of them once (about a tenth of a
    /// second for a million), and the changes in flight once more; the last errors are sought among the newest 1,000 failures of each kind (failing changes, dead
    /// letters, failed batches). A target with no state has zero counts. `now` is not needed: the
    /// counts do not depend on it.
    public func status(of target: String, now: Date) throws -> TargetStatus {
        try queue.read { db -> TargetStatus in
            guard let targetID = try Self.targetID(db, name: target) else {
                return TargetStatus(
                    target: target, watermark: nil, pending: 0, inFlight: 0, dead: 0, failing: 0, oldestPending: nil,
                    openJobs: 0, lastErrors: [])
            }
            let watermark = try Int64.fetchOne(
                db, sql: "SELECT watermark FROM targets WHERE id = ?", arguments: [targetID])
            let count = { (sql: String) throws -> Int in
                try Int.fetchOne(db, sql: sql, arguments: [targetID]) ?? 0
            }
            let queued = try Self.queue(db, targetID: targetID)
            let failing = try count(
                """
                SELECT COUNT(*) FROM pending INDEXED BY pending_failing WHERE target_id = ? AND attempts > 0
                """)
            return TargetStatus(
                target: target, watermark: watermark, pending: queued.count - queued.inFlight,
                inFlight: queued.inFlight,
                dead: try count("SELECT COUNT(*) FROM dead_letters WHERE target_id = ?"),
                failing: failing - queued.failingInFlight,
                oldestPending: queued.oldestPending.map(StoreTime.date),
                openJobs: try count("SELECT COUNT(*) FROM batches WHERE target_id = ? AND job IS NOT NULL"),
                lastErrors: try String.fetchAll(db, sql: Self.lastErrorsSQL, arguments: [targetID]))
        }
    }

    /// `target`'s queue at a glance: how many changes it holds, how many of them are in flight
    /// (members of its batches) and failed before, and when the oldest one not in flight was queued.
    ///
    /// One read of every queued change. While batches are out, that read leaves out of the oldest
    /// the changes in their stretches of the claim order and those held for them (every change in
    /// flight is one or the other); those few are read again through the indexes, which tells the
    /// members (looked up one by one only if not found there) from the rest. The stretches are
    /// merged into at most 16 spans, so the condition stays short; a span may cover more than its
    /// batches' members, which only adds to the second read.
    private static func queue(_ db: Database, targetID: Int64) throws
        -> (count: Int, inFlight: Int, failingInFlight: Int, oldestPending: Int64?)
    {
        let members = try liveMembers(db, targetID: targetID)
        guard !members.isEmpty else {
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), MIN(queued_at) FROM pending WHERE target_id = ?", arguments: [targetID])
            return (row?[0] ?? 0, 0, 0, row?[1])
        }
        let spans = try spans(of: liveRanges(db, targetID: targetID), atMost: 16)
        var outside = "superseded_by IS NULL"
        var bounds: [Int64] = []
        if let lowest = spans.map(\.first.snapshot).min(), let highest = spans.map(\.last.snapshot).max() {
            let inSpan = Array(
                repeating: "(snapshot, row_id, change_type) BETWEEN (?, ?, ?) AND (?, ?, ?)", count: spans.count)
            outside +=
                " AND NOT (in_backoff = 0 AND snapshot BETWEEN ? AND ? AND (\(inSpan.joined(separator: " OR "))))"
            bounds = [lowest, highest] + spans.flatMap { $0.first.values + $0.last.values }
        }
        let totals = try Row.fetchOne(
            db, sql: "SELECT COUNT(*), MIN(CASE WHEN \(outside) THEN queued_at END) FROM pending WHERE target_id = ?",
            arguments: StatementArguments(bounds + [targetID]))
        // The changes left out above: in a span (and in the claim order), or held.
        var apart: [ChangeKey: (queuedAt: Int64, attempts: Int)] = [:]
        let collect = { (rows: RowCursor) throws in
            while let row = try rows.next() {
                guard let type = ChangeType(storeCode: row[1]) else { continue }
                apart[ChangeKey(rowid: row[0], type: type)] = (row[2], row[3])
            }
        }
        for span in spans {
            try collect(
                Row.fetchCursor(
                    db,
                    sql: """
                        SELECT row_id, change_type, queued_at, attempts FROM pending INDEXED BY pending_ready
                        WHERE target_id = ? AND in_backoff = 0 AND superseded_by IS NULL
                        AND (snapshot, row_id, change_type) BETWEEN (?, ?, ?) AND (?, ?, ?)
                        """, arguments: StatementArguments([targetID] + span.first.values + span.last.values)))
        }
        try collect(
            Row.fetchCursor(
                db,
                sql: """
                    SELECT row_id, change_type, queued_at, attempts FROM pending INDEXED BY pending_superseded
                    WHERE superseded_by IS NOT NULL AND target_id = ?
                    """, arguments: [targetID]))
        // In flight: the members whose queued row exists.
        var inFlight: Set<ChangeKey> = []
        var failing = 0
        let lookup = try db.cachedStatement(
            sql: "SELECT attempts FROM pending WHERE target_id = ? AND row_id = ? AND change_type = ?")
        for member in members where !inFlight.contains(member.key) {
            guard
                let attempts = try apart[member.key]?.attempts
                    ?? Int.fetchOne(lookup, arguments: [targetID, member.key.rowid, member.key.type.storeCode])
            else { continue }
            inFlight.insert(member.key)
            if attempts > 0 { failing += 1 }
        }
        var oldest: Int64? = totals?[1]
        for (key, row) in apart where !inFlight.contains(key) {
            oldest = min(oldest ?? row.queuedAt, row.queuedAt)
        }
        return (totals?[0] ?? 0, inFlight.count, failing, oldest)
    }

    /// `ranges` (in claim order) merged, neighbours together, into at most `limit` spans.
    static func spans(of ranges: [ClaimRange], atMost limit: Int) -> [ClaimRange] {
        guard ranges.count > limit, limit > 0 else { return ranges }
        return (0..<limit).map { group in
            let start = group * ranges.count / limit
            let end = (group + 1) * ranges.count / limit - 1
            return ClaimRange(first: ranges[start].first, last: ranges[end].last)
        }
    }

    /// The five most recent distinct errors of target `?1`, newest first, among its newest 1,000
    /// failing changes, dead letters and failed batches (a failed batch dates from when it ended).
    private static let lastErrorsSQL = """
        SELECT error FROM (
            SELECT * FROM (
                SELECT last_error AS error, last_failed_at AS at FROM pending
                WHERE target_id = ?1 AND attempts > 0 AND last_error IS NOT NULL
                ORDER BY last_failed_at DESC LIMIT 1000)
            UNION ALL
            SELECT * FROM (
                SELECT error, failed_at AS at FROM dead_letters WHERE target_id = ?1 ORDER BY id DESC LIMIT 1000)
            UNION ALL
            SELECT * FROM (
                SELECT error, started + duration_ms AS at FROM batch_log
                WHERE target_id = ?1 AND error IS NOT NULL ORDER BY id DESC LIMIT 1000)
        )
        GROUP BY error ORDER BY MAX(at) DESC, error LIMIT 5
        """

    /// The `limit` dead letters of `target` moved there last, newest first.
    public func deadLetters(of target: String, limit: Int) throws -> [DeadLetter] {
        try queue.read { db -> [DeadLetter] in
            guard let targetID = try Self.targetID(db, name: target), limit > 0 else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT row_id, change_type, snapshot, attempts, error, payload, failed_at FROM dead_letters
                    WHERE target_id = ? ORDER BY id DESC LIMIT ?
                    """, arguments: [targetID, limit])
            return try rows.map { row in
                let code: Int64 = row[1]
                guard let type = ChangeType(storeCode: code) else {
                    throw SQLiteDeliveryStoreError.unreadableRow("change type code \(code)")
                }
                return DeadLetter(
                    change: Change(key: ChangeKey(rowid: row[0], type: type), snapshot: row[2]), attempts: row[3],
                    error: row[4], payload: row[5], failedAt: StoreTime.date(row[6]))
            }
        }
    }

    /// The `limit` batches of `target` logged last, newest first (the log keeps ``batchLogLimit``).
    public func batches(of target: String, limit: Int) throws -> [BatchLogEntry] {
        try queue.read { db -> [BatchLogEntry] in
            guard let targetID = try Self.targetID(db, name: target), limit > 0 else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT batch, started, duration_ms, rows, delivered, retried, dead, error FROM batch_log
                    WHERE target_id = ? ORDER BY id DESC LIMIT ?
                    """, arguments: [targetID, limit])
            return rows.map { row in
                BatchLogEntry(
                    batch: row[0], started: StoreTime.date(row[1]), duration: .milliseconds(row[2] as Int64),
                    rows: row[3], delivered: row[4], retried: row[5], dead: row[6], error: row[7])
            }
        }
    }
}
