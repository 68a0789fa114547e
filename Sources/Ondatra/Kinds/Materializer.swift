import DuckDB
import Foundation

/// Builds one model's result and writes it into its target according to the model's kind, in
/// one DuckLake transaction whose commit carries the run's metadata.
struct Materializer {
    let session: Session
    let model: Model
    let decision: RunDecision
    let hash: String
    /// The fingerprint of the files the model reads, recorded with the commit; nil when it reads none.
    let filesFingerprint: String?
    let dependencies: [Target]
    let references: TableReferences
    let state: CatalogState
    let modelTargets: Set<Target>
    let runID: String
    /// Watermarks of models that ran earlier in this run and wrote nothing, for this model's commit.
    var watermarks: [Target: CatalogState.Watermark] = [:]

    /// The temporary table the model's SQL runs into before anything is written.
    static let resultTable = "__ondatra_result"

    struct Outcome {
        var rows: Int64
        var warnings: [String]
        /// The commit made, or nil when nothing was written.
        var commit: CommitMessage?
        /// The snapshot of the commit, when known (saves reading it again).
        var snapshot: Int64? = nil
    }

    private var target: Target { model.target }
    private var qualifiedTarget: String { SQLLiteral.qualified([session.catalog, target.schema, target.table]) }
    private var result: String { SQLLiteral.qualified(["temp", "main", Self.resultTable]) }

    func run() throws -> Outcome {
        if model.kind == .events { return try EventsTable.materialize(self) }
        var warnings: [String] = []
        let exists = state.tables.contains(target)
        let plan: SourcePlan
        switch try sourcePlan(exists: exists) {
        case .nothingChanged: return Outcome(rows: 0, warnings: [], commit: nil)
        case .plan(let found): plan = found
        }
        defer {
            let scratch = [
                "groups", "prepared", "changed", "vanished", "scd2_changed", "scd2_vanished", "touched", "full",
            ].map(WriteContext.scratch)
            // One call for all of them; a failed drop leaves only a temporary table behind.
            _ = try? session.execute((scratch + [result]).map { "DROP TABLE IF EXISTS \($0);" }.joined(separator: " "))
        }
        do {
            try buildResult(plan)
        } catch let error as OndatraError where plan.isRewritten {
            warnings.append("incremental query failed (\(error.message)); ran the full query instead")
            try buildResult(fullPlan(incremental: true))
        }
        let columns = try SchemaEvolution.columns(session, database: "temp", schema: "main", table: Self.resultTable)
        try validate(columns)
        // Constraints look at the result before anything is written; warnings are only reported.
        let directives = model.directives
        if let failure = try ModelChecks.failures(
            directives.constraints, table: result, session: session, file: model.path
        ).first {
            throw OndatraError(.query, "constraint " + failure)
        }
        warnings += try ModelChecks.failures(directives.warnings, table: result, session: session, file: model.path)
        let resultRows = try session.connection.scalar("SELECT count(*) FROM \(result)")?.int64 ?? 0
        var runType = decision.runType
        if exists, let changed = try changedKeyType(columns) {
            // Rows cannot be matched across a key type change: rebuild the table.
            runType = .backfill
            warnings.append("key column \(changed) changed type: rebuilt the table")
        }
        let context = WriteContext(
            session: session, target: qualifiedTarget, result: result, columns: columns,
            keys: model.directives.uniqueKey,
            runType: runType)
        let lineage = references.lineage
        if exists && runType == .incremental && resultRows == 0 && model.kind != .tracked
            && model.kind != .scd2
            && (model.kind != .partition || plan.touched == nil)
        {
            return Outcome(rows: 0, warnings: warnings, commit: nil)
        }
        if exists && model.kind == .partition && runType == .incremental,
            try session.connection.scalar("SELECT count(*) FROM \(PartitionWriter.touched)")?.int64 == 0
        {
            return Outcome(rows: 0, warnings: warnings, commit: nil)
        }

        try session.ensureSchema(target.schema)
        try KindWriter.prepare(model.kind, context, exists: exists)
        let wanted = columns + KindWriter.addedColumns(model.kind)
        let started = Date()
        var rows: Int64 = 0
        var made: CommitMessage?
        let snapshot = try session.transaction { session in
            if exists {
                let current = try SchemaEvolution.columns(
                    session, database: session.catalog, schema: target.schema, table: target.table)
                if let note = try SchemaEvolution.apply(
                    session, qualifiedTarget: qualifiedTarget, current: current, wanted: wanted,
                    previousLineage: state.commits[target]?.lineage ?? [:], lineage: lineage)
                {
                    warnings.append(note)
                }
                rows = try KindWriter.write(model.kind, context)
            } else {
                rows = try KindWriter.create(model.kind, context)
            }
            // Audits look at the written table inside the transaction: a failure rolls it all back.
            if let failure = try ModelChecks.failures(
                model.directives.audits, table: qualifiedTarget, session: session, file: model.path
            ).first {
                throw OndatraError(.query, "audit " + failure + "; the write was rolled back")
            }
            let message = commitMessage(
                rows: rows, columns: wanted, started: started, runType: runType, lineage: lineage)
            made = message
            return message
        }
        return Outcome(rows: rows, warnings: warnings, commit: snapshot == nil ? nil : made, snapshot: snapshot)
    }

