import DuckDB

/// What the header adds around the rows: extensions loaded before the model runs, masks applied
/// to the result before anything is written, storage hints and comments applied to the table.
extension Materializer {
    /// Loads the model's `@extension`s (`LOAD`, never `INSTALL`: extensions are provisioned
    /// offline by `scripts/bootstrap`, and auto-install is off).
    /// - Throws: ``OndatraError`` naming the file, the line and the extension that did not load.
    func loadExtensions() throws {
        for wanted in model.directives.extensions {
            do {
                try session.connection.execute("LOAD \(SQLLiteral.identifier(wanted.name))")
            } catch let error as DuckDBError {
                let missing = error.message.contains("not found")
                throw OndatraError(
                    .query,
                    "@extension \(wanted.name) "
                        + (missing
                            ? "is not installed: extensions are provisioned offline by scripts/bootstrap (nothing is downloaded at run time)"
                            : "could not be loaded: \(session.queryError(error).message)"),
                    file: model.path, line: wanted.line)
            }
        }
    }

    /// Checks that every masking macro the model's tags name exists in the session.
    /// - Throws: ``OndatraError`` naming the file and line of the first tag without a macro, and
    ///   the masking macros there are.
    func checkMasks() throws {
        let masks = model.directives.columns.filter { $0.mask != nil }
        guard !masks.isEmpty else { return }
        let available = Set(
            try session.query(
                """
                SELECT DISTINCT lower(function_name) FROM duckdb_functions()
                WHERE function_type = 'macro' AND (function_name ILIKE 'mask%' OR function_name ILIKE 'hash%'
                    OR lower(function_name) = 'redact')
                """
            ).allRows().compactMap { $0.first?.string })
        for note in masks {
            guard let macro = note.mask, !available.contains(macro) else { continue }
            throw OndatraError(
                .project,
                "@column \(note.column): no masking macro \(macro) (known: \(available.sorted().joined(separator: ", "))); "
                    + "define it in config/macros, e.g. CREATE MACRO \(macro)(v) AS …",
                file: model.path, line: note.line)
        }
    }

    /// `sql` with each masked column passed through its macro, columns kept in place: the one
    /// way a result is made (``createResult(_:)``), so no path writes unmasked values.
    func masked(_ sql: String) -> String {
        let masks = model.directives.masks
        guard !masks.isEmpty else { return sql }
        // The column keeps the query's spelling (`Email`), whatever case the header wrote.
        let described = (try? session.query("DESCRIBE (\(sql)\n)").allRows()) ?? []
        let spelled = Dictionary(
            described.compactMap { $0.first?.string }.map { ($0.lowercased(), $0) },
            uniquingKeysWith: { first, _ in first })
        let replaced = masks.map { column, macro in
            let name = spelled[column.lowercased()] ?? column
            return "\(SQLLiteral.identifier(macro))(\(SQLLiteral.identifier(name))) AS \(SQLLiteral.identifier(name))"
        }
        return "SELECT * REPLACE (\(replaced.joined(separator: ", "))) FROM (\(sql)\n)"
    }

    /// The error for a masked column `sql` does not return, if that is why masking it failed.
    func missingMaskedColumn(in sql: String) -> OndatraError? {
        guard !model.directives.masks.isEmpty,
            let described = try? session.query("DESCRIBE (\(sql)\n)").allRows()
        else { return nil }
        return TableSettings.missingColumn(
            model.directives.columns.filter { $0.mask != nil }.map { ("@column", $0.column, $0.line) },
            in: described.compactMap { $0.first?.string }, model: model)
    }

    /// Creates the table empty, gives it the header's storage hints and comments, then writes
    /// its first rows: they land in files partitioned and sorted as asked.
    /// - Returns: the rows written.
    func create(_ context: WriteContext, columns: [SchemaEvolution.Column]) throws -> Int64 {
        let rows = try model.kind.rules.initialRows(context)
        try session.execute("CREATE TABLE \(qualifiedTarget) AS \(rows)\nWITH NO DATA")
        try TableSettings.apply(
            model, table: qualifiedTarget, current: TableSettings(), columns: columns.map(\.name), session: session)
        return Int64(try session.execute("INSERT INTO \(qualifiedTarget) \(rows)"))
    }

    /// Brings the existing table's hints and comments in line with the header, around schema
    /// evolution (`evolve`) from the table's `before` columns to `columns` (see
    /// ``TableSettings/beforeColumnsChange(from:table:columns:columnsChange:)``).
    /// - Returns: what `evolve` returned.
    func applySettings(
        current: TableSettings, before: [SchemaEvolution.Column], columns: [SchemaEvolution.Column],
        evolve: () throws -> String?
    ) throws -> String? {
        let wanted = TableSettings(model: model)
        let reset = wanted.beforeColumnsChange(
            from: current, table: qualifiedTarget, columns: before.map(\.name), columnsChange: before != columns)
        for statement in reset.statements { try session.execute(statement) }
        let note = try evolve()
        var left = reset.left
        if note != nil {
            // A column dropped and added again lost its comment: read them again.
            let now = try TableSettings.load(session, only: target)[target] ?? TableSettings()
            left.comment = now.comment
            left.columnComments = now.columnComments
        }
        try TableSettings.apply(
            model, table: qualifiedTarget, current: left, columns: columns.map(\.name), session: session)
        return note
    }
}
