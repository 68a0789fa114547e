import DuckDB

/// Rewrites a model's SQL so its first catalog table reads only the rows that changed within a
/// range of snapshots.
public enum DeltaRewriter {
    /// What the rewritten table reference reads.
    public enum Delta: Sendable, Hashable {
        /// The table's current rows whose current version was written in the range: each row
        /// inserted or updated there once, in its newest version, and none that were deleted since.
        /// Read through DuckLake's `snapshot_id` row column, so only files added in the range are
        /// scanned. For tables without a column of their own named `snapshot_id`.
        case currentRows
        /// `ducklake_table_changes` rows of these change types (every version, deletions included).
        case changes([String])
    }

    /// The column DuckLake gives every row: the snapshot that wrote its current version.
    public static let rowSnapshotColumn = "snapshot_id"

    /// The rewritten SQL, or nil when the first table reference cannot be located in the text.
    public static func rewrite(
        _ sql: String, reference: TableReferences.Table, catalog: String, target: Target, fromSnapshot: Int64,
        toSnapshot: Int64, delta: Delta = .currentRows
    ) -> String? {
        let bytes = Array(sql.utf8)
        // DuckDB's query_location is a byte offset in the SQL text.
        let start = reference.location
        guard start >= 0, start < bytes.count else { return nil }
        var end = start
        var inQuotes = false
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if !inQuotes && !(CallRewriter.isIdentifierByte(byte) || byte == UInt8(ascii: ".")) {
                break
            }
            end += 1
        }
        let written = String(decoding: bytes[start..<end], as: UTF8.self)
        guard written.lowercased().replacingOccurrences(of: "\"", with: "").hasSuffix(reference.table.lowercased())
        else {
            return nil
        }
        let read: String
        switch delta {
        case .currentRows:
            read = """
                (SELECT * FROM \(SQLLiteral.qualified([catalog, target.schema, target.table])) AT (VERSION => \(toSnapshot)) \
                WHERE \(rowSnapshotColumn) BETWEEN \(fromSnapshot) AND \(toSnapshot))
                """
        case .changes(let types):
            read = """
                (SELECT * EXCLUDE (snapshot_id, rowid, change_type) FROM ducklake_table_changes(\
                \(SQLLiteral.quote(catalog)), \(SQLLiteral.quote(target.schema)), \(SQLLiteral.quote(target.table)), \
                \(fromSnapshot), \(toSnapshot)) WHERE change_type IN (\(types.map(SQLLiteral.quote).joined(separator: ", "))))
                """
        }
        // Without an alias the original name stays usable as a qualifier.
        let replacement = reference.alias.isEmpty ? read + " AS " + SQLLiteral.identifier(reference.table) : read
        return String(decoding: bytes[..<start], as: UTF8.self) + replacement
            + String(decoding: bytes[end...], as: UTF8.self)
    }
}
