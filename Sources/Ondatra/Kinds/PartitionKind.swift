import DuckDB

/// The `partition` kind: the `@unique_key` columns name a partition. A run replaces every partition
/// whose rows changed with all of that partition's current rows, and removes partitions that
/// vanished, so the table always equals the query's result. The materializer either lists the
/// touched partitions (``ResultScope/keys(_:)``, the result then holds all their rows) or hands
/// over the whole result; either way only the partitions whose content differs (by hash) are
/// replaced.
enum PartitionKind: ChangeFollowingKind {
    static var keepsHistory: Bool { false }
    static var recomputesByKey: Bool { true }
    static var emptyResultWritesNothing: Bool { false }

    /// Every partition the new or the old rows fall in, with all of its current rows.
    static func deltaResult(_ delta: DeltaRun) throws -> Materializer.BuiltResult {
        let keys = delta.keys.map(SQLLiteral.identifier).joined(separator: ", ")
        let touched =
            "SELECT DISTINCT \(keys) FROM (\(delta.overNewRows)\n) UNION SELECT DISTINCT \(keys) FROM (\(try delta.overOldRows())\n)"
        return try delta.restricted(touched) { keysTable in
            let match = ContentHash.keysMatch(delta.keys, "q", "k")
            return "SELECT q.* FROM (\(delta.query)\n) q WHERE EXISTS (SELECT 1 FROM \(keysTable) k WHERE \(match))"
        }
    }

    static let touched = WriteContext.scratch("touched")

    static func write(_ context: WriteContext) throws -> Int64 {
        if context.rebuilds { return try replaceAll(context) }
        let session = context.session
        // Partitions whose content differs, or that exist on one side only: among the touched
        // ones when the materializer listed them, else among all. An unchanged partition is left
        // alone, so a sink is not sent its rows again.
        let mine = context.groupHashes(of: context.result)
        let theirs: String
        switch context.scope {
        case .keys(let table):
            theirs = context.groupHashes(
                of:
                    "(SELECT t.* FROM \(context.target) t WHERE EXISTS (SELECT 1 FROM \(table) p WHERE \(context.keyMatch("t", "p"))))"
            )
        case .whole, .changedRows:
            theirs = context.groupHashes(of: context.target)
        }
        let keys = context.keyList()
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("touched")) AS
            SELECT \(keys) FROM ((\(mine)) EXCEPT (\(theirs))) UNION SELECT \(keys) FROM ((\(theirs)) EXCEPT (\(mine)))
            """)
        let partitions = touched
        try session.execute(
            "DELETE FROM \(context.target) t WHERE EXISTS (SELECT 1 FROM \(partitions) p WHERE \(context.keyMatch("t", "p")))"
        )
        return Int64(
            try session.execute(
                """
                INSERT INTO \(context.target) BY NAME SELECT r.* FROM \(context.result) r
                WHERE EXISTS (SELECT 1 FROM \(partitions) p WHERE \(context.keyMatch("r", "p")))
                """))
    }
}
