import DuckDB

/// The SQL of incremental runs, made by editing the model's parsed plan and turning it back into
/// SQL with `json_deserialize_sql`, and the temporary tables of changed rows they read.
///
/// The changes of an upstream between the model's last run (`through`) and now (`current`):
/// - *new rows*: the upstream's current rows whose current version was written after `through`;
/// - *old rows*: the upstream's rows as of `through` that were updated or deleted since.
/// The upstream now is (unchanged rows + new rows) and then was (unchanged rows + old rows).
struct IncrementalQueries {
    let session: Session
    /// The model's parsed plan.
    let plan: JSONValue
    /// The model table a base table reference of the plan names.
    let resolve: (PlanTable) -> Target?
    /// The newest snapshot the model is up to date with.
    let through: Int64
    /// The snapshot the run reads.
    let current: Int64
    /// Collects the temporary tables made, for dropping after the run.
    let scratch: ScratchTables

    /// A plan edit that cannot be turned back into SQL, or a plan that does not survive the trip.
    struct NotRewritable: Error {}

    /// Whether the plan turns back into SQL that parses to the same plan, so edits of it say what
    /// they mean. Checked once per run before any rewrite is used.
    func roundTrips() throws -> Bool {
        let text = try sql(plan)
        let again = try session.connection.scalar("SELECT json_serialize_sql(\(SQLLiteral.quote(text)))")?.string
        guard let again, let reparsed = try? JSONValue.parse(again) else { return false }
        return PlanTree.withoutPositions(reparsed) == PlanTree.withoutPositions(plan)
    }

    /// The SQL of a plan. Parser positions are left out: they only serve error messages, and
    /// positions the parser writes as "none" do not fit the numbers ``JSONValue`` keeps exact.
    func sql(_ tree: JSONValue) throws -> String {
        let text = PlanTree.withoutPositions(tree).text
        guard let sql = try session.connection.scalar("SELECT json_deserialize_sql(\(SQLLiteral.quote(text)))")?.string
        else { throw NotRewritable() }
        return sql
    }

    /// Whether `upstream`'s columns (names or types) differ now from what they were at `through`.
    func columnsChanged(of upstream: Target) throws -> Bool {
        let now = try SchemaEvolution.columns(
            session, database: session.catalog, schema: upstream.schema, table: upstream.table)
        guard
            let then = try? session.query("DESCRIBE SELECT * FROM \(qualified(upstream)) AT (VERSION => \(through))")
                .allRows()
        else { return true }
        let before = then.compactMap { row -> SchemaEvolution.Column? in
            guard let name = row[0].string, let type = row[1].string else { return nil }
            return SchemaEvolution.Column(name: name, type: type)
        }
        return before != now
    }

    /// Loads the new rows of `upstream` into the temporary table `name`.
    func loadNewRows(of upstream: Target, into name: String) throws {
        let table = qualified(upstream)
        let columns = try SchemaEvolution.columns(
            session, database: session.catalog, schema: upstream.schema, table: upstream.table)
        let rows: String
        if columns.contains(where: { $0.name.lowercased() == Self.rowSnapshotColumn }) {
            // A column of the table's own hides DuckLake's row snapshot: find the rows by rowid.
            rows = "rowid IN (SELECT rowid FROM \(changes(of: upstream, ["insert", "update_postimage"])))"
        } else {
            // Only the files written in the range are scanned.
            rows = "\(Self.rowSnapshotColumn) BETWEEN \(through + 1) AND \(current)"
        }
        try session.execute(
            "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(name)) AS SELECT * FROM \(table) AT (VERSION => \(current)) WHERE \(rows)"
        )
    }

