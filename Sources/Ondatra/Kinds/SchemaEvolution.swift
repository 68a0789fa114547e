import DuckDB

/// Brings a target table's columns in line with a new result: adds new columns, drops removed
/// ones, changes types, all inside the materialize transaction, and describes what it did.
enum SchemaEvolution {
    struct Column: Hashable {
        let name: String
        let type: String
    }

    static func columns(_ session: Session, database: String, schema: String, table: String) throws -> [Column] {
        try session.query(
            """
            SELECT column_name, data_type FROM duckdb_columns()
            WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index
            """, [.varchar(database), .varchar(schema), .varchar(table)]
        ).allRows().compactMap { row in
            guard let name = row[0].string, let type = row[1].string else { return nil }
            return Column(name: name, type: type)
        }
    }

    /// Alters `qualifiedTarget` from `current` to `wanted`; returns the warning text, or nil when
    /// nothing changed.
    static func apply(_ session: Session, qualifiedTarget: String, current: [Column], wanted: [Column]) throws
        -> String?
    {
        let currentByName = Dictionary(
            current.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let wantedNames = Set(wanted.map { $0.name.lowercased() })
        var notes: [String] = []
        for column in wanted {
            if let existing = currentByName[column.name.lowercased()] {
                guard existing.type != column.type else { continue }
                let name = SQLLiteral.identifier(existing.name)
                do {
                    try session.execute(
                        "ALTER TABLE \(qualifiedTarget) ALTER COLUMN \(name) SET DATA TYPE \(column.type)")
                } catch {
                    // Not a lossless promotion: drop and re-add, the rows get the new values on insert.
                    try session.execute("ALTER TABLE \(qualifiedTarget) DROP COLUMN \(name)")
                    try session.execute("ALTER TABLE \(qualifiedTarget) ADD COLUMN \(name) \(column.type)")
                }
                notes.append("~ \(column.name) (\(existing.type) → \(column.type))")
            } else {
                try session.execute(
                    "ALTER TABLE \(qualifiedTarget) ADD COLUMN \(SQLLiteral.identifier(column.name)) \(column.type)")
                notes.append("+ \(column.name) (\(column.type))")
            }
        }
        for column in current where !wantedNames.contains(column.name.lowercased()) {
            try session.execute("ALTER TABLE \(qualifiedTarget) DROP COLUMN \(SQLLiteral.identifier(column.name))")
            notes.append("- \(column.name)")
        }
        return notes.isEmpty ? nil : "schema evolution: " + notes.joined(separator: "; ")
    }
}
