import DuckDB

/// The `merge` kind: upserts the result by `@unique_key` and never deletes. Only rows whose
/// non-key values differ are updated, so an unchanged row makes no change events and is never
/// pushed again. Whatever the result holds (everything, changed rows, or every row of some keys),
/// the write is the same upsert.
enum MergeKind: ChangeFollowingKind {
    static var keepsHistory: Bool { true }
    static var oneRowPerKey: Bool { true }
    static var recomputesByKey: Bool { true }
    static var emptyResultWritesNothing: Bool { true }

    /// The query over the new rows: every result row the changes can have made or changed. Rows
    /// the old rows made are not removed, since merge never deletes.
    static func deltaResult(_ delta: DeltaRun) throws -> Materializer.BuiltResult {
        let rows = try delta.createResult(delta.overNewRows)
        return .init(scope: .changedRows, nothingToWrite: rows == 0)
    }

    static func write(_ context: WriteContext) throws -> Int64 {
        if context.rebuilds { return try replaceAll(context) }
        return Int64(try context.session.execute(mergeStatement(context)))
    }

    /// `MERGE` that updates only rows whose non-key values differ.
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
