import DuckDB

/// The `append` kind: each run inserts the rows that are new in the query's result since the
/// model's last run, as a multiset (result now minus result then). Rows already appended are never
/// changed or removed. The materializer computes which rows are new (``ResultScope/changedRows``);
/// when it cannot know the result of the last run (a source outside the catalog), it hands over
/// the whole result and only rows not already in the table are added, repeats counted.
enum AppendKind: ChangeFollowingKind {
    static var keepsHistory: Bool { true }
    static var recomputesByKey: Bool { false }
    static var emptyResultWritesNothing: Bool { true }

    /// The rows new in the result: (query over new rows) minus (query over old rows), as a
    /// multiset. For a query that reads the upstream row by row this is exactly (result now) minus
    /// (result at the last run): the unchanged rows contribute the same to both and cancel.
    static func deltaResult(_ delta: DeltaRun) throws -> Materializer.BuiltResult {
        let rows = try delta.createResult(newRows(now: delta.overNewRows, then: try delta.overOldRows()))
        return .init(scope: .changedRows, nothingToWrite: rows == 0)
    }

    /// The hidden table that keeps an append model's last result when its inputs cannot be read
    /// as they were (files, lib functions, Starlark): the "result then" of its next run.
    static func lastResultTable(of target: Target) -> Target {
        Target(schema: hiddenSchema, table: "append__\(target.schema)__\(target.table)")
    }

    /// The catalog schema of tables OndatraSQL keeps for itself.
    static let hiddenSchema = Session.internalSchema

    /// Replaces the kept last result `table` (qualified) with the temporary table `now`, in the
    /// run's transaction. An unchanged result writes nothing; a result whose columns changed
    /// replaces the table.
    static func keepResult(
        _ now: String, in table: String, exists: Bool, unchanged: Bool, session: Session
    ) throws {
        guard !unchanged else { return }
        if !exists {
            // In the run's transaction, so the schema makes no snapshot of its own.
            try session.execute(
                "CREATE SCHEMA IF NOT EXISTS \(SQLLiteral.qualified([session.catalog, hiddenSchema]))")
        }
        if exists {
            do {
                try session.execute("DELETE FROM \(table)")
                try session.execute("INSERT INTO \(table) SELECT * FROM \(now)")
                return
            } catch {
                // The result's columns changed: keep it in a table of its new shape.
                try session.execute("DROP TABLE \(table)")
            }
        }
        try session.execute("CREATE TABLE \(table) AS SELECT * FROM \(now)")
    }

    /// The rows of `now` that `then` does not hold, repeats counted.
    static func newRows(now: String, then: String) -> String {
        "(\(now)\n) EXCEPT ALL (\(then)\n)"
    }

    static func write(_ context: WriteContext) throws -> Int64 {
        if context.rebuilds { return try replaceAll(context) }
        let session = context.session
        switch context.scope {
        case .changedRows, .keys:
            return Int64(try session.execute("INSERT INTO \(context.target) BY NAME SELECT * FROM \(context.result)"))
        case .whole:
            // A row twice in the result and once in the table is added once.
            let list = context.columns.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
            return Int64(
                try session.execute(
                    "INSERT INTO \(context.target) BY NAME (SELECT \(list) FROM \(context.result) EXCEPT ALL SELECT \(list) FROM \(context.target))"
                ))
        }
    }
}
