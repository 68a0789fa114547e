import DuckDB

/// The `tracked` kind: rows are grouped by `@unique_key`; each group's content hash (over its
/// non-key values, independent of row order, NULL distinct from '' and 'NULL') decides whether the
/// group is replaced. New and changed groups are deleted and inserted again; vanished groups are
/// deleted; unchanged groups are not touched, so a SQL change that yields the same rows pushes
/// nothing. The hash is kept in `_content_hash`.
enum TrackedKind: KindRules {
    static var keepsHistory: Bool { true }
    static var addedColumns: [SchemaEvolution.Column] { [.init(name: ContentHash.column, type: "VARCHAR")] }

    static let groups = WriteContext.scratch("groups")
    static let prepared = WriteContext.scratch("prepared")
    static let changed = WriteContext.scratch("changed")
    static let vanished = WriteContext.scratch("vanished")

    /// The result's groups with their hashes, the rows to write with their group's hash, and
    /// (unless the table is rebuilt) the changed and vanished groups.
    static func prepare(_ context: WriteContext) throws {
        let session = context.session
        let hash = SQLLiteral.identifier(ContentHash.column)
        var hashes = context.groupHashes(of: context.result)
        if let queryHashes = context.queryHashes {
            // A Starlark model keeps the hash of what its query returned for the group.
            hashes = """
                SELECT g.* EXCLUDE (\(hash)), coalesce(q.\(hash), g.\(hash)) AS \(hash) FROM (\(hashes)) g
                LEFT JOIN \(queryHashes) q ON (\(context.keyMatch("g", "q")))
                """
        }
        try session.execute("CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("groups")) AS \(hashes)")
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("prepared")) AS
            SELECT r.*, g.\(hash) FROM \(context.result) r JOIN \(groups) g ON (\(context.keyMatch("r", "g")))
            """)
        guard !context.rebuilds else { return }
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("changed")) AS SELECT \(context.keyList("g")) FROM \(groups) g
            WHERE NOT EXISTS (SELECT 1 FROM \(context.target) t WHERE \(context.keyMatch("t", "g")) AND t.\(hash) = g.\(hash))
            """)
        // A Starlark model saves only changed groups: a group has vanished when its query no longer
        // returned the key either.
        let unseen =
            context.queryHashes.map {
                " AND NOT EXISTS (SELECT 1 FROM \($0) s WHERE \(context.keyMatch("t", "s")))"
            } ?? ""
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("vanished")) AS SELECT DISTINCT \(context.keyList("t")) FROM \(context.target) t
            WHERE NOT EXISTS (SELECT 1 FROM \(groups) g WHERE \(context.keyMatch("t", "g")))\(unseen)
            """)
    }

    static func initialRows(_ context: WriteContext) throws -> String {
        "SELECT * FROM \(prepared)"
    }

    static func write(_ context: WriteContext) throws -> Int64 {
        if context.rebuilds { return try replaceAll(context, from: prepared) }
        let session = context.session
        try session.execute(
            """
            DELETE FROM \(context.target) t
            WHERE EXISTS (SELECT 1 FROM \(changed) c WHERE \(context.keyMatch("t", "c")))
               OR EXISTS (SELECT 1 FROM \(vanished) v WHERE \(context.keyMatch("t", "v")))
            """)
        return Int64(
            try session.execute(
                """
                INSERT INTO \(context.target) BY NAME SELECT p.* FROM \(prepared) p
                WHERE EXISTS (SELECT 1 FROM \(changed) c WHERE \(context.keyMatch("p", "c")))
                """))
    }
}
