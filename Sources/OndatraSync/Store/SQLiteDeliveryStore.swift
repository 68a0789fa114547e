import Foundation
import GRDB

/// The ``DeliveryStore`` in one SQLite file, written through GRDB: many small durable
/// transactions, no server, and (with WAL) `sync status` can read while a run writes.
/// docs/sync-store.md describes the schema and the figures.
///
/// Besides the protocol's rules:
/// - Each write takes SQLite's write lock when it begins (`BEGIN IMMEDIATE`); a second process
///   waits for it up to ``busyTimeout`` instead of failing at once.
/// - A claim marks no queued change: the batch records its members and the stretches of the claim
///   order it walked, and later claims skip those stretches while it is live. A change that is not
///   a member but lies in such a stretch (it was not due when the batch was claimed, or a retry
///   rejoined the claim order there) waits until that batch is settled, released or taken back.
/// - A batch whose lease expired counts as gone for ``claim(target:limit:owner:now:leaseUntil:)``,
///   which takes its changes back first, unless it holds an async job: that batch stays until
///   ``recover(target:owner:takeOver:now:leaseUntil:)`` gives it to a new owner, so its job is
///   polled again and its changes are never pushed twice. A lease has expired at `leaseUntil`.
/// - ``complete(batch:outcomes:log:)``, ``release(batch:)`` and ``saveJob(batch:job:)`` ignore a
///   batch that is no longer claimed (released, or taken back after its lease expired): its
///   changes belong to another batch by then, and at-least-once delivery already allows the push
///   it made.
/// - A change enqueued again with a later snapshot while it is in a batch is held for that batch
///   (not claimed, so the later change is never pushed while the earlier one is out): settling the
///   batch leaves it queued (attempts counted from zero) instead of removing it or moving it to
///   the dead letters, so the later change is pushed too.
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
            if replacing { try Self.dropPending(db, targetID: targetID) }
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
    /// attempts start over. A change renewed with a later snapshot while it lies in a stretch of the
    /// claim order a live batch walked (where every member of that batch lies) is held for that
    /// batch: the batch may be pushing the earlier change, and the later one must not be pushed
    /// before it is settled.
    static let upsertSQL =
        """
        INSERT INTO pending (target_id, row_id, change_type, snapshot, next_attempt, queued_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """ + upsertConflictClause

    /// The conflict clause of ``upsertSQL``, shared with reviving dead letters. Every expression
    /// reads the row as it was before the update.
    static let upsertConflictClause = """

        ON CONFLICT (target_id, row_id, change_type) DO UPDATE SET
            snapshot = max(snapshot, excluded.snapshot), attempts = 0, next_attempt = excluded.next_attempt,
            in_backoff = 0, last_error = NULL, last_failed_at = NULL,
            superseded_by = CASE WHEN excluded.snapshot > snapshot AND in_backoff = 0 THEN coalesce(superseded_by, (
                SELECT batch_id FROM batch_ranges AS r WHERE r.target_id = pending.target_id
                AND (pending.snapshot, pending.row_id, pending.change_type)
                    >= (r.first_snapshot, r.first_row_id, r.first_change_type)
                AND (pending.snapshot, pending.row_id, pending.change_type)
                    <= (r.last_snapshot, r.last_row_id, r.last_change_type)))
            ELSE superseded_by END
        """

    /// A backfill's first step: drops `target`'s queued changes and its batches, except the batches
    /// holding an async job and their members (that job will report on them).
    private static func dropPending(_ db: Database, targetID: Int64) throws {
        var kept: [ChangeKey] = []
        for row in try Row.fetchAll(
            db, sql: "SELECT id, job, members FROM batches WHERE target_id = ? ORDER BY id", arguments: [targetID])
        {
            guard row[1] as String? == nil else {
                kept += try members(row[2]).map(\.key)
                continue
            }
            try forgetBatch(db, id: row[0])
        }
        // Deletes between the kept keys, in key order: the rows of the kept ones stay as they are.
        let delete = try db.cachedStatement(
            sql: """
                DELETE FROM pending WHERE target_id = ? AND (row_id, change_type) > (?, ?) AND (row_id, change_type) < (?, ?)
                """)
        var lower: (Int64, Int64) = (.min, .min)
        for key in kept.sorted() + [nil] {
            let upper = key.map { ($0.rowid, $0.type.storeCode) } ?? (.max, .max)
            try delete.execute(arguments: [targetID, lower.0, lower.1, upper.0, upper.1])
            lower = upper
        }
    }

    /// Claims up to `limit` due changes of `target` in snapshot, row id, change type order (see
    /// ``DeliveryStore/claim(target:limit:owner:now:leaseUntil:)``), after taking back the
    /// changes of its expired batches that hold no job. The walk of `pending_ready` seeks past the
    /// stretches of the claim order that live batches walked; the new batch records its members
    /// and the stretches it walked, and no queued change is written.
    public func claim(target: String, limit: Int, owner: String, now: Date, leaseUntil: Date) throws
        -> ClaimedBatch?
    {
        guard limit > 0 else { return nil }
        let nowMS = StoreTime.milliseconds(now)
        return try queue.write { db -> ClaimedBatch? in
            guard let targetID = try Self.targetID(db, name: target) else { return nil }
            try Self.forgetExpiredBatches(db, targetID: targetID, nowMS: nowMS)
            // Failed changes whose next attempt has come rejoin the claim order.
            try db.executeCached(
                sql: """
                    UPDATE pending INDEXED BY pending_backoff SET in_backoff = 0
                    WHERE target_id = ? AND in_backoff = 1 AND next_attempt <= ?
                    """, arguments: [targetID, nowMS])
            var changes: [PendingChange] = []
            var walked: [ClaimRange] = []
            var lower = ClaimPosition.beforeAll
            for live in try Self.liveRanges(db, targetID: targetID) + [nil] {
                let upper = live?.first ?? .afterAll
                if lower < upper {
                    let found = try Self.claimable(
                        db, targetID: targetID, after: lower, before: upper, nowMS: nowMS, limit: limit - changes.count)
                    if let first = found.first, let last = found.last {
                        walked.append(ClaimRange(first: ClaimPosition(first.change), last: ClaimPosition(last.change)))
                        changes += found
                    }
                }
                if changes.count >= limit { break }
                if let live, lower < live.last { lower = live.last }
            }
            guard !changes.isEmpty else { return nil }
            try db.executeCached(
                sql: "INSERT INTO batches (target_id, owner, lease_until, created_at, members) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    targetID, owner, StoreTime.milliseconds(leaseUntil), nowMS,
                    BatchMembers.encode(changes.map(\.change)),
                ])
            let batchID = db.lastInsertedRowID
            for range in walked { try Self.insertRange(db, range, batch: batchID, target: targetID) }
            return ClaimedBatch(id: String(batchID), target: target, changes: changes, leaseUntil: leaseUntil)
        }
    }

    /// Up to `limit` due changes of `target` strictly between `lower` and `upper` in claim order.
    /// INDEXED BY: without statistics the planner may pick another index and sort every due
    /// change; walking `pending_ready` from `lower` stops after `limit` rows.
    private static func claimable(
        _ db: Database, targetID: Int64, after lower: ClaimPosition, before upper: ClaimPosition, nowMS: Int64,
        limit: Int
    ) throws -> [PendingChange] {
        try fetchChanges(
            db,
            sql: """
                SELECT row_id, change_type, snapshot, attempts, last_error FROM pending INDEXED BY pending_ready
                WHERE target_id = ? AND in_backoff = 0 AND superseded_by IS NULL
                AND (snapshot, row_id, change_type) > (?, ?, ?) AND (snapshot, row_id, change_type) < (?, ?, ?)
                AND next_attempt <= ?
                ORDER BY snapshot, row_id, change_type LIMIT ?
                """,
            arguments: StatementArguments(
                [targetID] + lower.values + upper.values + [nowMS, Int64(limit)]))
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
                        SELECT id, job, members FROM batches
                        WHERE target_id = ? AND (lease_until <= ? OR (? AND owner <> ?))
                        ORDER BY id
                        """), arguments: [targetID, nowMS, others, owner])
            var recovered: [ClaimedBatch] = []
            for row in taken {
                let batchID: Int64 = row[0]
                guard let job: String = row[1] else {
                    try Self.forgetBatch(db, id: batchID)
                    continue
                }
                try db.executeCached(
                    sql: "UPDATE batches SET owner = ?, lease_until = ? WHERE id = ?",
                    arguments: [owner, leaseMS, batchID])
                recovered.append(
                    ClaimedBatch(
                        id: String(batchID), target: target,
                        changes: try Self.pendingChanges(db, targetID: targetID, members: Self.members(row[2])),
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

    /// Gives `batch` back without counting an attempt; a batch no longer claimed is ignored.
    public func release(batch: BatchID) throws {
        guard let batchID = Int64(batch) else { return }
        try queue.write { db in try Self.forgetBatch(db, id: batchID) }
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
