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

    /// Alters `qualifiedTarget` from `current` to `wanted`; returns what changed (`+ a (INT); - b;
    /// renamed c → d`), or nil when nothing did.
    ///
    /// - Parameter keepingOrder: every row is about to be rewritten (a rebuild), so columns may be
    ///   dropped and added again to keep `wanted`'s order (a type change that cannot be done in
    ///   place otherwise moves the column to the end).
    static func apply(
        _ session: Session, qualifiedTarget: String, current: [Column], wanted: [Column],
        previousLineage: [String: String] = [:], lineage: [String: String] = [:], keepingOrder: Bool = false
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
                // Decided before, not by trying: a failed ALTER aborts the transaction, and every
                // statement after it then fails with "Current transaction is aborted".
                if Self.promotesInPlace(from: existing.type, to: column.type) {
                    try session.execute(
                        "ALTER TABLE \(qualifiedTarget) ALTER COLUMN \(name) SET DATA TYPE \(column.type)")
                } else if keepingOrder {
                    // Every row is rewritten next: drop and re-add.
                    try session.execute("ALTER TABLE \(qualifiedTarget) DROP COLUMN \(name)")
                    try session.execute("ALTER TABLE \(qualifiedTarget) ADD COLUMN \(name) \(column.type)")
                } else {
                    try convert(session, qualifiedTarget: qualifiedTarget, column: existing, to: column.type)
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
        guard !notes.isEmpty else { return nil }
        if keepingOrder { try reorder(session, qualifiedTarget: qualifiedTarget, wanted: wanted) }
        return notes.joined(separator: "; ")
    }

    /// Widenings DuckLake does in place with `ALTER COLUMN … SET DATA TYPE`: integers to wider
    /// integers (unsigned to a wider signed one too) and `FLOAT` to `DOUBLE`.
    static func promotesInPlace(from old: String, to new: String) -> Bool {
        let widerThan: [String: Set<String>] = [
            "TINYINT": ["SMALLINT", "INTEGER", "BIGINT"],
            "SMALLINT": ["INTEGER", "BIGINT"],
            "INTEGER": ["BIGINT"],
            "UTINYINT": ["USMALLINT", "UINTEGER", "UBIGINT", "SMALLINT", "INTEGER", "BIGINT"],
            "USMALLINT": ["UINTEGER", "UBIGINT", "INTEGER", "BIGINT"],
            "UINTEGER": ["UBIGINT", "BIGINT"],
            "FLOAT": ["DOUBLE"],
        ]
        return widerThan[old.uppercased()]?.contains(new.uppercased()) ?? false
    }

    /// Changes a column's type keeping the values the table holds (rows merge never deletes, scd2
    /// versions, appended rows): a new column takes each value cast to the new type, then replaces
    /// the old one (it moves to the end of the table).
    /// - Throws: ``OndatraError`` naming the column and a few values when some stored value cannot be
    ///   cast: nothing is changed then.
    private static func convert(_ session: Session, qualifiedTarget: String, column: Column, to type: String) throws {
        let name = SQLLiteral.identifier(column.name)
        let lost = try session.query(
            "SELECT DISTINCT \(name)::VARCHAR FROM \(qualifiedTarget) WHERE \(name) IS NOT NULL AND TRY_CAST(\(name) AS \(type)) IS NULL LIMIT 3"
        ).allRows().compactMap { $0.first?.string }
        guard lost.isEmpty else {
            throw OndatraError(
                .query,
                "column \(column.name) changed type (\(column.type) → \(type)), but values the table keeps cannot be converted (\(lost.map { "'\($0)'" }.joined(separator: ", "))); cast the column in the model's SQL to keep its type, or run `ondatrasql run --full-refresh` on the model to rebuild it"
            )
        }
        let converted = SQLLiteral.identifier("__ondatra_converted")
        try session.execute("ALTER TABLE \(qualifiedTarget) ADD COLUMN \(converted) \(type)")
        try session.execute("UPDATE \(qualifiedTarget) SET \(converted) = TRY_CAST(\(name) AS \(type))")
        try session.execute("ALTER TABLE \(qualifiedTarget) DROP COLUMN \(name)")
        try session.execute("ALTER TABLE \(qualifiedTarget) RENAME COLUMN \(converted) TO \(name)")
    }

    /// Puts the columns in `wanted`'s order by dropping every column from the first one out of
    /// place and adding them again in order. Their values are lost: only for tables whose rows are
    /// all rewritten next.
    private static func reorder(_ session: Session, qualifiedTarget: String, wanted: [Column]) throws {
        let names = try session.query("SELECT name FROM pragma_table_info(\(SQLLiteral.quote(qualifiedTarget)))")
            .allRows().compactMap { $0[0].string }
        guard names.count == wanted.count,
            let first = names.indices.first(where: { names[$0].lowercased() != wanted[$0].name.lowercased() })
        else { return }
        // A table keeps at least one column while the others are dropped.
        let placeholder = SQLLiteral.identifier("__ondatra_placeholder")
        try session.execute("ALTER TABLE \(qualifiedTarget) ADD COLUMN \(placeholder) BOOLEAN")
        for name in names[first...] {
            try session.execute("ALTER TABLE \(qualifiedTarget) DROP COLUMN \(SQLLiteral.identifier(name))")
        }
        for column in wanted[first...] {
            try session.execute(
                "ALTER TABLE \(qualifiedTarget) ADD COLUMN \(SQLLiteral.identifier(column.name)) \(column.type)")
        }
        try session.execute("ALTER TABLE \(qualifiedTarget) DROP COLUMN \(placeholder)")
    }
}
