import DuckDB

/// What a kind's writer works with: the session, the target, the temporary result and its columns.
struct WriteContext {
    let session: Session
    /// The qualified target table.
    let target: String
    /// The qualified temporary table holding the model's result.
    let result: String
    /// The result's columns (before any the kind adds).
    let columns: [SchemaEvolution.Column]
    /// The `@unique_key` columns.
    let keys: [String]
    let runType: RunType
    /// For a Starlark `tracked` model: the keys its queries returned, with their content hashes.
    var queryHashes: String? = nil

    /// `a.k IS NOT DISTINCT FROM b.k AND …` over the key columns.
    func keyMatch(_ a: String, _ b: String) -> String { ContentHash.keysMatch(keys, a, b) }

    /// The key column list, quoted, optionally qualified.
    func keyList(_ qualifier: String? = nil) -> String {
        keys.map { (qualifier.map { $0 + "." } ?? "") + SQLLiteral.identifier($0) }.joined(separator: ", ")
    }

    /// The non-key columns.
    var valueColumns: [SchemaEvolution.Column] {
        let keySet = Set(keys.map { $0.lowercased() })
        return columns.filter { !keySet.contains($0.name.lowercased()) }
    }

    /// A scratch temporary table name for this run.
    static func scratch(_ name: String) -> String { SQLLiteral.qualified(["temp", "main", "__ondatra_" + name]) }
}

/// The writes of the table, append and merge kinds.
enum KindWriter {
    /// Columns a kind adds to the model's own.
    static func addedColumns(_ kind: ModelKind) -> [SchemaEvolution.Column] {
        switch kind {
        case .tracked: [.init(name: TrackedWriter.hashColumn, type: "VARCHAR")]
        case .scd2:
            [
                .init(name: "valid_from_snapshot", type: "BIGINT"), .init(name: "valid_to_snapshot", type: "BIGINT"),
                .init(name: "is_current", type: "BOOLEAN"),
            ]
        default: []
        }
    }

    /// Scratch tables the write reads. The comparisons with the table are skipped when there is
    /// no table yet or it is rebuilt.
    static func prepare(_ kind: ModelKind, _ context: WriteContext, exists: Bool) throws {
        let compares = exists && context.runType != .backfill && context.runType != .full
        switch kind {
        case .tracked: try TrackedWriter.prepare(context, compares: compares)
        case .scd2 where compares: try SCD2Writer.prepare(context)
        default: break
        }
    }

    /// Creates the target from the result (first run); returns the rows written.
    static func create(_ kind: ModelKind, _ context: WriteContext) throws -> Int64 {
        switch kind {
        case .tracked: return try TrackedWriter.create(context)
        case .scd2: return try SCD2Writer.create(context)
        default:
            return try context.session.createTableAs(
                "CREATE TABLE \(context.target) AS SELECT * FROM \(context.result)")
        }
    }

    /// Writes the result into the existing target; returns the rows written.
    static func write(_ kind: ModelKind, _ context: WriteContext) throws -> Int64 {
        let session = context.session
        let rebuild = context.runType == .backfill || context.runType == .full
        switch kind {
        case .append where !rebuild:
            // Without a change feed the whole result comes back: add only rows not already there,
            // counting repeats (a row twice in the result and once in the table is added once).
            let list = context.columns.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
            return Int64(
                try session.execute(
                    "INSERT INTO \(context.target) BY NAME (SELECT \(list) FROM \(context.result) EXCEPT ALL SELECT \(list) FROM \(context.target))"
                ))
        case .merge where !rebuild:
            return Int64(try session.execute(mergeStatement(context)))
        case .tracked:
            return try TrackedWriter.write(context)
        case .scd2 where !rebuild:
            return try SCD2Writer.write(context)
        case .partition where !rebuild:
            return try PartitionWriter.write(context)
        default:
            try session.execute("DELETE FROM \(context.target)")
            if kind == .scd2 { return try SCD2Writer.insertAll(context) }
            return Int64(try session.execute("INSERT INTO \(context.target) BY NAME SELECT * FROM \(context.result)"))
        }
    }

    /// `MERGE` that updates only rows whose non-key values differ, so unchanged rows make no changes.
    static func mergeStatement(_ context: WriteContext) -> String {
        let values = context.valueColumns.map { SQLLiteral.identifier($0.name) }
        var sql = "MERGE INTO \(context.target) AS t USING \(context.result) AS s ON (\(context.keyMatch("t", "s")))"
        if !values.isEmpty {
            let changed = values.map { "t.\($0) IS DISTINCT FROM s.\($0)" }.joined(separator: " OR ")
            let assignments = values.map { "\($0) = s.\($0)" }.joined(separator: ", ")
            sql += " WHEN MATCHED AND (\(changed)) THEN UPDATE SET \(assignments)"
        }
        return sql + " WHEN NOT MATCHED THEN INSERT BY NAME"
    }
}
