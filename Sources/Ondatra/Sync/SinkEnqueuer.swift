import DuckDB
import Foundation
import OndatraSync

/// Puts a sink target's changes since its watermark into the delivery store (step 2 of
/// docs/sync.md): `ducklake_table_changes(watermark + 1, snapshot)` streamed into the store in
/// the same store transaction that moves the watermark to `snapshot`.
///
/// A backfill (no watermark yet, the run rebuilt the table, the table was created again since, or
/// the watermark's snapshot was expired) queues the table's current rows as inserts and supersedes
/// what was pending.
struct SinkEnqueuer {
    /// What one enqueue did.
    struct Outcome: Sendable, Equatable {
        /// Changes queued.
        var queued = 0
        /// Whether the queue was replaced by the table's current rows.
        var backfill = false
        /// Something the user should know (an expired watermark snapshot).
        var warning: String?
    }

    let session: Session
    let store: any DeliveryStore
    let target: Target
    /// The key the store keeps the target's state under.
    let key: String
    let now: Date

    /// Queues the changes up to `snapshot` (read once by the caller: the one the watermark moves to).
    /// - Parameter rebuilt: this run rebuilt the table (a backfill run): its current rows
    ///   supersede whatever was pending.
    func enqueue(through snapshot: Int64, rebuilt: Bool = false) throws -> Outcome {
        guard try tableExists(at: snapshot) else { return Outcome() }
        var watermark = try store.watermark(of: key)
        let source = try tableSource(through: snapshot)
        let recorded = try store.source(of: key)
        var outcome = Outcome()
        let sourceMoved = recorded != nil && source != nil && recorded != source
        // A table this catalog created anew since the watermark explains a new source (backfilled
        // below without a warning); anything else means the watermark is not this catalog's.
        let foreign: Bool
        if let known = watermark {
            foreign = try known > snapshot || (sourceMoved && !recreated(after: known, through: snapshot))
        } else {
            foreign = false
        }
        if let known = watermark, foreign {
            // The catalog was replaced or restored behind the store's back.
            outcome.backfill = true
            outcome.warning =
                "the sync watermark (snapshot \(known)) does not belong to this catalog's \(target) (was the catalog replaced or restored?), so every current row is queued again as an insert (a backfill)"
            watermark = nil
        } else if let known = watermark, known == snapshot {
            return Outcome()
        }
        if outcome.backfill {
            // Decided above.
        } else if rebuilt {
            outcome.backfill = true
        } else if let watermark {
            if try oldestSnapshot() > watermark {
                outcome.backfill = true
                outcome.warning =
                    "the sync watermark's snapshot \(watermark) was expired, so every current row is queued again as an insert (a backfill)"
            } else if try recreated(after: watermark, through: snapshot) {
                outcome.backfill = true
            }
        } else {
            outcome.backfill = true
        }
        let table = SQLLiteral.qualified([session.catalog, target.schema, target.table])
        let sql =
            outcome.backfill
            ? "SELECT \(snapshot)::BIGINT, rowid, 'insert' FROM \(table) AT (VERSION => \(snapshot))"
            : """
            SELECT snapshot_id, rowid, change_type::VARCHAR FROM ducklake_table_changes(\
            \(SQLLiteral.quote(session.catalog)), \(SQLLiteral.quote(target.schema)), \
            \(SQLLiteral.quote(target.table)), \(watermark.map { $0 + 1 } ?? 0), \(snapshot))
            """
        let session = self.session
        outcome.queued = try store.enqueue(
            target: key, through: snapshot, source: source, replacing: outcome.backfill, now: now
        ) {
            writer in
            let result = try session.query(sql)
            while let chunk = try result.nextChunk() {
                let snapshots = try chunk.column(0).primitives(as: Int64.self)
                let rowids = try chunk.column(1).primitives(as: Int64.self)
                let types = try chunk.column(2).strings()
                for row in 0..<chunk.count {
                    guard let snapshot = snapshots[row], let rowid = rowids[row],
                        let type = types[row].flatMap(ChangeType.init(rawValue:))
                    else { continue }
                    try writer.write(Change(key: ChangeKey(rowid: rowid, type: type), snapshot: snapshot))
                }
            }
        }
        return outcome
    }

    /// Whether the target exists at `snapshot` (a model whose run failed before its first commit has no table).
    private func tableExists(at snapshot: Int64) throws -> Bool {
        let rows = try session.connection.rows(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [.varchar(session.catalog), .varchar(target.schema), .varchar(target.table)])
        return (rows.first?.first?.int64 ?? 0) > 0
    }

    /// The table's identity as of `snapshot`: the snapshot that created it and that snapshot's
    /// time, so a table created anew, or a catalog replaced by another whose snapshot ids overlap,
    /// reads differently. Nil when the creating snapshot was expired (then nothing is compared).
    private func tableSource(through snapshot: Int64) throws -> String? {
        let rows = try session.connection.rows(
            """
            SELECT snapshot_id, snapshot_time::VARCHAR, unnest(changes['tables_created'])
            FROM ducklake_snapshots(\(SQLLiteral.quote(session.catalog))) WHERE snapshot_id <= \(snapshot)
            """)
        let wanted = Target.folded("\(target.schema).\(target.table)")
        let created = rows.filter { row in
            row.count == 3 && (row[2].string.map { Target.folded(Self.unquoted($0)) == wanted } ?? false)
        }
        guard let last = created.max(by: { ($0[0].int64 ?? 0) < ($1[0].int64 ?? 0) }),
            let id = last[0].int64, let time = last[1].string
        else { return nil }
        return "\(id)@\(time)"
    }

    /// The oldest snapshot the catalog still has.
    private func oldestSnapshot() throws -> Int64 {
        try session.connection.scalar(
            "SELECT min(snapshot_id) FROM ducklake_snapshots(\(SQLLiteral.quote(session.catalog)))")?.int64 ?? 0
    }

    /// Whether a snapshot after `watermark` created the table anew (a full refresh or a rebuild):
    /// its row ids then start over, and `table_changes` reports only the new table's rows.
    private func recreated(after watermark: Int64, through snapshot: Int64) throws -> Bool {
        let rows = try session.connection.rows(
            """
            SELECT unnest(changes['tables_created']) FROM ducklake_snapshots(\(SQLLiteral.quote(session.catalog)))
            WHERE snapshot_id > \(watermark) AND snapshot_id <= \(snapshot)
            """)
        let wanted = Target.folded("\(target.schema).\(target.table)")
        return rows.contains { row in row.first?.string.map { Target.folded(Self.unquoted($0)) == wanted } ?? false }
    }

    /// `"my s"."t"` → `my s.t`: DuckLake quotes names that need it in its change lists.
    static func unquoted(_ name: String) -> String {
        var output = ""
        var quoted = false
        var index = name.startIndex
        while index < name.endIndex {
            let character = name[index]
            let next = name.index(after: index)
            if character == "\"" {
                if quoted, next < name.endIndex, name[next] == "\"" {
                    output.append("\"")
                    index = name.index(after: next)
                    continue
                }
                quoted.toggle()
            } else {
                output.append(character)
            }
            index = next
        }
        return output
    }
}