    /// Loads the old rows of `upstream` into the temporary table `name`.
    func loadOldRows(of upstream: Target, into name: String) throws {
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(name)) AS SELECT * FROM \(qualified(upstream)) AT (VERSION => \(through))
            WHERE rowid IN (SELECT rowid FROM \(changes(of: upstream, ["update_preimage", "delete"])))
            """)
    }

    /// The model's query with `upstream` replaced by the temporary table `table`.
    func substituted(_ upstream: Target, with table: String) throws -> String {
        try sql(PlanRewriter.substituting(plan, target: upstream, with: table, resolve: resolve))
    }

    /// The model's query as it read its inputs at the last run: every model table as of `through`.
    func asOfLastRun(_ targets: Set<Target>) throws -> String {
        try sql(PlanRewriter.timeTravelling(plan, targets: targets, version: through, resolve: resolve))
    }

    /// The keys (values of `keys`) of the groups the changes of `changed` touch, old and new
    /// images both: `SELECT DISTINCT keys` over the query's `FROM … WHERE` with the changed table
    /// replaced by its old rows (the other changed tables as they were) and by its new rows (the
    /// other tables as they are).
    func touchedKeys(keys: [String], changed: [Target]) throws -> String {
        var parts: [String] = []
        for (index, upstream) in changed.enumerated() {
            let old = scratch.name("old_rows_\(index)")
            let new = scratch.name("new_rows_\(index)")
            try loadOldRows(of: upstream, into: old)
            try loadNewRows(of: upstream, into: new)
            let others = Set(changed).subtracting([upstream])
            for (table, asOfThen) in [(old, true), (new, false)] {
                var tree = PlanRewriter.substituting(plan, target: upstream, with: table, resolve: resolve)
                if asOfThen && !others.isEmpty {
                    tree = PlanRewriter.timeTravelling(tree, targets: others, version: through, resolve: resolve)
                }
                guard let keysTree = PlanRewriter.keysQuery(tree, keys: keys, changedTable: table) else {
                    throw NotRewritable()
                }
                parts.append("(\(try sql(keysTree)))")
            }
        }
        return parts.joined(separator: " UNION ")
    }

    /// The model's query restricted to the groups whose keys are in the temporary table
    /// `keysTable`: the condition goes into the query's own `WHERE`, before grouping, so only those
    /// groups are computed. Groups with a NULL key are always computed, so a full recompute's
    /// key error is not hidden.
    func restrictedToKeys(_ keys: [String], keysTable: String) throws -> String {
        guard let expressions = PlanRewriter.keyExpressions(plan, keys: keys) else { throw NotRewritable() }
        let placeholders = keys.indices.map { "__ondatra_key_\($0)" }
        let tuple = placeholders.map(SQLLiteral.identifier).joined(separator: ", ")
        let columns = keys.map(SQLLiteral.identifier).joined(separator: ", ")
        let nulls = placeholders.map { "\(SQLLiteral.identifier($0)) IS NULL" }.joined(separator: " OR ")
        let conditionSQL = "SELECT 1 WHERE (\(tuple)) IN (SELECT \(columns) FROM \(keysTable)) OR \(nulls)"
        guard
            let parsed = try session.connection.scalar("SELECT json_serialize_sql(\(SQLLiteral.quote(conditionSQL)))")?
                .string,
            let condition = try PlanRewriter.topNode(JSONValue.parse(parsed))?["where_clause"]
        else { throw NotRewritable() }
        let bound = PlanRewriter.substitutingColumns(
            condition, Dictionary(uniqueKeysWithValues: zip(placeholders, expressions)))
        guard let tree = PlanRewriter.addingCondition(plan, bound) else { throw NotRewritable() }
        return try sql(tree)
    }

    /// The column DuckLake gives every row: the snapshot that wrote its current version.
    static let rowSnapshotColumn = "snapshot_id"

    private func qualified(_ target: Target) -> String {
        SQLLiteral.qualified([session.catalog, target.schema, target.table])
    }

    /// `ducklake_table_changes` of `upstream` in the run's range, of the given change types.
    private func changes(of upstream: Target, _ types: [String]) -> String {
        """
        ducklake_table_changes(\(SQLLiteral.quote(session.catalog)), \(SQLLiteral.quote(upstream.schema)), \
        \(SQLLiteral.quote(upstream.table)), \(through + 1), \(current)) WHERE change_type IN (\(types.map(SQLLiteral.quote).joined(separator: ", ")))
        """
    }
}

/// The temporary tables a model's run makes, dropped together when it ends.
final class ScratchTables {
    private(set) var names: Set<String> = []

    /// The bare name of the scratch table `base` (`__ondatra_base`), registered for dropping.
    func name(_ base: String) -> String {
        let name = WriteContext.scratchName(base)
        names.insert(name)
        return name
    }

    /// Drops every registered table and `others`, in one call; a failed drop leaves only a
    /// temporary table behind.
    func dropAll(_ session: Session, others: [String]) {
        let all = names.union(others).sorted()
        guard !all.isEmpty else { return }
        _ = try? session.execute(
            all.map { "DROP TABLE IF EXISTS \(SQLLiteral.qualified(["temp", "main", $0]));" }.joined(separator: " "))
        names = []
    }
}
