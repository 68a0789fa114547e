import DuckDB

/// What a table carries besides its rows: DuckLake's storage hints (partition and sort columns)
/// and the catalog comments of the table and its columns. A model's header says what they should
/// be (``init(model:)``); the catalog says what they are (``load(_:only:)``); the difference is a
/// few `ALTER TABLE` and `COMMENT ON` statements, run on the table as it is: nothing is rebuilt.
struct TableSettings: Equatable, Sendable {
    /// Partition columns, as named; a partition DuckLake applies through a transform reads `transform(column)`.
    var partitionedBy: [String] = []
    /// Sort columns, as named; a descending or NULLS FIRST key carries its order after the name.
    var sortedBy: [String] = []
    /// The table's comment.
    var comment: String?
    /// Comments by lower-cased column name (DuckDB matches column names without regard to case).
    var columnComments: [String: String] = [:]

    /// A query listing one kind of storage hint (the `keys` of metadata `table`, joined by
    /// `filter`) per table. DuckLake keeps hints only in its metadata tables, which the
    /// `__ducklake_metadata_<catalog>` database exposes.
    private static func hintsQuery(catalog: String, table: String, keys: String, filter: String) -> String {
        let metadata = SQLLiteral.identifier("__ducklake_metadata_" + catalog)
        return """
            SELECT s.schema_name, t.table_name, list(\(keys)) FROM \(metadata).\(table) x
            JOIN \(metadata).ducklake_table t ON t.table_id = x.table_id AND t.end_snapshot IS NULL
            JOIN \(metadata).ducklake_schema s ON s.schema_id = t.schema_id AND s.end_snapshot IS NULL
            \(filter) GROUP BY ALL
            """
    }

    /// The comments of `catalog`'s tables and columns as DuckDB shows them (with the current
    /// transaction's changes), for the tables `wanted` accepts.
    private static func loadComments(
        into settings: inout [Target: TableSettings], catalog: String, session: Session,
        wanted: (String, String) -> Bool
    ) throws {
        let comments = try session.query(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ?",
            [.varchar(catalog)]
        ).allRows()
        for row in comments {
            guard let schema = row[0].string, let table = row[1].string, wanted(schema, table) else { continue }
            settings[Target(schema: schema, table: table), default: .init()].comment = row[2].string
        }
        let columnComments = try session.query(
            """
            SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()
            WHERE database_name = ? AND comment IS NOT NULL
            """, [.varchar(catalog)]
        ).allRows()
        for row in columnComments {
            guard let schema = row[0].string, let table = row[1].string, let column = row[2].string,
                let comment = row[3].string, wanted(schema, table)
            else { continue }
            settings[Target(schema: schema, table: table), default: .init()].columnComments[column.lowercased()] =
                comment
        }
    }

    /// The committed comments of every table and column, from DuckLake's tag tables; nil when
    /// the metadata store cannot be read that way (another name or layout).
    private static func committedComments(catalog: String, session: Session) throws -> [Target: TableSettings] {
        let metadata = SQLLiteral.identifier("__ducklake_metadata_" + catalog)
        let tables = """
            SELECT s.schema_name, t.table_name, t.table_id FROM \(metadata).ducklake_table t
            JOIN \(metadata).ducklake_schema s ON s.schema_id = t.schema_id AND s.end_snapshot IS NULL
            WHERE t.end_snapshot IS NULL
            """
        let rows = try session.connection.rows(
            """
            WITH tables AS (\(tables))
            SELECT t.schema_name, t.table_name, NULL, g.value FROM tables t
            LEFT JOIN \(metadata).ducklake_tag g
                ON g.object_id = t.table_id AND g.key = 'comment' AND g.end_snapshot IS NULL
            UNION ALL
            SELECT t.schema_name, t.table_name, c.column_name, g.value FROM tables t
            JOIN \(metadata).ducklake_column_tag g
                ON g.table_id = t.table_id AND g.key = 'comment' AND g.end_snapshot IS NULL
            JOIN \(metadata).ducklake_column c
                ON c.table_id = g.table_id AND c.column_id = g.column_id AND c.end_snapshot IS NULL
            """)
        var settings: [Target: TableSettings] = [:]
        for row in rows {
            guard let schema = row[0].string, let table = row[1].string else { continue }
            let target = Target(schema: schema, table: table)
            if let column = row[2].string {
                if let comment = row[3].string {
                    settings[target, default: .init()].columnComments[column.lowercased()] = comment
                }
            } else {
                settings[target, default: .init()].comment = row[3].string
            }
        }
        return settings
    }

