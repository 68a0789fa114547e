import Foundation
import GRDB

/// Schema version 4: a batch records its own members instead of marking the changes it claimed.
///
/// Up to version 3 a claim set `pending.batch_id` on every claimed change: per change, a rewrite of
/// its row, an entry out of `pending_ready`, an entry into `pending_batch` and a foreign-key check;
/// settling deleted the row and its `pending_batch` entry again. Version 4 leaves claimed changes
/// where they are. The batch keeps its members (key and claimed snapshot) in a BLOB of its
/// `batches` row (``BatchMembers``) and the stretches of the claim order it walked in
/// `batch_ranges`; a claim skips those stretches. A change enqueued again with a later snapshot
/// while its batch is out moves in the claim order, so it is held (`superseded_by`) until that
/// batch is settled, released or taken back.
enum SchemaV4 {
    /// The queue without `batch_id`: claimed changes are not marked. `superseded_by` holds the
    /// live batch whose stretch the change was in when it was enqueued again with a later snapshot;
    /// the change is not claimed until that batch is gone.
    static func pendingTable(named name: String) -> String {
        """
        CREATE TABLE \(name) (
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
            superseded_by INTEGER,
            PRIMARY KEY (target_id, row_id, change_type)
        ) WITHOUT ROWID
        """
    }

    /// The queue's indexes, each partial so it holds only the rows its queries want.
    static let pendingIndexes = [
        // The claim order of the changes that may be claimed (claimed ones included: a claim skips
        // the live batches' stretches); `next_attempt` so the due check needs no table lookup.
        """
        CREATE INDEX pending_ready ON pending(target_id, snapshot, row_id, change_type, next_attempt)
        WHERE in_backoff = 0 AND superseded_by IS NULL
        """,
        // Changes waiting for a retry, by next attempt.
        "CREATE INDEX pending_backoff ON pending(target_id, next_attempt) WHERE in_backoff = 1",
        // Changes held for a batch: freed when it is gone.
        "CREATE INDEX pending_superseded ON pending(superseded_by) WHERE superseded_by IS NOT NULL",
        // Changes that failed at least once: `status`'s failing count and last errors.
        "CREATE INDEX pending_failing ON pending(target_id, last_failed_at) WHERE attempts > 0",
    ]

    /// The stretches of the claim order each live batch walked, from its first member to its last
    /// in each stretch. Stretches never overlap: a claim walks only between live ones. Keyed by the
    /// target and the first position, so a claim reads its target's stretches in order.
    static let rangesTable = """
        CREATE TABLE batch_ranges (
            target_id INTEGER NOT NULL,
            first_snapshot INTEGER NOT NULL,
            first_row_id INTEGER NOT NULL,
            first_change_type INTEGER NOT NULL,
            last_snapshot INTEGER NOT NULL,
            last_row_id INTEGER NOT NULL,
            last_change_type INTEGER NOT NULL,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            PRIMARY KEY (target_id, first_snapshot, first_row_id, first_change_type)
        ) WITHOUT ROWID
        """
}

extension SQLiteDeliveryStore {
    /// Brings a version 3 store to version 4 in the migration's transaction: rebuilds `pending`
    /// without `batch_id` (a change marked superseded keeps its batch in `superseded_by`), writes
    /// each in-flight batch's members into its row and its stretches into `batch_ranges`. An
    /// in-flight batch stays in flight with the same changes, so none is lost or pushed twice.
    static func migrateToVersion4(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE batches ADD COLUMN members BLOB")
        try db.execute(sql: SchemaV4.rangesTable)
        try db.execute(sql: SchemaV4.pendingTable(named: "pending_v4"))
        // A claimed change is never in backoff; clearing the flag anyway keeps every member in the
        // claim order, where its batch's stretch covers it.
        try db.execute(
            sql: """
                INSERT INTO pending_v4 (target_id, row_id, change_type, snapshot, attempts, next_attempt, in_backoff,
                    last_error, last_failed_at, queued_at, superseded_by)
                SELECT target_id, row_id, change_type, snapshot, attempts, next_attempt,
                    CASE WHEN batch_id IS NULL THEN in_backoff ELSE 0 END, last_error, last_failed_at, queued_at,
                    CASE WHEN superseded = 1 AND batch_id IS NOT NULL THEN batch_id END
                FROM pending
                """)
        // Each batch's members as version 3 marked them. A superseded member is recorded with the
        // later snapshot it now has; it is held for its batch, and settling skips a held change.
        var inPlace: [(batch: Int64, target: Int64, members: [Change])] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, target_id FROM batches ORDER BY id") {
            let batchID: Int64 = row[0]
            let members = try Row.fetchAll(
                db,
                sql: """
                    SELECT row_id, change_type, snapshot, superseded FROM pending
                    WHERE batch_id = ? ORDER BY snapshot, row_id, change_type
                    """, arguments: [batchID])
            var all: [Change] = []
            var unheld: [Change] = []
            for member in members {
                let code: Int64 = member[1]
                guard let type = ChangeType(storeCode: code) else {
                    throw SQLiteDeliveryStoreError.unreadableRow("change type code \(code)")
                }
                let change = Change(key: ChangeKey(rowid: member[0], type: type), snapshot: member[2])
                all.append(change)
                if member[3] as Int64 == 0 { unheld.append(change) }
            }
            try db.execute(
                sql: "UPDATE batches SET members = ? WHERE id = ?", arguments: [BatchMembers.encode(all), batchID])
            inPlace.append((batchID, row[1], unheld))
        }
        try db.execute(sql: "DROP TABLE pending")
        try db.execute(sql: "ALTER TABLE pending_v4 RENAME TO pending")
        for statement in SchemaV4.pendingIndexes { try db.execute(sql: statement) }
        for batch in inPlace {
            for range in try migratedRanges(db, target: batch.target, members: batch.members) {
                try insertRange(db, range, batch: batch.batch, target: batch.target)
            }
        }
    }

    /// The stretches that cover a version 3 batch's members and nothing else that may be claimed:
    /// runs of members with no other change between them in the claim order. Runs of different
    /// batches therefore never overlap (version 3 batches could interleave).
    private static func migratedRanges(_ db: Database, target: Int64, members: [Change]) throws -> [ClaimRange] {
        guard let first = members.first, let last = members.last else { return [] }
        let keys = Set(members.map(\.key))
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT row_id, change_type, snapshot FROM pending INDEXED BY pending_ready
                WHERE target_id = ? AND in_backoff = 0 AND superseded_by IS NULL
                AND (snapshot, row_id, change_type) >= (?, ?, ?) AND (snapshot, row_id, change_type) <= (?, ?, ?)
                ORDER BY snapshot, row_id, change_type
                """,
            arguments: StatementArguments([target] + ClaimPosition(first).values + ClaimPosition(last).values))
        var ranges: [ClaimRange] = []
        var run: (first: ClaimPosition, last: ClaimPosition)?
        while let row = try rows.next() {
            let code: Int64 = row[1]
            let position = ClaimPosition(snapshot: row[2], rowid: row[0], code: code)
            if let type = ChangeType(storeCode: code), keys.contains(ChangeKey(rowid: row[0], type: type)) {
                run = (run?.first ?? position, position)
            } else if let open = run {
                ranges.append(ClaimRange(first: open.first, last: open.last))
                run = nil
            }
        }
        if let open = run { ranges.append(ClaimRange(first: open.first, last: open.last)) }
        return ranges
    }
}
