import DuckDB

/// The `tracked` kind: rows are grouped by `@unique_key`; each group's content hash (over its
/// non-key values, independent of row order, NULL distinct from '' and 'NULL') decides whether the
/// group is replaced. New and changed groups are deleted and inserted again; vanished groups are
/// deleted; unchanged groups are not touched.
enum TrackedWriter {
    static let hashColumn = ContentHash.column
    static let groups = WriteContext.scratch("groups")
    static let prepared = WriteContext.scratch("prepared")
    static let changed = WriteContext.scratch("changed")
    static let vanished = WriteContext.scratch("vanished")

    /// `SELECT keys, hash FROM table GROUP BY keys`: the content hash of every group in `table`.
    static func groupHashes(_ context: WriteContext, of table: String) -> String {
        ContentHash.groups(keys: context.keys, values: context.valueColumns.map(\.name), of: table)
    }

    /// The result's groups with their hashes; with `compares`, also the changed and vanished groups.
    static func prepare(_ context: WriteContext, compares: Bool) throws {
        let session = context.session
        var hashes = groupHashes(context, of: context.result)
        if let queryHashes = context.queryHashes {
            // A Starlark model keeps the hash of what its query returned for the group.
            let hash = SQLLiteral.identifier(hashColumn)
            hashes = """
                SELECT g.* EXCLUDE (\(hash)), coalesce(q.\(hash), g.\(hash)) AS \(hash) FROM (\(hashes)) g
                LEFT JOIN \(queryHashes) q ON (\(context.keyMatch("g", "q")))
                """
        }
        try session.execute("CREATE OR REPLACE TEMP TABLE \(name(groups)) AS \(hashes)")
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(name(prepared)) AS
            SELECT r.*, g.\(SQLLiteral.identifier(hashColumn)) FROM \(context.result) r JOIN \(groups) g ON (\(context.keyMatch("r", "g")))
            """)
        guard compares else { return }
        let hash = SQLLiteral.identifier(hashColumn)
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(name(changed)) AS SELECT \(context.keyList("g")) FROM \(groups) g
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
            CREATE OR REPLACE TEMP TABLE \(name(vanished)) AS SELECT DISTINCT \(context.keyList("t")) FROM \(context.target) t
            WHERE NOT EXISTS (SELECT 1 FROM \(groups) g WHERE \(context.keyMatch("t", "g")))\(unseen)
            """)
    }

    static func create(_ context: WriteContext) throws -> Int64 {
        try context.session.createTableAs("CREATE TABLE \(context.target) AS SELECT * FROM \(prepared)")
    }

    static func write(_ context: WriteContext) throws -> Int64 {
        let session = context.session
        if context.runType == .backfill || context.runType == .full {
            try session.execute("DELETE FROM \(context.target)")
            return Int64(try session.execute("INSERT INTO \(context.target) BY NAME SELECT * FROM \(prepared)"))
        }
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

    /// The bare table name of a `temp.main.x` scratch table, for `CREATE TEMP TABLE`.
    static func name(_ qualified: String) -> String {
        qualified.split(separator: ".").last.map(String.init) ?? qualified
    }
}
