import Foundation
import GRDB

/// The ``DeliveryStore`` in one SQLite file, written through GRDB: many small durable
/// transactions, no server, and (with WAL) `sync status` can read while a run writes.
/// docs/sync-store.md describes the schema and the figures.
///
/// Besides the protocol's rules:
/// - Each write takes SQLite's write lock when it begins (`BEGIN IMMEDIATE`); a second process
///   waits for it up to ``busyTimeout`` instead of failing at once.
/// - A batch whose lease expired counts as gone for ``claim(target:limit:owner:now:leaseUntil:)``,
///   which takes its changes back first, unless it holds an async job: that batch stays until
///   ``recover(target:owner:takeOver:now:leaseUntil:)`` gives it to a new owner, so its job is
///   polled again and its changes are never pushed twice. A lease has expired at `leaseUntil`.
/// - ``complete(batch:outcomes:log:)``, ``release(batch:)`` and ``saveJob(batch:job:)`` ignore a
///   batch that is no longer claimed (released, or taken back after its lease expired): its
///   changes belong to another batch by then, and at-least-once delivery already allows the push
///   it made.
/// - A change enqueued again with a later snapshot while it is in a batch stays in that batch,
///   marked superseded: settling the batch releases it (attempts counted from zero) instead of
///   removing it or moving it to the dead letters, so the later change is pushed too.
/// - The batch log keeps the newest ``batchLogLimit`` entries per target (10,000 by default);
///   ``complete(batch:outcomes:log:)`` drops older ones.
/// - Times are kept to the millisecond.
public final class SQLiteDeliveryStore: DeliveryStore, Sendable {
    let queue: DatabaseQueue
    /// How many batch-log entries are kept per target; older ones are dropped.
    public let batchLogLimit: Int
    /// How long a write waits for another process's transaction before failing.
    public static let busyTimeout: TimeInterval = 5

    /// Opens (or creates) the store at `path`, creating its folder, and brings its schema up to date.
    /// - Parameter batchLogLimit: batch-log entries kept per target (at least 1).
    /// - Throws: a GRDB error when the file cannot be opened, or ``SQLiteDeliveryStoreError`` when
    ///   a newer version of OndatraSQL wrote it.
    public convenience init(path: URL, batchLogLimit: Int = 10_000) throws {
        try FileManager.default.createDirectory(
            at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        var config = Configuration()
        config.label = "OndatraSync.SQLiteDeliveryStore"
        // WAL: readers (`sync status`, a second store) never block the writer, nor it them, and a
        // commit is one append to the log instead of a rewrite of the pages.
        config.journalMode = .wal
        config.busyMode = .timeout(Self.busyTimeout)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // NORMAL under WAL: a commit is handed to the OS when it returns, but not fsynced. A
            // killed process (Ctrl-C, the OOM killer, a CI timeout), the failure this store guards
            // against, loses nothing committed; only a power cut or kernel crash can lose the last
            // commits, and even then the file stays consistent. FULL would fsync every commit,
            // which would bound one-change batches by the disk's flush latency.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A large enqueue grows the WAL to its own size; give the space back after a checkpoint.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        try self.init(queue: DatabaseQueue(path: path.path, configuration: config), batchLogLimit: batchLogLimit)
    }

    /// A store that lives in memory and vanishes with it, for tests.
    public static func inMemory(batchLogLimit: Int = 10_000) throws -> SQLiteDeliveryStore {
        var config = Configuration()
        config.foreignKeysEnabled = true
        return try SQLiteDeliveryStore(queue: DatabaseQueue(configuration: config), batchLogLimit: batchLogLimit)
    }

    private init(queue: DatabaseQueue, batchLogLimit: Int) throws {
        self.queue = queue
        self.batchLogLimit = max(1, batchLogLimit)
        let migrator = Self.migrator
        let (superseded, current) = try queue.read { db in
            (try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db))
        }
        // A store written by a newer binary may hold state this one would misread: refuse it.
        if superseded { throw SQLiteDeliveryStoreError.newerSchema }
        // Migrating only when needed keeps opening a store just to read (`sync status`) free of writes.
        if !current { try migrator.migrate(queue) }
    }