    func commitMessage(
        rows: Int64, columns: [SchemaEvolution.Column], started: Date, runType: RunType? = nil,
        lineage: [String: String] = [:]
    ) -> CommitMessage {
        let runType = runType ?? decision.runType
        return CommitMessage(
            message: "\(target) \(runType.rawValue)",
            extraInfo: [
                "model": .string(target.description), "model_hash": .string(hash), "kind": .string(model.kind.rawValue),
                "run_type": .string(runType.rawValue), "rows_affected": .int(rows),
                "lineage": .object(lineage.mapValues(JSONValue.string)),
                "columns": .array(columns.map { .object(["name": .string($0.name), "type": .string($0.type)]) }),
                "dependencies": .array(dependencies.map { .string($0.description) }), "run_id": .string(runID),
                "duration_ms": .int(Int64(Date().timeIntervalSince(started) * 1000)),
            ].merging(filesFingerprint.map { ["source_files": .string($0)] } ?? [:]) { first, _ in first }
                .merging(
                    watermarks.isEmpty
                        ? [:]
                        : [
                            CatalogState.watermarksKey: .object(
                                Dictionary(
                                    uniqueKeysWithValues: watermarks.map { ($0.key.description, $0.value.json) }))
                        ]
                ) { first, _ in first })
    }

    /// The SQL that builds the result, and for partition models the query of touched partition keys.
    struct SourcePlan {
        let sql: String
        let touched: String?
        var isRewritten: Bool = false
    }

    private enum PlanOutcome {
        case plan(SourcePlan)
        case nothingChanged
    }

    private func buildResult(_ plan: SourcePlan) throws {
        if let touched = plan.touched {
            try session.execute(
                "CREATE OR REPLACE TEMP TABLE \(TrackedWriter.name(PartitionWriter.touched)) AS \(touched)")
            let keys = WriteContext(
                session: session, target: qualifiedTarget, result: result, columns: [],
                keys: model.directives.uniqueKey,
                runType: decision.runType)
            try session.execute(
                """
                CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS SELECT s.* FROM (\(plan.sql)) s
                WHERE EXISTS (SELECT 1 FROM \(PartitionWriter.touched) p WHERE \(keys.keyMatch("s", "p")))
                """)
        } else {
            try session.execute(
                "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS \(plan.sql)")
        }
    }

    /// The model's SQL; for incremental runs of append and merge, rewritten to read only what
    /// changed in its first catalog table since this model's last commit; for partition, the
    /// partitions that change touched.
    private func sourcePlan(exists: Bool) throws -> PlanOutcome {
        let incremental = exists && decision.runType == .incremental
        if incremental && decision.reads == .nothing { return .nothingChanged }
        guard incremental, [.append, .merge, .partition].contains(model.kind), let recorded = state.commits[target]
        else {
            return .plan(SourcePlan(sql: model.body, touched: nil))
        }
        let keys = model.directives.uniqueKey.map(SQLLiteral.identifier).joined(separator: ", ")
        // A changed source file is read in full; so is a model without a catalog table to follow.
        let followed =
            decision.reads == .changes
            ? references.firstModelTable(catalog: session.catalog, models: modelTargets) : nil
        guard let (reference, upstream) = followed else { return .plan(try fullPlan(incremental: true)) }
        let from = recorded.processedThrough + 1
        let to = state.currentSnapshot
        if from > to || (state.commits[upstream]?.snapshot ?? 0) < from { return .nothingChanged }
        let types =
            model.kind == .partition
            ? ["insert", "update_postimage", "update_preimage", "delete"] : ["insert", "update_postimage"]
        guard
            let rewritten = DeltaRewriter.rewrite(
                model.body, reference: reference, catalog: session.catalog, target: upstream, fromSnapshot: from,
                toSnapshot: to,
                changeTypes: types)
        else { return .plan(try fullPlan(incremental: true)) }
        if model.kind == .partition {
            return .plan(
                SourcePlan(sql: model.body, touched: "SELECT DISTINCT \(keys) FROM (\(rewritten))", isRewritten: true))
        }
        return .plan(SourcePlan(sql: rewritten, touched: nil, isRewritten: true))
    }