    /// The settings of the catalog's tables as they are, by target; with `only`, of that table alone.
    ///
    /// Comments come from `duckdb_tables()` and `duckdb_columns()`, which see the current
    /// transaction's changes; storage hints from DuckLake's metadata tables, which hold what was
    /// committed.
    /// - Throws: ``OndatraError`` when the catalog cannot be read.
    static func load(_ session: Session, only target: Target? = nil) throws -> [Target: TableSettings] {
        var settings: [Target: TableSettings] = [:]
        let catalog = session.catalog
        func wanted(_ schema: String, _ table: String) -> Bool {
            target.map { $0 == Target(schema: schema, table: table) } ?? true
        }
        // For every table at once (a run's first model), DuckLake's tag tables are read directly:
        // `duckdb_tables()` loads every table's columns and statistics first (about 0.1 s for
        // 50 tables). Within a transaction, for one table, only DuckDB's view sees its changes.
        if target == nil, let committed = try? committedComments(catalog: catalog, session: session) {
            settings = committed
        } else {
            try loadComments(into: &settings, catalog: catalog, session: session, wanted: wanted)
        }
        let metadata = SQLLiteral.identifier("__ducklake_metadata_" + catalog)
        let partitions = hintsQuery(
            catalog: catalog, table: "ducklake_partition_info",
            keys: """
                CASE WHEN c.transform = 'identity' THEN k.column_name ELSE c.transform || '(' || k.column_name || ')' END
                ORDER BY c.partition_key_index
                """,
            filter: """
                JOIN \(metadata).ducklake_partition_column c ON c.partition_id = x.partition_id AND c.table_id = x.table_id
                JOIN \(metadata).ducklake_column k ON k.table_id = c.table_id AND k.column_id = c.column_id
                    AND k.end_snapshot IS NULL
                WHERE x.end_snapshot IS NULL
                """)
        let sorts = hintsQuery(
            catalog: catalog, table: "ducklake_sort_info",
            keys: """
                e.expression || CASE WHEN e.sort_direction = 'ASC' THEN '' ELSE ' ' || e.sort_direction END
                || CASE WHEN e.null_order = 'NULLS_LAST' THEN '' ELSE ' ' || e.null_order END ORDER BY e.sort_key_index
                """,
            filter: """
                JOIN \(metadata).ducklake_sort_expression e ON e.sort_id = x.sort_id AND e.table_id = x.table_id
                WHERE x.end_snapshot IS NULL
                """)
        // A metadata store under another name (`METADATA_CATALOG`) or laid out differently: the
        // hints are taken as unset, so a model that declares some sets them again (idempotent).
        let hints =
            (try? session.query(
                "SELECT 'p', * FROM (\(partitions)) UNION ALL SELECT 's', * FROM (\(sorts))"
            ).allRows()) ?? []
        for row in hints {
            guard let schema = row[1].string, let table = row[2].string, wanted(schema, table) else { continue }
            guard case .list(let keys) = row[3] else { continue }
            let columns = keys.compactMap(\.string).map(unquoted)
            if row[0].string == "p" {
                settings[Target(schema: schema, table: table), default: .init()].partitionedBy = columns
            } else {
                settings[Target(schema: schema, table: table), default: .init()].sortedBy = columns
            }
        }
        return settings
    }

    /// A sort expression as DuckLake stores it, `"we ird"` or `Id`, as the column's name.
    private static func unquoted(_ expression: String) -> String {
        guard expression.count >= 2, expression.hasPrefix("\""), expression.hasSuffix("\"") else { return expression }
        return String(expression.dropFirst().dropLast()).replacing("\"\"", with: "\"")
    }

    /// What the model's header asks for.
    init(model: Model) {
        let directives = model.directives
        partitionedBy = directives.partitionedBy
        sortedBy = directives.sortedBy
        comment = directives.description
        for note in directives.columns where !note.description.isEmpty {
            columnComments[note.column.lowercased()] = note.description
        }
    }

    /// No hints, no comments: a table as `CREATE TABLE` makes it.
    init() {}

