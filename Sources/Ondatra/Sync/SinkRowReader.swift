import DuckDB
import Foundation
import OndatraSync

/// Reads the rows of a claimed batch from DuckLake at push time: inserts and update postimages
/// from the current table, deletes and update preimages from the table as it was just before
/// their snapshot (`AT (VERSION => snapshot - 1)`).
///
/// A query scans the table's data files however few rows its `rowid` filter keeps, so reading
/// the 500 rows of a batch costs about as much as reading 10,000. When a batch's row ids of one
/// version lie within ``readAhead`` of each other, the reader therefore reads the row id range
/// `[lowest, lowest + readAhead)` of that version in one query and keeps it (the last two ranges
/// read) for the batches that follow: a backfill or a large change is read in a twentieth of the
/// queries, and memory holds at most two ranges. A batch whose row ids are spread wider is read by
/// its ids. Rows are as current as the table was when their range was read; within one drain the
/// table does not change (the run holds the project's lock and committed the model before it).
final class SinkRowReader {
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

    /// The row ids one range read covers by default.
    static let defaultReadAhead: Int64 = 10_000

    /// The rows of one version read by one query.
    private struct Range {
        /// The version read (nil: the current table).
        var version: Int64?
        /// The row ids covered, `lower..<upper`, when the query read a range (nil when it read ids).
        var covers: Swift.Range<Int64>?
        /// The version's columns, in its order.
        var names: [String]
        /// Each row's values, in `names`' order.
        var rows: [Int64: [DuckDB.Value]]
    }

    let session: Session
    let target: Target
    /// The row ids one range read covers.
    let readAhead: Int64
    /// Queries run so far (for tests).
    private(set) var queries = 0
    /// The last ranges read, oldest first.
    private var ranges: [Range] = []

    init(session: Session, target: Target, readAhead: Int64 = SinkRowReader.defaultReadAhead) {
        self.session = session
        self.target = target
        self.readAhead = max(1, readAhead)
    }

    /// Reads `batch`'s rows.
    /// - Throws: ``OndatraError`` when a version the batch needs can no longer be read (its
    ///   snapshot was expired).
    func read(_ batch: ClaimedBatch) throws -> Rows {
        // Columns by name: an earlier version may have had other columns than the table now.
        var columns: [String] = []
        var found: [ChangeKey: (range: Int, values: [DuckDB.Value])] = [:]
        var used: [Range] = []
        // Current rows once for all changes that read them; earlier versions once per snapshot.
        var groups: [Int64?: [ChangeKey]] = [:]
        for pending in batch.changes {
            groups[pending.key.type.readsPreviousVersion ? pending.change.snapshot - 1 : nil, default: []].append(
                pending.key)
        }
        // The current table first, so its columns come first and in its order.
        for (version, keys) in groups.sorted(by: { ($0.key ?? .max) > ($1.key ?? .max) }) {
            let range = try rows(of: version, keys.map(\.rowid))
            for name in range.names where !columns.contains(name) { columns.append(name) }
            for key in keys { if let values = range.rows[key.rowid] { found[key] = (used.count, values) } }
            used.append(range)
        }
        // Where each column is in each range's rows (nil: that version did not have it).
        let positions = used.map { range in
            columns.map { name in range.names.firstIndex(of: name) }
        }
        var rows = Rows(
            columns: columns + [Self.rowidColumn, Self.changeTypeColumn, Self.snapshotColumn], rows: [], absent: [])
        rows.rows.reserveCapacity(batch.changes.count)
        for pending in batch.changes {
            guard let entry = found[pending.key] else {
                rows.absent.insert(pending.key)
                continue
            }
            var values: [DuckDB.Value] = []
            values.reserveCapacity(columns.count + 3)
            for position in positions[entry.range] { values.append(position.map { entry.values[$0] } ?? .null) }
            values.append(.bigint(pending.key.rowid))
            values.append(.varchar(pending.key.type.rawValue))
            values.append(.bigint(pending.change.snapshot))
            rows.rows.append((pending.key, values))
        }
        return rows
    }

    /// The rows of `version` with row ids `ids`: from a range read before, from a new range, or by id.
    private func rows(of version: Int64?, _ ids: [Int64]) throws -> Range {
        guard let lowest = ids.min(), let highest = ids.max() else {
            return Range(version: version, covers: nil, names: [], rows: [:])
        }
        if let range = ranges.last(where: {
            $0.version == version && ($0.covers.map { $0.contains(lowest) && $0.contains(highest) } ?? false)
        }) {
            return range
        }
        guard highest - lowest < readAhead else {
            let list = Set(ids).sorted().map(String.init).joined(separator: ",")
            return try query(version, covers: nil, filter: "rowid IN (\(list))")
        }
        let (upper, overflow) = lowest.addingReportingOverflow(readAhead)
        let covers = lowest..<(overflow ? .max : upper)
        let range = try query(
            version, covers: covers, filter: "rowid >= \(covers.lowerBound) AND rowid < \(covers.upperBound)")
        ranges.append(range)
        if ranges.count > 2 { ranges.removeFirst() }
        return range
    }

    /// Runs one read of `version` (nil: the current table) with `filter` on `rowid`.
    private func query(_ version: Int64?, covers: Swift.Range<Int64>?, filter: String) throws -> Range {
        let table = SQLLiteral.qualified([session.catalog, target.schema, target.table])
        let at = version.map { " AT (VERSION => \($0))" } ?? ""
        let result: QueryResult
        queries += 1
        do {
            result = try session.connection.query("SELECT rowid, * FROM \(table)\(at) WHERE \(filter)")
        } catch let error as DuckDBError {
            let what = version.map { "the rows as of snapshot \($0)" } ?? "the current rows"
            throw OndatraError(.query, "could not read \(what) of \(target): \(session.queryError(error).message)")
        }
        var rows: [Int64: [DuckDB.Value]] = [:]
        while let chunk = try result.nextChunk() {
            let rowids = try chunk.column(0).primitives(as: Int64.self)
            let vectors = (1..<result.columnCount).map { chunk.column($0) }
            for row in 0..<chunk.count {
                guard let rowid = rowids[row] else { continue }
                rows[rowid] = vectors.map { $0.value(at: row) }
            }
        }
        return Range(version: version, covers: covers, names: Array(result.columnNames.dropFirst()), rows: rows)
    }
}