    /// The full query, for runs that cannot follow a change feed. An incremental partition run
    /// still replaces only the partitions whose content differs from the table's.
    private func fullPlan(incremental: Bool) throws -> SourcePlan {
        guard incremental && model.kind == .partition else { return SourcePlan(sql: model.body, touched: nil) }
        let touched = try changedPartitionsQuery()
        return SourcePlan(sql: "SELECT * FROM \(WriteContext.scratch("full"))", touched: touched)
    }

    /// Partition keys whose rows differ between the model's full result and the table (or that
    /// exist on one side only), compared by content hash.
    private func changedPartitionsQuery() throws -> String {
        let full = WriteContext.scratch("full")
        try session.execute("CREATE OR REPLACE TEMP TABLE \(TrackedWriter.name(full)) AS \(model.body)")
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

    /// A key column whose type differs between the target and the new result, if any.
    private func changedKeyType(_ columns: [SchemaEvolution.Column]) throws -> String? {
        guard !model.directives.uniqueKey.isEmpty else { return nil }
        let current = try SchemaEvolution.columns(
            session, database: session.catalog, schema: target.schema, table: target.table)
        for key in model.directives.uniqueKey {
            let old = current.first { $0.name.lowercased() == key.lowercased() }
            let new = columns.first { $0.name.lowercased() == key.lowercased() }
            if let old, let new, old.type != new.type { return "\(key) (\(old.type) → \(new.type))" }
        }
        return nil
    }

    private func validate(_ columns: [SchemaEvolution.Column]) throws {
        if let reserved = columns.first(where: { $0.name.lowercased().hasPrefix("__ondatra_") }) {
            throw OndatraError(.query, "column \(reserved.name) uses the reserved prefix __ondatra_", file: model.path)
        }
        let names = Set(columns.map { $0.name.lowercased() })
        for key in model.directives.uniqueKey {
            guard names.contains(key.lowercased()) else {
                throw OndatraError(
                    .query,
                    "@unique_key column \(key) is not in the model's output (columns: \(columns.map(\.name).joined(separator: ", ")))",
                    file: model.path)
            }
        }
        guard !model.directives.uniqueKey.isEmpty else { return }
        // One pass over the result: NULL counts per key column, and (for kinds with one row per
        // key) how many key values repeat.
        let keys = model.directives.uniqueKey
        let keyList = keys.map(SQLLiteral.identifier).joined(separator: ", ")
        let oneRowPerKey = model.kind == .merge || model.kind == .scd2
        let nullCounts = keys.map { "count(*) FILTER (WHERE \(SQLLiteral.identifier($0)) IS NULL)" }
        let duplicates = oneRowPerKey ? "count(*) - count(DISTINCT (\(keyList)))" : "0"
        let counts = try session.connection.rows(
            "SELECT \(duplicates), \(nullCounts.joined(separator: ", ")) FROM \(result)")
        let values = counts.first ?? []
        for (index, key) in keys.enumerated() {
            let nulls = values.count > index + 1 ? values[index + 1].int64 ?? 0 : 0
            if nulls > 0 {
                throw OndatraError(
                    .query, "@unique_key column \(key) has \(nulls) NULL value(s); key columns must not be NULL",
                    file: model.path)
            }
        }
        let repeated = values.first?.int64 ?? 0
        if repeated > 0 {
            throw OndatraError(
                .query,
                "@unique_key (\(keys.joined(separator: ", "))) has \(repeated) duplicate key value(s); a \(model.kind.rawValue) model needs one row per key",
                file: model.path)
        }
    }
}
