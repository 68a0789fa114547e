import Foundation
import GRDB
import OndatraSync
import Testing

private typealias F = StoreFixture

/// A store file an older version wrote is brought up to date when it is opened, without losing a
/// change or putting one in two batches. The old files are built here by hand, as those versions
/// laid them out, so the tests do not depend on the store's own migrations to make them.
@Suite struct SQLiteDeliveryStoreMigrationTests {
    let dir: StoreFixture.Directory

    init() throws {
        dir = try F.Directory()
    }

    /// `seconds` after ``StoreFixture/t0`` in the store's milliseconds.
    private static func ms(_ seconds: Int64) -> Int64 { 1_700_000_000_000 + seconds * 1_000 }

    /// Writes an empty store file as `version` (2 or 3) laid it out, with target 1, `main.orders`.
    private func writeOldStore(version: Int, _ fill: (Database) throws -> Void) throws {
        try FileManager.default.createDirectory(
            at: dir.storePath.deletingLastPathComponent(), withIntermediateDirectories: true)
        let file = try DatabaseQueue(path: dir.storePath.path)
        try file.write { db in
            for statement in OldSchema.tables { try db.execute(sql: statement) }
            try db.execute(sql: version >= 3 ? OldSchema.backoffIndexV3 : OldSchema.scheduleIndexV1)
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for identifier in (1...version).map({ "v\($0)" }) {
                try db.execute(sql: "INSERT INTO grdb_migrations VALUES (?)", arguments: [identifier])
            }
            try db.execute(sql: "INSERT INTO targets (id, name, watermark) VALUES (1, 'main.orders', 9)")
            try fill(db)
        }
        try file.close()
    }

