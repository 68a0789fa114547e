import DuckDB
import Foundation
import OndatraSync

/// Reads the rows of a claimed batch from DuckLake at push time: inserts and update postimages
/// from the current table, deletes and update preimages from the table as it was just before
/// their snapshot (`AT (VERSION => snapshot - 1)`).
struct SinkRowReader {
    /// One batch's rows, ready for `push`.
    struct Rows {
        /// Every column of the target, then `__ondatra_rowid`, `__ondatra_change_type` and
        /// `__ondatra_snapshot`.
        var columns: [String]
        /// The rows found, in the batch's order, with their keys.
        var rows: [(key: ChangeKey, values: [DuckDB.Value])]
        /// Changes whose row no longer exists: acknowledged without a push.
        var absent: Set<ChangeKey>
    }

    /// The extra columns every pushed row carries.
    static let rowidColumn = "__ondatra_rowid"
    /// The change type column.
    static let changeTypeColumn = "__ondatra_change_type"
    /// The snapshot that made the change: with the row id and change type, a key that is unique
    /// over time (a row updated in two runs has the same `rowid:change_type` twice).
    static let snapshotColumn = "__ondatra_snapshot"

    let session: Session
    let target: Target

    /// Reads `batch`'s rows.
    /// - Throws: ``OndatraError`` when a version the batch needs can no longer be read (its
    ///   snapshot was expired).
    func read(_ batch: ClaimedBatch) throws -> Rows {
        let table = SQLLiteral.qualified([session.catalog, target.schema, target.table])
        // Columns by name: an earlier version may have had other columns than the table now.
        var columns: [String] = []
        var found: [ChangeKey: [String: DuckDB.Value]] = [:]
        // Current rows once for all changes that read them; earlier versions once per snapshot.
        var groups: [Int64?: [ChangeKey]] = [:]
        for pending in batch.changes {
            groups[pending.key.type.readsPreviousVersion ? pending.change.snapshot - 1 : nil, default: []].append(
                pending.key)
        }
        // The current table first, so its columns come first and in its order.
        for (version, keys) in groups.sorted(by: { ($0.key ?? .max) > ($1.key ?? .max) }) {
            let ids = Set(keys.map(\.rowid)).sorted().map(String.init).joined(separator: ",")
            let at = version.map { " AT (VERSION => \($0))" } ?? ""
            let result: QueryResult
            do {
                result = try session.connection.query("SELECT rowid, * FROM \(table)\(at) WHERE rowid IN (\(ids))")
            } catch let error as DuckDBError {
                let what = version.map { "the rows as of snapshot \($0)" } ?? "the current rows"
                throw OndatraError(
                    .query, "could not read \(what) of \(target): \(session.queryError(error).message)")
            }
            let names = Array(result.columnNames.dropFirst())
            for name in names where !columns.contains(name) { columns.append(name) }
            var byRowid: [Int64: [String: DuckDB.Value]] = [:]
            while let chunk = try result.nextChunk() {
                let rowids = try chunk.column(0).primitives(as: Int64.self)
                let vectors = (1..<result.columnCount).map { chunk.column($0) }
                for row in 0..<chunk.count {
                    guard let rowid = rowids[row] else { continue }
                    var values: [String: DuckDB.Value] = [:]
                    for (name, vector) in zip(names, vectors) { values[name] = vector.value(at: row) }
                    byRowid[rowid] = values
                }
            }
            for key in keys { if let values = byRowid[key.rowid] { found[key] = values } }
        }
        var rows = Rows(
            columns: columns + [Self.rowidColumn, Self.changeTypeColumn, Self.snapshotColumn], rows: [], absent: [])
        for pending in batch.changes {
            guard let named = found[pending.key] else {
                rows.absent.insert(pending.key)
                continue
            }
            var values = columns.map { named[$0] ?? .null }
            values.append(.bigint(pending.key.rowid))
            values.append(.varchar(pending.key.type.rawValue))
            values.append(.bigint(pending.change.snapshot))
            rows.rows.append((pending.key, values))
        }
        return rows
    }
}
