import DuckDB

/// Rewrites a model's SQL so its first catalog table reads only the rows that changed since a
/// snapshot, from `ducklake_table_changes`: by default inserted rows and the new images of updated
/// ones; partition models also ask for deleted rows and old images, to see every touched partition.
public enum DeltaRewriter {
    /// The rewritten SQL, or nil when the first table reference cannot be located in the text.
    public static func rewrite(
        _ sql: String, reference: TableReferences.Table, catalog: String, target: Target, fromSnapshot: Int64,
        toSnapshot: Int64, changeTypes: [String] = ["insert", "update_postimage"]
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
            } else if !inQuotes && !(isIdentifierByte(byte) || byte == UInt8(ascii: ".")) {
                break
            }
            end += 1
        }
        let written = String(decoding: bytes[start..<end], as: UTF8.self)
        guard written.lowercased().replacingOccurrences(of: "\"", with: "").hasSuffix(reference.table.lowercased())
        else {
            return nil
        }
        let delta = """
            (SELECT * EXCLUDE (snapshot_id, rowid, change_type) FROM ducklake_table_changes(\
            \(SQLLiteral.quote(catalog)), \(SQLLiteral.quote(target.schema)), \(SQLLiteral.quote(target.table)), \
            \(fromSnapshot), \(toSnapshot)) WHERE change_type IN (\(changeTypes.map(SQLLiteral.quote).joined(separator: ", "))))
            """
        // Without an alias the original name stays usable as a qualifier.
        let replacement = reference.alias.isEmpty ? delta + " AS " + SQLLiteral.identifier(reference.table) : delta
        return String(decoding: bytes[..<start], as: UTF8.self) + replacement
            + String(decoding: bytes[end...], as: UTF8.self)
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
            || byte >= 0x80
    }
}
