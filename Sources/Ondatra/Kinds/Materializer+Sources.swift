import DuckDB

/// Where a model's result comes from: its query as written, a rewrite that reads only what changed
/// upstream, or (for partition models) the partitions that differ.
extension Materializer {
    /// The SQL that builds the result, and for partition models the query of touched partition keys.
    struct SourcePlan {
        let sql: String
        let touched: String?
        var isRewritten: Bool = false
    }

    /// Runs the plan into the result table; returns its row count and, for partition plans, how
    /// many partitions were touched.
    func buildResult(_ plan: SourcePlan) throws -> (rows: Int64, touched: Int64?) {
        guard let touched = plan.touched else {
            let rows = try session.createTableAs(
                "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS \(plan.sql)")
            return (rows, nil)
        }
        let partitions = try session.createTableAs(
            "CREATE OR REPLACE TEMP TABLE \(TrackedWriter.name(PartitionWriter.touched)) AS \(touched)")
        let match = ContentHash.keysMatch(model.directives.uniqueKey, "s", "p")
        let rows = try session.createTableAs(
            """
            CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS SELECT s.* FROM (\(plan.sql)) s
            WHERE EXISTS (SELECT 1 FROM \(PartitionWriter.touched) p WHERE \(match))
            """)
        return (rows, partitions)
    }

    /// What a run reads, decided from the catalog state alone (no queries).
    enum Source {
        /// Nothing the model reads changed since its last commit: there is nothing to do.
        case unchanged
        /// The model's query as written.
        case query
        /// The full query of an incremental run that has no change feed to follow.
        case fullIncremental
        /// The rows of `upstream` written in `from...to`, read in place of `reference`.
        case delta(reference: TableReferences.Table, upstream: Target, from: Int64, to: Int64)
        /// The rows a Starlark model saves.
        case script
    }

    func source(exists: Bool) -> Source {
        if model.language == .starlark { return .script }
        if !libCalls.isEmpty { return .query }
        let incremental = exists && decision.runType == .incremental
        if incremental && decision.reads == .nothing { return .unchanged }
        guard incremental, [.append, .merge, .partition].contains(model.kind), let recorded = state.commits[target]
        else { return .query }
        // A changed source file is read in full; so is a model without a catalog table to follow.
        let followed =
            decision.reads == .changes
            ? references.firstModelTable(catalog: session.catalog, models: modelTargets) : nil
        guard let (reference, upstream) = followed else { return .fullIncremental }
        let from = recorded.processedThrough + 1
        let to = state.currentSnapshot
        if from > to || (state.commits[upstream]?.snapshot ?? 0) < from { return .unchanged }
        return .delta(reference: reference, upstream: upstream, from: from, to: to)
    }

    /// The model's SQL; for incremental runs of append and merge, rewritten to read only the rows
    /// of its first catalog table written since this model's last commit (each in its current
    /// version); for partition, the partitions that any change touched.
    func sourcePlan(_ source: Source) throws -> SourcePlan {
        let reference: TableReferences.Table
        let upstream: Target
        let from: Int64
        let to: Int64
        switch source {
        case .unchanged, .query, .script: return SourcePlan(sql: model.body, touched: nil)
        case .fullIncremental: return try fullPlan(incremental: true)
        case .delta(let table, let target, let first, let last):
            (reference, upstream, from, to) = (table, target, first, last)
        }
        let delta: DeltaRewriter.Delta
        if model.kind == .partition {
            // Deletions and old images too: a row that left a partition touches it.
            delta = .changes(["insert", "update_postimage", "update_preimage", "delete"])
        } else {
            // A column of the upstream's own named snapshot_id hides DuckLake's row column.
            let upstreamColumns = try SchemaEvolution.columns(
                session, database: session.catalog, schema: upstream.schema, table: upstream.table)
            guard !upstreamColumns.contains(where: { $0.name.lowercased() == DeltaRewriter.rowSnapshotColumn }) else {
                return try fullPlan(incremental: true)
            }
            delta = .currentRows
        }
        guard
            let rewritten = DeltaRewriter.rewrite(
                model.body, reference: reference, catalog: session.catalog, target: upstream, fromSnapshot: from,
                toSnapshot: to, delta: delta)
        else { return try fullPlan(incremental: true) }
        if model.kind == .partition {
            let keys = model.directives.uniqueKey.map(SQLLiteral.identifier).joined(separator: ", ")
            return SourcePlan(
                sql: model.body, touched: "SELECT DISTINCT \(keys) FROM (\(rewritten))", isRewritten: true)
        }
        return SourcePlan(sql: rewritten, touched: nil, isRewritten: true)
    }

    /// The full query, for runs that cannot follow a change feed. An incremental partition run
    /// still replaces only the partitions whose content differs from the table's.
    func fullPlan(incremental: Bool, body: String? = nil) throws -> SourcePlan {
        let body = body ?? model.body
        guard incremental && model.kind == .partition else { return SourcePlan(sql: body, touched: nil) }
        let touched = try changedPartitionsQuery(body: body)
        return SourcePlan(sql: "SELECT * FROM \(WriteContext.scratch("full"))", touched: touched)
    }

    /// Partition keys whose rows differ between the model's full result and the table (or that
    /// exist on one side only), compared by content hash.
    func changedPartitionsQuery(body: String) throws -> String {
        let full = WriteContext.scratch("full")
        try session.execute("CREATE OR REPLACE TEMP TABLE \(TrackedWriter.name(full)) AS \(body)")
        let columns = try SchemaEvolution.columns(session, database: "temp", schema: "main", table: "__ondatra_full")
        let context = WriteContext(
            session: session, target: qualifiedTarget, result: full, columns: columns, keys: model.directives.uniqueKey,
            runType: decision.runType)
        let keys = context.keyList()
        return """
            SELECT \(keys) FROM ((\(TrackedWriter.groupHashes(context, of: full))) EXCEPT (\(TrackedWriter.groupHashes(context, of: qualifiedTarget))))
            UNION SELECT \(keys) FROM ((\(TrackedWriter.groupHashes(context, of: qualifiedTarget))) EXCEPT (\(TrackedWriter.groupHashes(context, of: full))))
            """
    }
}
