import DuckDB

/// The `scd2` kind (slowly changing dimension, type 2): every version of a key is kept. A key whose
/// values changed, or that vanished from the result, has its current version closed
/// (`valid_to_snapshot` set, `is_current` false); changed and new keys get a new current version
/// valid from this commit's snapshot. Closed versions are never touched again, whatever the run
/// type, except by `--full-refresh`.
enum SCD2Kind: KindRules {
    static var keepsHistory: Bool { true }
    static var oneRowPerKey: Bool { true }
    static var addedColumns: [SchemaEvolution.Column] {
        [
            .init(name: "valid_from_snapshot", type: "BIGINT"), .init(name: "valid_to_snapshot", type: "BIGINT"),
            .init(name: "is_current", type: "BOOLEAN"),
        ]
    }

    static let changed = WriteContext.scratch("scd2_changed")
    static let vanished = WriteContext.scratch("scd2_vanished")

    /// The snapshot this transaction's commit will get (the catalog numbers commits in order,
    /// and the project lock keeps other runs out).
    static func nextSnapshot(_ session: Session) throws -> Int64 {
        try session.currentSnapshot() + 1
    }

    static func prepare(_ context: WriteContext) throws {
        guard !context.rebuilds else { return }
        let session = context.session
        let differs = context.valueColumns.map {
            "t.\(SQLLiteral.identifier($0.name)) IS DISTINCT FROM r.\(SQLLiteral.identifier($0.name))"
        }
        let same = differs.isEmpty ? "true" : "NOT (" + differs.joined(separator: " OR ") + ")"
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("scd2_changed")) AS SELECT \(context.keyList("r")) FROM \(context.result) r
            WHERE NOT EXISTS (SELECT 1 FROM \(context.target) t WHERE t.is_current AND \(context.keyMatch("t", "r")) AND \(same))
            """)
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(WriteContext.scratchName("scd2_vanished")) AS SELECT \(context.keyList("t")) FROM \(context.target) t
            WHERE t.is_current AND NOT EXISTS (SELECT 1 FROM \(context.result) r WHERE \(context.keyMatch("t", "r")))
            """)
    }

    static func initialRows(_ context: WriteContext) throws -> String {
        let snapshot = try nextSnapshot(context.session)
        return """
            SELECT r.*, \(snapshot)::BIGINT AS valid_from_snapshot, NULL::BIGINT AS valid_to_snapshot,
            true AS is_current FROM \(context.result) r
            """
    }

    static func write(_ context: WriteContext) throws -> Int64 {
        let session = context.session
        let snapshot = try nextSnapshot(session)
        let versions = """
            INSERT INTO \(context.target) BY NAME SELECT r.*, \(snapshot)::BIGINT AS valid_from_snapshot,
            NULL::BIGINT AS valid_to_snapshot, true AS is_current FROM \(context.result) r
            """
        if context.rebuilds {
            try session.execute("DELETE FROM \(context.target)")
            return Int64(try session.execute(versions))
        }
        try session.execute(
            """
            UPDATE \(context.target) t SET valid_to_snapshot = \(snapshot), is_current = false
            WHERE t.is_current AND (EXISTS (SELECT 1 FROM \(changed) c WHERE \(context.keyMatch("t", "c")))
               OR EXISTS (SELECT 1 FROM \(vanished) v WHERE \(context.keyMatch("t", "v"))))
            """)
        return Int64(
            try session.execute(
                versions + " WHERE EXISTS (SELECT 1 FROM \(changed) c WHERE \(context.keyMatch("r", "c")))"))
    }
}
