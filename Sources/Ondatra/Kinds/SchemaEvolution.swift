import DuckDB

/// Brings a target table's columns in line with a new result: adds new columns, drops removed
/// ones, changes types, all inside the materialize transaction, and describes what it did.
enum SchemaEvolution {
    struct Column: Hashable {
        let name: String
        let type: String
    }

    static func columns(_ session: Session, database: String, schema: String, table: String) throws -> [Column] {
        // pragma_table_info reads one table; duckdb_columns() would walk every attached catalog.
        let name = SQLLiteral.qualified([database, schema, table])
        return try session.query("SELECT name, type FROM pragma_table_info(\(SQLLiteral.quote(name)))").allRows()
            .compactMap { row in
                guard let name = row[0].string, let type = row[1].string else { return nil }
                return Column(name: name, type: type)
            }
    }

    /// Alters `qualifiedTarget` from `current` to `wanted`; returns the warning text, or nil when
    /// nothing changed.
    static func apply(
        _ session: Session, qualifiedTarget: String, current: [Column], wanted: [Column],
        previousLineage: [String: String] = [:], lineage: [String: String] = [:]
    ) throws -> String? {
        var current = current
        var notes: [String] = []
        // A column that disappears while a new one reads the same source column was renamed.
        let currentNames = Set(current.map { $0.name.lowercased() })
        let wantedNames = Set(wanted.map { $0.name.lowercased() })
        for dropped in current where !wantedNames.contains(dropped.name.lowercased()) {
            guard let source = previousLineage[dropped.name.lowercased()],
                let added = wanted.first(where: {
                    !currentNames.contains($0.name.lowercased()) && lineage[$0.name.lowercased()] == source
                })
            else { continue }
            try session.execute(
                "ALTER TABLE \(qualifiedTarget) RENAME COLUMN \(SQLLiteral.identifier(dropped.name)) TO \(SQLLiteral.identifier(added.name))"
            )
            notes.append("renamed \(dropped.name) → \(added.name)")
            current = current.map { $0.name == dropped.name ? Column(name: added.name, type: dropped.type) : $0 }
        }
        let currentByName = Dictionary(
            current.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
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