    /// The last snapshot whose changes are queued for `target`; nil before its first enqueue.
    public func watermark(of target: String) throws -> Int64? {
        try queue.read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT watermark FROM targets WHERE name = ?"), arguments: [target])
        }
    }

    /// What the watermark's snapshots belong to, as the last enqueue recorded it.
    public func source(of target: String) throws -> String? {
        try queue.read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT source FROM targets WHERE name = ?"), arguments: [target])
        }
    }

    /// Enqueues the changes `body` writes and moves the watermark, in one transaction (see
    /// ``DeliveryStore/enqueue(target:through:source:replacing:now:_:)``). The changes are written a chunk
    /// at a time through one prepared upsert, so memory stays flat however many there are.
    /// `body` must not call this store: it runs inside the store's transaction, and GRDB stops
    /// the process on a re-entrant call.
    @discardableResult
    public func enqueue(
        target: String, through snapshot: Int64, source: String?, replacing: Bool, now: Date,
        _ body: (inout ChangeWriter) throws -> Void
    ) throws -> Int {
        let nowMS = StoreTime.milliseconds(now)
        return try queue.write { db in
            let targetID = try Self.ensureTarget(db, name: target)
            if replacing {
                // Changes in a batch holding an async job stay: that job will report on them.
                try db.executeCached(
                    sql: """
                        DELETE FROM pending WHERE target_id = ?1 AND (batch_id IS NULL
                            OR batch_id NOT IN (SELECT id FROM batches WHERE target_id = ?1 AND job IS NOT NULL))
                        """, arguments: [targetID])
                try db.executeCached(
                    sql: "DELETE FROM batches WHERE target_id = ? AND job IS NULL", arguments: [targetID])
            }
            let upsert = try db.cachedStatement(sql: Self.upsertSQL)
            var writer = ChangeWriter { chunk in
                for change in chunk {
                    upsert.setUncheckedArguments([
                        targetID, change.key.rowid, change.key.type.storeCode, change.snapshot, nowMS, nowMS,
                    ])
                    try upsert.execute()
                }
            }
            try body(&writer)
            try writer.flush()
            try db.executeCached(
                sql: "UPDATE targets SET watermark = ?, source = coalesce(?, source) WHERE id = ?",
                arguments: [snapshot, source, targetID])
            return writer.count
        }
    }

    /// Adds a change, or renews a queued one with the same key: the later snapshot wins and the
    /// attempts start over. A change in a batch is renewed only by a later snapshot, and is then
    /// marked superseded (the batch pushed the earlier change); otherwise it is left to its batch.
    static let upsertSQL =
        """
        INSERT INTO pending (target_id, row_id, change_type, snapshot, next_attempt, queued_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """ + upsertConflictClause

    /// The conflict clause of ``upsertSQL``, shared with reviving dead letters.
    static let upsertConflictClause = """

        ON CONFLICT (target_id, row_id, change_type) DO UPDATE SET
            snapshot = max(snapshot, excluded.snapshot), attempts = 0, next_attempt = excluded.next_attempt,
            in_backoff = 0, last_error = NULL, last_failed_at = NULL, superseded = (batch_id IS NOT NULL)
        WHERE batch_id IS NULL OR excluded.snapshot > snapshot
        """

    /// Claims up to `limit` due changes of `target` in snapshot, row id, change type order (see
    /// ``DeliveryStore/claim(target:limit:owner:now:leaseUntil:)``), after taking back the
    /// changes of its expired batches that hold no job.
    public func claim(target: String, limit: Int, owner: String, now: Date, leaseUntil: Date) throws
        -> ClaimedBatch?
    {
        guard limit > 0 else { return nil }
        let nowMS = StoreTime.milliseconds(now)
        return try queue.write { db -> ClaimedBatch? in
            guard let targetID = try Self.targetID(db, name: target) else { return nil }
            for batchID in try Int64.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id FROM batches WHERE target_id = ? AND lease_until <= ? AND job IS NULL"),
                arguments: [targetID, nowMS])
            {
                try Self.releaseBatch(db, id: batchID)
            }
            // Failed changes whose next attempt has come rejoin the claim order.
            try db.executeCached(
                sql: """
                    UPDATE pending INDEXED BY pending_backoff SET in_backoff = 0
                    WHERE target_id = ? AND batch_id IS NULL AND in_backoff = 1 AND next_attempt <= ?
                    """, arguments: [targetID, nowMS])
            // INDEXED BY: without statistics the planner may pick another index and sort every due
            // change; walking `pending_ready` in order stops after `limit` rows.
            let changes = try Self.fetchChanges(
                db,
                sql: """
                    SELECT row_id, change_type, snapshot, attempts, last_error FROM pending INDEXED BY pending_ready
                    WHERE target_id = ? AND batch_id IS NULL AND in_backoff = 0 AND next_attempt <= ?
                    ORDER BY snapshot, row_id, change_type LIMIT ?
                    """, arguments: [targetID, nowMS, limit])
            guard !changes.isEmpty else { return nil }
            try db.executeCached(
                sql: "INSERT INTO batches (target_id, owner, lease_until, created_at) VALUES (?, ?, ?, ?)",
                arguments: [targetID, owner, StoreTime.milliseconds(leaseUntil), nowMS])
            let batchID = db.lastInsertedRowID
            // The changes read are the due ones up to the last in claim order (the order is a key):
            // one statement points them all at the batch, walking the same index.
            guard let last = changes.last else { return nil }
            try db.executeCached(
                sql: """
                    UPDATE pending INDEXED BY pending_ready SET batch_id = ?
                    WHERE target_id = ? AND batch_id IS NULL AND in_backoff = 0 AND next_attempt <= ?
                    AND (snapshot, row_id, change_type) <= (?, ?, ?)
                    """,
                arguments: [
                    batchID, targetID, nowMS, last.change.snapshot, last.key.rowid, last.key.type.storeCode,
                ])
            return ClaimedBatch(id: String(batchID), target: target, changes: changes, leaseUntil: leaseUntil)
        }
    }

    /// Takes back `target`'s expired batches and, with ``RecoveryScope/allOtherOwners``, every
    /// other owner's; returns the ones holding an async job, re-leased to `owner` (see
    /// ``DeliveryStore/recover(target:owner:takeOver:now:leaseUntil:)``).
    public func recover(target: String, owner: String, takeOver: RecoveryScope, now: Date, leaseUntil: Date) throws
        -> [ClaimedBatch]
    {
        let nowMS = StoreTime.milliseconds(now)
        let leaseMS = StoreTime.milliseconds(leaseUntil)
        return try queue.write { db -> [ClaimedBatch] in
            guard let targetID = try Self.targetID(db, name: target) else { return [] }
            let others = takeOver == .allOtherOwners
            let taken = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, job FROM batches WHERE target_id = ? AND (lease_until <= ? OR (? AND owner <> ?))
                        ORDER BY id
                        """), arguments: [targetID, nowMS, others, owner])
            var recovered: [ClaimedBatch] = []
            for row in taken {
                let batchID: Int64 = row[0]
                guard let job: String = row[1] else {
                    try Self.releaseBatch(db, id: batchID)
                    continue
                }
                try db.executeCached(
                    sql: "UPDATE batches SET owner = ?, lease_until = ? WHERE id = ?",
                    arguments: [owner, leaseMS, batchID])
                recovered.append(
                    ClaimedBatch(
                        id: String(batchID), target: target, changes: try Self.changes(db, inBatch: batchID),
                        leaseUntil: leaseUntil, job: job))
            }
            return recovered
        }
    }

    /// Saves the async job reference of `batch`; a batch no longer claimed is ignored.
    public func saveJob(batch: BatchID, job: String) throws {
        guard let batchID = Int64(batch) else { return }
        try queue.write { db in
            try db.executeCached(sql: "UPDATE batches SET job = ? WHERE id = ?", arguments: [job, batchID])
        }
    }

    /// Settles `batch` in one transaction (see ``DeliveryStore/complete(batch:outcomes:log:)``):
    /// delivered changes are removed, retried ones wait in backoff until their next attempt, dead
    /// ones move to the dead letters, the rest (no outcome, or superseded) are released; the log
    /// entry is appended and the target's log pruned to ``batchLogLimit`` entries. Dead letters and
    /// failures are dated when the batch ended (`log.started + log.duration`). A batch no longer
    /// claimed is ignored.
    public func complete(batch: BatchID, outcomes: [ChangeKey: Disposition], log: BatchLogEntry) throws {
        guard let batchID = Int64(batch) else { return }
        let endedMS = StoreTime.milliseconds(log.started) &+ StoreTime.milliseconds(log.duration)
        try queue.write { db in
            guard
                let targetID = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT target_id FROM batches WHERE id = ?"), arguments: [batchID])
            else { return }
            if try Self.settleDelivered(db, batchID: batchID, outcomes: outcomes) {
                try Self.releaseBatch(db, id: batchID)
                try Self.appendLog(db, targetID: targetID, entry: log, limit: batchLogLimit)
                return
            }
            // The members first (at most a batch of them), so the loop does not update the table
            // a cursor is reading.
            let members = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT row_id, change_type, snapshot FROM pending
                        WHERE batch_id = ? AND superseded = 0 ORDER BY snapshot, row_id, change_type
                        """), arguments: [batchID])
            let remove = try db.cachedStatement(
                sql: "DELETE FROM pending WHERE target_id = ? AND row_id = ? AND change_type = ?")
            let reschedule = try db.cachedStatement(
                sql: """
                    UPDATE pending SET batch_id = NULL, attempts = ?, next_attempt = ?, in_backoff = 1,
                        last_error = ?, last_failed_at = ?
                    WHERE target_id = ? AND row_id = ? AND change_type = ?
                    """)
            let bury = try db.cachedStatement(
                sql: """
                    INSERT INTO dead_letters
                        (target_id, row_id, change_type, snapshot, attempts, error, payload, failed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // Delivered changes are removed together at the end, unless some member has no outcome.
            var delivered: [(rowid: Int64, code: Int64)] = []
            var unsettled = 0
            for member in members {
                let rowid: Int64 = member[0]
                let code: Int64 = member[1]
                let snapshot: Int64 = member[2]
                guard let type = ChangeType(storeCode: code) else {
                    throw SQLiteDeliveryStoreError.unreadableRow("change type code \(code)")
                }
                switch outcomes[ChangeKey(rowid: rowid, type: type)] {
                case nil:
                    unsettled += 1
                case .delivered:
                    delivered.append((rowid, code))
                case .retry(let at, let attempts, let error):
                    reschedule.setUncheckedArguments([
                        attempts, StoreTime.milliseconds(at), error, endedMS, targetID, rowid, code,
                    ])
                    try reschedule.execute()
                case .dead(let error, let attempts, let payload):
                    bury.setUncheckedArguments([targetID, rowid, code, snapshot, attempts, error, payload, endedMS])
                    try bury.execute()
                    remove.setUncheckedArguments([targetID, rowid, code])
                    try remove.execute()
                }
            }
            if unsettled == 0 {
                // Retried changes have left the batch and dead ones the queue: what is left of the
                // batch but superseded changes was delivered.
                if !delivered.isEmpty {
                    try db.executeCached(
                        sql: "DELETE FROM pending WHERE batch_id = ? AND superseded = 0", arguments: [batchID])
                }
            } else {
                for (rowid, code) in delivered {
                    remove.setUncheckedArguments([targetID, rowid, code])
                    try remove.execute()
                }
            }
            try Self.releaseBatch(db, id: batchID)
            try Self.appendLog(db, targetID: targetID, entry: log, limit: batchLogLimit)
        }
    }

    /// The common case of a batch whose every change was delivered, settled without reading its
    /// rows: when every outcome is `delivered` and every member of the batch has one (checked on
    /// the `pending_batch` index alone), removes the members that are not superseded in one
    /// statement and returns true. Otherwise changes nothing and returns false.
    private static func settleDelivered(
        _ db: Database, batchID: Int64, outcomes: [ChangeKey: Disposition]
    ) throws -> Bool {
        for outcome in outcomes.values {
            guard case .delivered = outcome else { return false }
        }
        let members = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT row_id, change_type FROM pending INDEXED BY pending_batch WHERE batch_id = ?"),
            arguments: [batchID])
        while let member = try members.next() {
            let code: Int64 = member[1]
            guard let type = ChangeType(storeCode: code), outcomes[ChangeKey(rowid: member[0], type: type)] != nil
            else { return false }
        }
        try db.executeCached(
            sql: "DELETE FROM pending WHERE batch_id = ? AND superseded = 0", arguments: [batchID])
        return true
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

    /// Gives `batch` back without counting an attempt; a batch no longer claimed is ignored.
    public func release(batch: BatchID) throws {
        guard let batchID = Int64(batch) else { return }
        try queue.write { db in try Self.releaseBatch(db, id: batchID) }
    }
}

/// Why ``SQLiteDeliveryStore`` cannot use a store file.
public struct SQLiteDeliveryStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case newerSchema, unreadableRow
    }
    private let code: Code
    /// What went wrong, safe to log (no row data).
    public let description: String

    /// The file was written by a newer version of OndatraSQL, whose state this one could misread.
    public static let newerSchema = SQLiteDeliveryStoreError(
        code: .newerSchema, description: "the sync store was written by a newer version of OndatraSQL")

    /// A row holds a value this version does not know (an unknown change type code).
    static func unreadableRow(_ detail: String) -> SQLiteDeliveryStoreError {
        SQLiteDeliveryStoreError(code: .unreadableRow, description: "unreadable sync store row: \(detail)")
    }

    /// Errors are equal when they are the same kind of failure, whatever the detail.
    public static func == (lhs: SQLiteDeliveryStoreError, rhs: SQLiteDeliveryStoreError) -> Bool {
        lhs.code == rhs.code
    }
}
