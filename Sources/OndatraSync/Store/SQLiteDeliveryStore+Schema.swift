import Foundation
import GRDB

extension SQLiteDeliveryStore {
    /// The store's schema, one migration per version. A later version adds a migration and never
    /// edits a registered one, so a store file written by an older binary is brought up to date
    /// when it is opened.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for statement in schemaV1 { try db.execute(sql: statement) }
        }
        // Version 2: what the watermark's snapshots belong to (see ``DeliveryStore/source(of:)``).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE targets ADD COLUMN source TEXT")
        }
        // Version 3: only changes waiting in backoff are indexed by next attempt. Version 1 indexed
        // every queued change, so each enqueue and claim paid one more B-tree write per change (a
        // quarter of a claim's time) for an index only backoff and `nextDue` read.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "DROP INDEX pending_schedule")
            try db.execute(sql: pendingBackoffIndex)
        }
        // Version 4: a batch records its members (a BLOB in its row) and the stretches of the claim
        // order it walked (`batch_ranges`) instead of marking each claimed change, so claiming and
        // settling write a few pages instead of three index entries per change.
        migrator.registerMigration("v4") { db in try migrateToVersion4(db) }
        return migrator
    }

    /// Version 3's index of the changes waiting in backoff (version 4 rebuilds it without
    /// `batch_id`: ``SchemaV4/pendingIndexes``).
    static let pendingBackoffIndex = """
        CREATE INDEX pending_backoff ON pending(target_id, next_attempt) WHERE batch_id IS NULL AND in_backoff = 1
        """

    /// Version 1. Times are INTEGER milliseconds since 1970; change types are the small integers of
    /// ``ChangeType/storeCode`` (their order is the order of a row's changes within a snapshot, so
    /// sorting by the code sorts claims the way ``ClaimedBatch`` promises).
    static let schemaV1 = [
        // One row per sink target; the other tables refer to it by `id` to keep their rows and
        // indexes small. `log_entries` counts the target's batch-log rows, so pruning the log costs
        // one index seek rather than a count.
        """
        CREATE TABLE targets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            watermark INTEGER,
            log_entries INTEGER NOT NULL DEFAULT 0
        )
        """,
        // Claimed batches. AUTOINCREMENT so an id is never reused: a late `complete` of a batch that
        // was taken back can never settle a newer batch.
        """
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            target_id INTEGER NOT NULL REFERENCES targets(id),
            owner TEXT NOT NULL,
            lease_until INTEGER NOT NULL,
            job TEXT,
            created_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX batches_by_target ON batches(target_id, lease_until)",
        // The queue, clustered on its key (WITHOUT ROWID: one B-tree for rows and key, not two).
        // `in_backoff` is 1 while a failed change waits for its next attempt; `claim` clears it once
        // the time has come. It keeps waiting changes out of `pending_ready`, so a claim never scans
        // past thousands of changes that are not due yet. `superseded` marks a change of an in-flight
        // batch that was enqueued again with a later snapshot: settling the batch then releases it
        // instead of removing it, so the later change is pushed too.
        """
        CREATE TABLE pending (
            target_id INTEGER NOT NULL REFERENCES targets(id),
            row_id INTEGER NOT NULL,
            change_type INTEGER NOT NULL,
            snapshot INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL,
            in_backoff INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_failed_at INTEGER,
            queued_at INTEGER NOT NULL,
            batch_id INTEGER REFERENCES batches(id),
            superseded INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (target_id, row_id, change_type)
        ) WITHOUT ROWID
        """,
        // Claim order of the changes that may be claimed; `next_attempt` is there so the due check
        // needs no table lookup.
        """
        CREATE INDEX pending_ready ON pending(target_id, snapshot, row_id, change_type, next_attempt)
        WHERE batch_id IS NULL AND in_backoff = 0
        """,
        // Changes in no batch by next attempt (replaced by ``pendingBackoffIndex`` in version 3).
        """
        CREATE INDEX pending_schedule ON pending(target_id, in_backoff, next_attempt)
        WHERE batch_id IS NULL
        """,
        // The changes of each claimed batch (also serves the foreign key's checks).
        "CREATE INDEX pending_batch ON pending(batch_id) WHERE batch_id IS NOT NULL",
        // Changes that failed at least once: `status`'s failing count and last errors.
        "CREATE INDEX pending_failing ON pending(target_id, last_failed_at) WHERE attempts > 0",
        """
        CREATE TABLE dead_letters (
            id INTEGER PRIMARY KEY,
            target_id INTEGER NOT NULL REFERENCES targets(id),
            row_id INTEGER NOT NULL,
            change_type INTEGER NOT NULL,
            snapshot INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            error TEXT NOT NULL,
            payload TEXT,
            failed_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX dead_letters_by_target ON dead_letters(target_id)",
        """
        CREATE TABLE batch_log (
            id INTEGER PRIMARY KEY,
            target_id INTEGER NOT NULL REFERENCES targets(id),
            batch TEXT NOT NULL,
            started INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            rows INTEGER NOT NULL,
            delivered INTEGER NOT NULL,
            retried INTEGER NOT NULL,
            dead INTEGER NOT NULL,
            error TEXT
        )
        """,
        "CREATE INDEX batch_log_by_target ON batch_log(target_id)",
    ]
}

