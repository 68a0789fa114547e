import DuckDB
import Ondatra

/// One version of an scd2 model's row, as its bookkeeping columns describe it.
struct SCD2Version: Equatable {
    /// The version's key.
    var key: Row
    /// The snapshot that opened it.
    var validFrom: Int64
    /// The snapshot that closed it; nil while it is current.
    var validTo: Int64?
    /// Whether it is the key's current version.
    var isCurrent: Bool
}

/// What the catalog shows about one model after a run: the inputs of ``ModelOracle/check(_:)``.
struct Observation {
    /// The output columns of the model's SQL, in order.
    var columns: [String]
    /// The model's SQL run in full now, against the upstream tables as the run left them.
    var full: [Row]
    /// The model's table in `columns` (scd2: its current versions; tracked: without `_content_hash`).
    var table: RowMultiset
    /// The keys of every change the run recorded for the model (merge, tracked, scd2); nil on
    /// the first run and for other kinds.
    var changedKeys: Set<Row>?
    /// Every version of an scd2 model, by key and opening snapshot; empty for other kinds.
    var versions: [SCD2Version]
    /// The rows the run reports it wrote for the model.
    var rowsAffected: Int64
}

/// Reads observations from a session on the project's catalog. Black-box: only the model's SQL,
/// its table and DuckLake's own change feed are read, never the runner's bookkeeping.
struct CatalogReader {
    let session: Session

    /// The newest snapshot of the catalog.
    func currentSnapshot() throws -> Int64 { try session.currentSnapshot() }

    /// The names of the tables DuckLake recorded inserts into or deletes from in `(after, through]`,
    /// from its own list of snapshots.
    func tablesWritten(after: Int64, through: Int64) throws -> Set<String> {
        let sql = """
            SELECT DISTINCT info.table_name
            FROM (SELECT unnest(map_entries(changes)) AS entry FROM \(quoted(session.catalog)).snapshots()
                WHERE snapshot_id > \(after) AND snapshot_id <= \(through)) AS written
            JOIN ducklake_table_info('\(session.catalog)') AS info
                ON list_contains(written.entry.value, info.table_id::VARCHAR)
            WHERE written.entry.key LIKE '%insert%' OR written.entry.key LIKE '%delet%'
            """
        return Set(try session.query(sql).allRows().compactMap { $0[0].string })
    }

    /// Everything the oracle of `shape` needs. `changesAfter` is the snapshot before the run (nil
    /// on the first run); the run's changes are those up to `through`, and there are none when
    /// the run did not write the table (`written` false).
    func observe(
        _ shape: ModelShape, result: ModelResult, changesAfter: Int64?, through: Int64, written: Bool
    ) throws -> Observation {
        let full = try session.query(shape.sql)
        let columns = full.columnNames
        let fullRows = try full.allRows().map(Row.init)
        var changedKeys: Set<Row>?
        if let changesAfter, Self.recordsChangedKeys(shape.kind) {
            changedKeys = written ? try keysChanged(shape, after: changesAfter, through: through) : []
        }
        var table: [Row]
        var versions: [SCD2Version] = []
        if shape.kind == .scd2 {
            (table, versions) = try scd2Rows(shape, columns: columns)
        } else {
            table = try rows(of: shape, columns: columns)
        }
        return Observation(
            columns: columns, full: fullRows, table: RowMultiset(table), changedKeys: changedKeys, versions: versions,
            rowsAffected: result.rowsAffected)
    }

    /// Whether the oracle checks which keys a run of `kind` changed.
    static func recordsChangedKeys(_ kind: ModelKind) -> Bool { [.merge, .tracked, .scd2].contains(kind) }

    private func quoted(_ identifier: String) -> String { "\"" + identifier.replacing("\"", with: "\"\"") + "\"" }

    private func tableName(_ shape: ModelShape) -> String {
        quoted(shape.target.schema) + "." + quoted(shape.target.table)
    }

    /// The table's rows in `columns`.
    func rows(of shape: ModelShape, columns: [String]) throws -> [Row] {
        let list = columns.map(quoted).joined(separator: ", ")
        return try session.query("SELECT \(list) FROM \(tableName(shape))").allRows().map(Row.init)
    }

    /// The keys of the rows DuckLake recorded as changed in the model's table in `(after, through]`.
    func keysChanged(_ shape: ModelShape, after: Int64, through: Int64) throws -> Set<Row> {
        guard through > after else { return [] }
        let keys = shape.key.map(quoted).joined(separator: ", ")
        let sql = """
            SELECT DISTINCT \(keys) FROM ducklake_table_changes('\(session.catalog)', '\(shape.target.schema)',
                '\(shape.target.table)', \(after + 1), \(through))
            """
        return Set(try session.query(sql).allRows().map(Row.init))
    }

    /// An scd2 model's current versions in `columns`, and every version, ordered by key and
    /// opening snapshot.
    func scd2Rows(_ shape: ModelShape, columns: [String]) throws -> (current: [Row], versions: [SCD2Version]) {
        let keys = shape.key.map(quoted).joined(separator: ", ")
        let sql = """
            SELECT \(columns.map(quoted).joined(separator: ", ")), \(keys),
                valid_from_snapshot, valid_to_snapshot, is_current
            FROM \(tableName(shape)) ORDER BY \(keys), valid_from_snapshot
            """
        var current: [Row] = []
        var versions: [SCD2Version] = []
        let width = columns.count
        let keyEnd = width + shape.key.count
        for values in try session.query(sql).allRows() {
            let isCurrent = values[keyEnd + 2] == .boolean(true)
            if isCurrent { current.append(Row(Array(values[0..<width]))) }
            versions.append(
                SCD2Version(
                    key: Row(Array(values[width..<keyEnd])), validFrom: values[keyEnd].int64 ?? -1,
                    validTo: values[keyEnd + 1].int64, isCurrent: isCurrent))
        }
        return (current, versions)
    }
}