    /// Queues row `rowid`'s insert as the old schema held it.
    private static func queue(
        _ db: Database, _ rowid: Int64, snapshot: Int64 = 1, batch: Int64? = nil, superseded: Bool = false,
        attempts: Int = 0, backoffUntil: Int64? = nil
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO pending (target_id, row_id, change_type, snapshot, attempts, next_attempt, in_backoff,
                    last_error, last_failed_at, queued_at, batch_id, superseded)
                VALUES (1, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                rowid, snapshot, attempts, backoffUntil ?? ms(0), backoffUntil == nil ? 0 : 1,
                attempts > 0 ? "error: old" : nil, attempts > 0 ? ms(0) : nil, ms(-rowid), batch, superseded,
            ])
    }

    private static func batch(_ db: Database, _ id: Int64, owner: String, job: String? = nil) throws {
        try db.execute(
            sql: "INSERT INTO batches (id, target_id, owner, lease_until, job, created_at) VALUES (?, 1, ?, ?, ?, ?)",
            arguments: [id, owner, ms(3_600), job, ms(0)])
    }

    private func indexes() throws -> [String] {
        try DatabaseQueue(path: dir.storePath.path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
        }
    }

    @Test func aVersion2StoreIsMigratedWithItsQueueIntact() throws {
        // Queued, in-flight and backed-off changes, the version 1 index.
        try writeOldStore(version: 2) { db in
            try Self.batch(db, 1, owner: "run-a")
            try Self.queue(db, 1, attempts: 1, backoffUntil: Self.ms(30))
            try Self.queue(db, 3, batch: 1)
            try Self.queue(db, 4)
        }
        let migrated = try SQLiteDeliveryStore.open(dir)
        let indexes = try indexes()
        #expect(indexes.contains("pending_backoff") && !indexes.contains("pending_schedule"))
        #expect(try migrated.nextDue(target: "main.orders", after: F.t0) == F.at(30))
        #expect(try migrated.status().inFlight == 1)
        let rest = try #require(try migrated.take(now: F.at(1)))
        #expect(rest.changes.map(\.key) == [F.change(4).key])
        try migrated.release(batch: rest.id)
        try migrated.release(batch: "1")
        let retried = try #require(try migrated.take(now: F.at(30)))
        #expect(retried.changes.map(\.key) == [1, 3, 4].map { F.change($0).key })
        #expect(retried.changes.first?.attempts == 1 && retried.changes.first?.lastError == "error: old")
    }

    /// Version 3 marked each claimed change with its batch. Two batches that interleave in the
    /// claim order, a superseded member, a member that failed before, a change in backoff between
    /// members, a batch holding a job: every change is still in exactly one place afterwards.
    @Test func aVersion3StoreKeepsItsBatchesInFlight() throws {
        try writeOldStore(version: 3) { db in
            try Self.batch(db, 1, owner: "run-a")
            try Self.batch(db, 2, owner: "run-a", job: #"{"id":"j"}"#)
            try Self.queue(db, 1)
            try Self.queue(db, 2, batch: 1)
            try Self.queue(db, 3, batch: 2)
            try Self.queue(db, 4, batch: 1, attempts: 1)
            try Self.queue(db, 5)
            try Self.queue(db, 6, snapshot: 2, batch: 1, superseded: true)
            try Self.queue(db, 7, attempts: 2, backoffUntil: Self.ms(30))
            try Self.queue(db, 8, batch: 2)
            try db.execute(
                sql: """
                    INSERT INTO dead_letters (target_id, row_id, change_type, snapshot, attempts, error, failed_at)
                    VALUES (1, 9, 3, 1, 1, 'reject: no', ?)
                    """, arguments: [Self.ms(0)])
        }
        let store = try SQLiteDeliveryStore.open(dir)
        #expect(!(try indexes()).contains("pending_batch"))
        let columns = try DatabaseQueue(path: dir.storePath.path).read { db in
            try db.columns(in: "pending").map(\.name)
        }
        #expect(!columns.contains("batch_id") && columns.contains("superseded_by"))
        var status = try store.status()
        // Rows 1, 5 and 7 wait; 2, 4, 6 (batch 1) and 3, 8 (batch 2) are out; row 7 fails.
        #expect(status.pending == 3 && status.inFlight == 5 && status.failing == 1)
        #expect(status.dead == 1 && status.openJobs == 1 && status.oldestPending == F.at(-7))

        // Neither batch's members nor the held change are claimed.
        let first = try #require(try store.take(10, owner: "run-b", now: F.at(1)))
        #expect(first.changes.map(\.change) == [F.change(1), F.change(5)])
        // Batch 1 settles: row 2 delivered, row 4 retried, row 6 (superseded) stays for its later change.
        try store.complete(
            batch: "1",
            outcomes: [
                F.change(2).key: .delivered(warning: nil),
                F.change(4).key: .retry(at: F.at(40), attempts: 2, error: "error: again"),
                F.change(6).key: .dead(error: "reject: old", attempts: 1, payload: nil),
            ], log: F.logEntry("1", rows: 3, delivered: 1))
        let held = try #require(try store.take(10, owner: "run-b", now: F.at(2)))
        #expect(held.changes.map(\.change) == [F.change(6, .insert, 2)])
        #expect(try store.status().dead == 1)

        // A new run takes everything back; the job batch comes back to be polled.
        let recovered = try store.recover(
            target: "main.orders", owner: "run-c", takeOver: .allOtherOwners, now: F.at(3), leaseUntil: F.at(63))
        #expect(recovered.map(\.id) == ["2"])
        #expect(recovered.first?.changes.map(\.change) == [F.change(3), F.change(8)])
        #expect(recovered.first?.job == #"{"id":"j"}"#)
        status = try store.status()
        #expect(status.pending == 5 && status.inFlight == 2)
        let again = try #require(try store.take(10, owner: "run-c", now: F.at(40)))
        #expect(again.changes.map(\.key) == [1, 4, 5, 7].map { F.change($0).key } + [F.change(6).key])
        try store.complete(
            batch: "2",
            outcomes: [F.change(3).key: .delivered(warning: nil), F.change(8).key: .delivered(warning: nil)],
            log: F.logEntry("2", rows: 2, delivered: 2))
        try store.complete(
            batch: again.id,
            outcomes: Dictionary(uniqueKeysWithValues: again.changes.map { ($0.key, .delivered(warning: nil)) }),
            log: F.logEntry(again.id, rows: 5, delivered: 5))
        status = try store.status()
        #expect(status.pending == 0 && status.inFlight == 0 && status.dead == 1)
        #expect(try store.take(now: F.at(100)) == nil)
    }

    @Test func aVersion3BatchWhoseOnlyMemberWasSupersededHoldsIt() throws {
        try writeOldStore(version: 3) { db in
            try Self.batch(db, 1, owner: "run-a")
            try Self.queue(db, 5, snapshot: 2, batch: 1, superseded: true)
            try Self.queue(db, 1)
        }
        let store = try SQLiteDeliveryStore.open(dir)
        let status = try store.status()
        #expect(status.inFlight == 1 && status.pending == 1 && status.oldestPending == F.at(-1))
        #expect(try store.take(now: F.at(1))?.changes.map(\.change) == [F.change(1)])
        try store.complete(
            batch: "1", outcomes: [F.change(5).key: .delivered(warning: nil)], log: F.logEntry("1", delivered: 1))
        #expect(try store.take(now: F.at(2))?.changes.map(\.change) == [F.change(5, .insert, 2)])
    }

    @Test func aVersion3BatchThatInterleavesWithAnotherKeepsItsStretchesApart() throws {
        // Batch 1 holds rows 1 and 3, batch 2 row 2: one stretch each per run of members.
        try writeOldStore(version: 3) { db in
            try Self.batch(db, 1, owner: "run-a")
            try Self.batch(db, 2, owner: "run-a")
            try Self.queue(db, 1, batch: 1)
            try Self.queue(db, 2, batch: 2)
            try Self.queue(db, 3, batch: 1)
        }
        _ = try SQLiteDeliveryStore.open(dir)
        let ranges = try DatabaseQueue(path: dir.storePath.path).read { db in
            try Row.fetchAll(
                db, sql: "SELECT batch_id, first_row_id, last_row_id FROM batch_ranges ORDER BY first_row_id"
            ).map { [$0[0], $0[1], $0[2]] as [Int64] }
        }
        #expect(ranges == [[1, 1, 1], [2, 2, 2], [1, 3, 3]])
    }
}

