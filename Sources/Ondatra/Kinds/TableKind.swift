import DuckDB

/// The `table` kind: every run that is not skipped replaces all rows with the query's result
/// (`DELETE` + `INSERT`, so the table and its snapshot chain survive). Nothing is kept between
/// runs, so a SQL, kind or key change simply rebuilds it.
enum TableKind: KindRules {
    static var keepsHistory: Bool { false }

    static func write(_ context: WriteContext) throws -> Int64 {
        try replaceAll(context)
    }
}
