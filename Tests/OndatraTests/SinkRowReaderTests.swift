import DuckDB
import Foundation
import OndatraSync
import OndatraTesting
import Testing

@testable import Ondatra

/// The sink row reader reads a row id range once for the batches that follow; what it returns
/// must not depend on how far it reads ahead.
@Suite struct SinkRowReaderTests {
    let sandbox: TemporaryProject
    let session: Session
    let target = Target(schema: "raw", table: "t")
    /// Every change the table went through, in the order a drain claims them.
    let changes: [Change]
    /// The snapshot that deleted row 7.
    let deleted: Int64

    /// A 40-row table, then: two rows updated, one deleted, a column added, one more row updated.
    init() throws {
        sandbox = try TemporaryProject()
        session = try Session(project: sandbox.project, environment: [:])
        _ = try session.execute(
            "CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT i AS id, 'v' || i AS val FROM range(40) t(i)")
        let created = try session.currentSnapshot()
        _ = try session.execute("UPDATE raw.t SET val = 'w' || id WHERE id IN (3, 25)")
        _ = try session.execute("DELETE FROM raw.t WHERE id = 7")
        deleted = try session.currentSnapshot()
        _ = try session.execute("ALTER TABLE raw.t ADD COLUMN extra INTEGER")
        _ = try session.execute("UPDATE raw.t SET extra = 1, val = 'x' || id WHERE id = 30")
        var changes: [Change] = []
        for row in try session.connection.rows(
            "SELECT snapshot_id, rowid, change_type::VARCHAR FROM ducklake_table_changes('lake', 'raw', 't', \(created + 1), \(try session.currentSnapshot()))"
        ) {
            guard let snapshot = row[0].int64, let rowid = row[1].int64,
                let type = row[2].string.flatMap(ChangeType.init(rawValue:))
            else { continue }
            changes.append(Change(key: ChangeKey(rowid: rowid, type: type), snapshot: snapshot))
        }
        // The first sync's backfill: every row as an insert of the table's creation.
        for rowid in Int64(0)..<40 {
            changes.append(Change(key: ChangeKey(rowid: rowid, type: .insert), snapshot: created))
        }
        self.changes = changes.sorted { ($0.snapshot, $0.key) < ($1.snapshot, $1.key) }
    }

    /// The changes in batches of `size`, in claim order.
    private func batches(of size: Int) -> [ClaimedBatch] {
        stride(from: 0, to: changes.count, by: size).map { start in
            ClaimedBatch(
                id: String(start), target: "raw.t",
                changes: changes[start..<min(start + size, changes.count)].map { PendingChange(change: $0) },
                leaseUntil: Date())
        }
    }

    /// Every batch read with `reader`: `rowid:change_type` → the row as `column=value|…` (nulls left
    /// out: a batch has the columns of the versions it reads), or `absent`.
    private func readAll(_ reader: SinkRowReader, size: Int) throws -> [String: String] {
        var read: [String: String] = [:]
        for batch in batches(of: size) {
            let rows = try reader.read(batch)
            for (key, values) in rows.rows {
                read[key.description] = zip(rows.columns, values).filter { $0.1 != .null }.map { "\($0.0)=\($0.1)" }
                    .joined(separator: "|")
            }
            for key in rows.absent { read[key.description] = "absent" }
        }
        return read
    }

    @Test func readingAheadReturnsWhatReadingEachBatchByIdReturns() throws {
        // readAhead 1: every batch of more than one row id is read by its ids.
        let exact = try readAll(SinkRowReader(session: session, target: target, readAhead: 1), size: 5)
        #expect(exact.count == changes.count)
        for readAhead: Int64 in [4, 16, 100, SinkRowReader.defaultReadAhead] {
            for size in [1, 5, 13, 64] {
                let reader = SinkRowReader(session: session, target: target, readAhead: readAhead)
                #expect(try readAll(reader, size: size) == exact, "readAhead \(readAhead), batches of \(size)")
            }
        }
        // What each change reads: inserts and post-images the current row, the rest the row before.
        #expect(exact["3:insert"]?.hasPrefix("id=3|val=w3|__ondatra_rowid=3|__ondatra_change_type=insert|") == true)
        #expect(exact["3:update_preimage"]?.hasPrefix("id=3|val=v3|__ondatra_rowid=3|") == true)
        #expect(exact["30:update_postimage"]?.hasPrefix("id=30|val=x30|extra=1|__ondatra_rowid=30|") == true)
        #expect(exact["7:insert"] == "absent")
        #expect(
            exact["7:delete"]
                == "id=7|val=v7|__ondatra_rowid=7|__ondatra_change_type=delete|__ondatra_snapshot=\(deleted)")
    }

    @Test func aRangeIsReadOnceForTheBatchesInIt() throws {
        // The 40 backfill inserts in batches of 5: ranges of 16 row ids take 3 queries instead of 8.
        let inserts = changes.filter { $0.key.type == .insert }
        let batches = stride(from: 0, to: inserts.count, by: 5).map { start in
            ClaimedBatch(
                id: String(start), target: "raw.t",
                changes: inserts[start..<start + 5].map { PendingChange(change: $0) },
                leaseUntil: Date())
        }
        let ahead = SinkRowReader(session: session, target: target, readAhead: 16)
        let exact = SinkRowReader(session: session, target: target, readAhead: 1)
        for batch in batches {
            let (fast, slow) = (try ahead.read(batch), try exact.read(batch))
            #expect(fast.rows.map(\.key) == slow.rows.map(\.key) && fast.absent == slow.absent)
        }
        #expect(ahead.queries == 3)
        #expect(exact.queries == 8)
        // A batch spread wider than the read-ahead is read by its ids, and keeps no range.
        let wide = ClaimedBatch(
            id: "wide", target: "raw.t", changes: [inserts[0], inserts[39]].map { PendingChange(change: $0) },
            leaseUntil: Date())
        #expect(try ahead.read(wide).rows.map(\.key.rowid) == [0, 39])
        #expect(ahead.queries == 4)
    }
}