/// The tables of versions 1 to 3 (version 2 added `targets.source`, version 3 replaced
/// `pending_schedule` with `pending_backoff`), as those versions created them.
private enum OldSchema {
    static let tables = [
        """
        CREATE TABLE targets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, watermark INTEGER,
            log_entries INTEGER NOT NULL DEFAULT 0, source TEXT)
        """,
        """
        CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, target_id INTEGER NOT NULL REFERENCES targets(id),
            owner TEXT NOT NULL, lease_until INTEGER NOT NULL, job TEXT, created_at INTEGER NOT NULL)
        """,
        "CREATE INDEX batches_by_target ON batches(target_id, lease_until)",
        """
        CREATE TABLE pending (target_id INTEGER NOT NULL REFERENCES targets(id), row_id INTEGER NOT NULL,
            change_type INTEGER NOT NULL, snapshot INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL, in_backoff INTEGER NOT NULL DEFAULT 0, last_error TEXT,
            last_failed_at INTEGER, queued_at INTEGER NOT NULL, batch_id INTEGER REFERENCES batches(id),
            superseded INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (target_id, row_id, change_type)) WITHOUT ROWID
        """,
        """
        CREATE INDEX pending_ready ON pending(target_id, snapshot, row_id, change_type, next_attempt)
        WHERE batch_id IS NULL AND in_backoff = 0
        """,
        "CREATE INDEX pending_batch ON pending(batch_id) WHERE batch_id IS NOT NULL",
        "CREATE INDEX pending_failing ON pending(target_id, last_failed_at) WHERE attempts > 0",
        """
        CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL REFERENCES targets(id),
            row_id INTEGER NOT NULL, change_type INTEGER NOT NULL, snapshot INTEGER NOT NULL,
            attempts INTEGER NOT NULL, error TEXT NOT NULL, payload TEXT, failed_at INTEGER NOT NULL)
        """,
        "CREATE INDEX dead_letters_by_target ON dead_letters(target_id)",
        """
        CREATE TABLE batch_log (id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL REFERENCES targets(id),
            batch TEXT NOT NULL, started INTEGER NOT NULL, duration_ms INTEGER NOT NULL, rows INTEGER NOT NULL,
            delivered INTEGER NOT NULL, retried INTEGER NOT NULL, dead INTEGER NOT NULL, error TEXT)
        """,
        "CREATE INDEX batch_log_by_target ON batch_log(target_id)",
    ]

    static let scheduleIndexV1 = """
        CREATE INDEX pending_schedule ON pending(target_id, in_backoff, next_attempt) WHERE batch_id IS NULL
        """

    static let backoffIndexV3 = """
        CREATE INDEX pending_backoff ON pending(target_id, next_attempt) WHERE batch_id IS NULL AND in_backoff = 1
        """
}