    /// The hint statements that must run before the table's columns change, with the settings
    /// left after them. DuckLake refuses to drop or retype a column a hint names, and (for DuckDB
    /// 1.5.5) fails an insert or update that follows a `RESET PARTITIONED BY` in one transaction
    /// with an internal error that invalidates the database. So the sort order is reset when it
    /// changes or the columns do, and set again afterwards; a new partitioning whose columns the
    /// table already has is set at once, replacing the old one (a removed partitioning is reset
    /// in a commit of its own before the write; see ``Runner``).
    /// - Parameter columns: the table's columns before the change.
    func beforeColumnsChange(from current: TableSettings, table: String, columns: [String], columnsChange: Bool) -> (
        statements: [String], left: TableSettings
    ) {
        var statements: [String] = []
        var left = current
        let fold = { (names: [String]) in names.map { $0.lowercased() } }
        let existing = Set(fold(columns))
        if !partitionedBy.isEmpty && fold(partitionedBy) != fold(current.partitionedBy)
            && fold(partitionedBy).allSatisfy(existing.contains)
        {
            statements.append(
                "ALTER TABLE \(table) SET PARTITIONED BY (\(partitionedBy.map(SQLLiteral.identifier).joined(separator: ", ")))"
            )
            left.partitionedBy = partitionedBy
        }
        if !current.sortedBy.isEmpty && (columnsChange || fold(sortedBy) != fold(current.sortedBy)) {
            statements.append("ALTER TABLE \(table) RESET SORTED BY")
            left.sortedBy = []
        }
        return (statements, left)
    }

    /// The statements that turn `current` into these settings on `table` (qualified): none when
    /// nothing differs, so an unchanged table gets no new snapshot.
    func statements(from current: TableSettings, table: String) -> [String] {
        var statements: [String] = []
        let fold = { (names: [String]) in names.map { $0.lowercased() } }
        let list = { (names: [String]) in names.map(SQLLiteral.identifier).joined(separator: ", ") }
        if fold(partitionedBy) != fold(current.partitionedBy) {
            statements.append(
                partitionedBy.isEmpty
                    ? "ALTER TABLE \(table) RESET PARTITIONED BY"
                    : "ALTER TABLE \(table) SET PARTITIONED BY (\(list(partitionedBy)))")
        }
        if fold(sortedBy) != fold(current.sortedBy) {
            statements.append(
                sortedBy.isEmpty
                    ? "ALTER TABLE \(table) RESET SORTED BY" : "ALTER TABLE \(table) SET SORTED BY (\(list(sortedBy)))")
        }
        let text = { (comment: String?) in comment.map(SQLLiteral.quote) ?? "NULL" }
        if comment != current.comment { statements.append("COMMENT ON TABLE \(table) IS \(text(comment))") }
        for column in Set(columnComments.keys).union(current.columnComments.keys).sorted()
        where columnComments[column] != current.columnComments[column] {
            statements.append(
                "COMMENT ON COLUMN \(table).\(SQLLiteral.identifier(column)) IS \(text(columnComments[column]))")
        }
        return statements
    }

    /// The columns `model`'s hints and `@column` lines name: `(directive, column, line)`.
    static func namedColumns(of model: Model) -> [(String, String, Int)] {
        let directives = model.directives
        return directives.partitionedBy.map { ("@partitioned_by", $0, directives.lines["partitioned_by"] ?? 0) }
            + directives.sortedBy.map { ("@sorted_by", $0, directives.lines["sorted_by"] ?? 0) }
            + directives.columns.map { ("@column", $0.column, $0.line) }
    }

    /// The error for the first `(directive, column, line)` that names none of `columns`, naming
    /// the file, the directive's line and the columns there are; nil when all of them name one.
    static func missingColumn(_ named: [(String, String, Int)], in columns: [String], model: Model) -> OndatraError? {
        let names = Set(columns.map { $0.lowercased() })
        guard let (directive, column, line) = named.first(where: { !names.contains($0.1.lowercased()) }) else {
            return nil
        }
        return OndatraError(
            .query,
            "\(directive) names column \(column), which the model does not produce (columns: \(columns.joined(separator: ", ")))",
            file: model.path, line: line)
    }

    /// Turns the settings of `model`'s table (`table`, qualified, with `columns`) from `current`
    /// into those its header asks for.
    /// - Throws: ``OndatraError`` when a hint or `@column` names a column not in `columns`.
    static func apply(
        _ model: Model, table: String, current: TableSettings, columns: [String], session: Session
    ) throws {
        if let missing = missingColumn(namedColumns(of: model), in: columns, model: model) { throw missing }
        for statement in TableSettings(model: model).statements(from: current, table: table) {
            try session.execute(statement)
        }
    }
}