// MARK: - Reading and writing rows

extension SQLiteDeliveryStore {
    /// The id of target `name`, nil when it has no state yet.
    static func targetID(_ db: Database, name: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM targets WHERE name = ?"), arguments: [name])
    }

    /// The id of target `name`, created (with no watermark) when it has none.
    static func ensureTarget(_ db: Database, name: String) throws -> Int64 {
        if let id = try targetID(db, name: name) { return id }
        try db.executeCached(sql: "INSERT INTO targets (name) VALUES (?)", arguments: [name])
        return db.lastInsertedRowID
    }

    /// Runs `sql`, which selects `row_id, change_type, snapshot, attempts, last_error`.
    static func fetchChanges(_ db: Database, sql: String, arguments: StatementArguments) throws -> [PendingChange] {
        var changes: [PendingChange] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let code: Int64 = row[1]
            guard let type = ChangeType(storeCode: code) else {
                throw SQLiteDeliveryStoreError.unreadableRow("change type code \(code)")
            }
            changes.append(
                PendingChange(
                    change: Change(key: ChangeKey(rowid: row[0], type: type), snapshot: row[2]),
                    attempts: row[3], lastError: row[4]))
        }
        return changes
    }
}

extension ChangeType {
    /// The code stored for the change type. Codes follow the order a row's changes happen in
    /// within a snapshot, so ordering by the code orders claims as ``ChangeKey`` sorts.
    var storeCode: Int64 { Int64(order) }

    /// The change type stored as `code`; nil for an unknown code.
    init?(storeCode code: Int64) {
        guard let type = ChangeType.allCases.first(where: { Int64($0.order) == code }) else { return nil }
        self = type
    }
}

/// Times as the store keeps them: INTEGER milliseconds since 1970, which compare and index
/// exactly (a REAL would round differently on the way in and out).
enum StoreTime {
    /// `date` in milliseconds since 1970, rounded to the nearest and clamped to what an Int64 holds.
    static func milliseconds(_ date: Date) -> Int64 {
        clamped((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// `duration` in milliseconds, rounded to the nearest and clamped to what an Int64 holds.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return clamped(Double(seconds) * 1000 + (Double(attoseconds) / 1e15).rounded())
    }

    /// The date `milliseconds` after 1970.
    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    private static func clamped(_ value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        // 2^63 is exactly representable; anything at or beyond it does not fit.
        if value >= 9_223_372_036_854_775_808.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(value)
    }
}

extension Database {
    /// Executes `sql` through the connection's statement cache: the store runs the same few
    /// statements over and over, and preparing one costs about as much as running it.
    func executeCached(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
