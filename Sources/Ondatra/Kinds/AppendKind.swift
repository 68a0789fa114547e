import DuckDB

/// The `append` kind: each run inserts the rows that are new in the query's result since the
/// model's last run, as a multiset (result now minus result then). Rows already appended are never
/// changed or removed. The materializer computes which rows are new (``ResultScope/changedRows``);
/// when it cannot know the result of the last run (a source outside the catalog), it hands over
/// the whole result and only rows not already in the table are added, repeats counted.
enum AppendKind: KindRules {
    static var keepsHistory: Bool { true }
    static var followsChanges: Bool { true }

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
