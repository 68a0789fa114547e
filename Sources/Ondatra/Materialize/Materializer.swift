import DuckDB
import Foundation

/// Runs one model: builds its result (``ResultPlan``), checks it, evolves the table's schema and
/// hands the write to its kind's rules (``KindRules``), all in one DuckLake transaction whose
/// commit carries the run's ``CommitMetadata``. It orchestrates; what each kind does lives in
/// `Kinds/`, and how an incremental run reads its inputs in `Incremental/`.
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
    var watermarks: [Target: CommitMetadata.Watermark] = [:]
    /// Runs Starlark models; nil when the host is not available.
    var scripts: ScriptHost?
    /// The table's storage hints and comments as the catalog holds them (nothing when it does not exist).
    var currentSettings = TableSettings()
    /// Whether an `events` model takes its buffered events in (false for `sandbox`, which must
    /// leave the buffer as it is).
    var flushesEvents = true
    /// The temporary tables this run makes.
    let scratch = ScratchTables()
    /// The file a model reading lib functions stages their rows in and builds its result in
    /// (``StagingDatabase``); nil for other models, whose result is a temporary table.
    private(set) var staging: StagingDatabase?

    /// The temporary table the model's SQL runs into before anything is written.
    static let resultTable = "__ondatra_result"

    /// What a model's run did.
    struct Outcome {
        var rows: Int64
        var warnings: [String]
        /// The commit made, or nil when nothing was written.
        var commit: CommitMetadata?
        /// The snapshot of the commit, when known (saves reading it again).
        var snapshot: Int64? = nil
        /// How an incremental run read its inputs (see ``ModelResult/strategy``).
        var strategy: String? = nil
        /// A tracked Starlark model's saved queries, kept for a run that made no commit.
        var savedQueries: [String]? = nil
        /// Why the run found nothing to do (an `events` model with no buffered events): it is
        /// reported as a skip; nil when it did its work.
        var skipReason: String? = nil
        /// The table's storage hints and comments after the commit; nil when the run left them as they were.
        var settings: TableSettings? = nil
    }

    var target: Target { model.target }
    var qualifiedTarget: String { SQLLiteral.qualified([session.catalog, target.schema, target.table]) }
    var result: String { SQLLiteral.qualified([resultCatalog, "main", Self.resultTable]) }
    /// The database the result table is in: the staging file or `temp`.
    var resultCatalog: String { staging?.catalog ?? "temp" }

    /// `CREATE OR REPLACE … TABLE` for table `name` beside the result (DuckDB makes a table in
    /// `temp` only when it is told `TEMP`).
    func createTable(_ name: String) -> String {
        staging == nil
            ? "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(name))"
            : "CREATE OR REPLACE TABLE \(SQLLiteral.qualified([resultCatalog, "main", name]))"
    }

    /// What the preparation found: the write's context, the target's columns before the write and
    /// whether there is anything to write.
    private struct Prepared {
        var context: WriteContext
        /// The target's columns before this run; empty when it does not exist yet.
        var current: [SchemaEvolution.Column]
        var warnings: [String]
        /// False when an incremental run found nothing to write into the table.
        var writesTable: Bool
        /// False when the run writes nothing at all (neither the table nor a kept result).
        var writes: Bool
        /// A tracked Starlark model's saved queries, for the commit.
        var savedQueries: [String]?
        /// The built result, for what the write keeps besides the table.
        var built: BuiltResult?
    }

    /// A rewritten (incremental) query failed; the full query runs instead.
    struct RewrittenQueryFailed: Error {
        let underlying: OndatraError
    }

    func run() throws -> Outcome {
        try loadExtensions()
        if model.kind == .events { return try EventsTable.materialize(self) }
        try checkMasks()
        let exists = state.tables.contains(target)
        defer {
            let fixed = WriteContext.scratchNames.map(WriteContext.scratchName)
            scratch.dropAll(session, others: fixed + [Self.resultTable])
        }
        let plan = try resultPlan(exists: exists)
        if case .nothing = plan { return Outcome(rows: 0, warnings: [], commit: nil) }
        if case .libCalls = plan {
            var staged = self
            staged.staging = try StagingDatabase(session: session)
            defer { staged.staging?.discard() }
            return try staged.materialize(exists: exists, plan: plan)
        }
        return try materialize(exists: exists, plan: plan)
    }

    /// Materializes the model by `plan`, by its full query when an incremental rewrite failed.
    private func materialize(exists: Bool, plan: ResultPlan) throws -> Outcome {
        // Outside the transaction, so a rollback cannot leave the session believing in a schema
        // that was never created.
        if !exists { try session.ensureSchema(target.schema) }
        let incremental = exists && decision.runType == .incremental
        do {
            var outcome = try materialize(exists: exists, plan: plan, rewrites: true)
            outcome.strategy = incremental ? plan.strategyName : nil
            return outcome
        } catch let failure as RewrittenQueryFailed {
            var outcome = try materialize(exists: exists, plan: .full, rewrites: false)
            outcome.warnings.insert(
                "incremental query failed (\(failure.underlying.message)); ran the full query instead", at: 0)
            outcome.strategy = incremental ? ResultPlan.full.strategyName : nil
            return outcome
        }
    }

    /// Builds, checks and writes the result in one transaction: every transaction that reads the
    /// catalog first fetches its snapshot from the metadata store, so one per model beats one per
    /// statement. A model reading lib functions builds its result just before, in the staging
    /// file. A run with nothing to write commits no changes and makes no snapshot.
    private func materialize(exists: Bool, plan: ResultPlan, rewrites: Bool) throws -> Outcome {
        var outcome = Outcome(rows: 0, warnings: [], commit: nil)
        let started = Date()
        let lineage = references.lineage
        let build = {
            try buildResult(plan, exists: exists, incremental: try incrementalState(exists: exists), rewrites: rewrites)
        }
        // A transaction writes to one attached database only: what goes into the staging file
        // (lib functions' rows, the result) is written first, in a transaction of its own, and
        // the DuckLake transaction only reads it. Nil when not staged (built in the transaction).
        let staged = try staging.map { try $0.transaction(build) }
        let snapshot = try session.transaction { session -> CommitMessage? in
            let prepared = try prepare(exists: exists, built: try staged ?? build())
            outcome.warnings = prepared.warnings
            outcome.savedQueries = prepared.savedQueries
            guard prepared.writes else { return nil }
            let context = prepared.context
            let rules = model.kind.rules
            let wanted = context.columns + rules.addedColumns
            if exists {
                let rewritesAll = context.rebuilds || model.kind == .table
                // Hints and comments go on before the write, so its files are laid out as asked.
                if let note = try applySettings(
                    current: currentSettings, before: prepared.current, columns: wanted,
                    evolve: {
                        try SchemaEvolution.apply(
                            session, qualifiedTarget: qualifiedTarget, current: prepared.current, wanted: wanted,
                            previousLineage: state.commits[target]?.lineage ?? [:], lineage: lineage,
                            keepingOrder: rewritesAll)
                    })
                {
                    outcome.warnings.append(
                        context.rebuilds
                            ? "rebuilt the table (\(decision.reason)) with new columns: \(note)"
                            : "schema evolution: \(note)")
                }
            }
            // After schema evolution, so comparisons with the table see the columns it now has.
            try rules.prepare(context)
            if prepared.writesTable {
                outcome.rows = exists ? try rules.write(context) : try create(context, columns: wanted)
            }
            if let built = prepared.built, let now = built.wholeResultToKeep {
                let kept = AppendKind.lastResultTable(of: target)
                try AppendKind.keepResult(
                    now, in: SQLLiteral.qualified([session.catalog, kept.schema, kept.table]),
                    exists: state.tables.contains(kept), unchanged: built.sameResultAsLastRun, session: session)
            }
            // Audits look at the written table inside the transaction: a failure rolls it all back.
            if let failure = try ModelChecks.failures(
                model.directives.audits, table: qualifiedTarget, session: session, file: model.path
            ).first {
                throw OndatraError(.query, "audit " + failure + "; the write was rolled back")
            }
            var metadata = metadata(
                rows: outcome.rows, columns: wanted, started: started, runType: context.runType, lineage: lineage)
            metadata.savedQueries = prepared.savedQueries
            outcome.commit = metadata
            outcome.settings = TableSettings(model: model)
            return metadata.commitMessage
        }
        if snapshot == nil { outcome.commit = nil }
        outcome.snapshot = snapshot
        return outcome
    }

    /// Checks the `built` result (nil when a Starlark model or lib function called `abort()`).
    /// Writes nothing to the catalog.
    private func prepare(exists: Bool, built: BuiltResult?) throws -> Prepared {
        guard let built else {
            return Prepared(
                context: WriteContext(
                    session: session, target: qualifiedTarget, result: result, columns: [], keys: [],
                    runType: decision.runType),
                current: [], warnings: ["aborted: nothing written"], writesTable: false, writes: false)
        }
        let columns = try SchemaEvolution.columns(
            session, database: resultCatalog, schema: "main", table: Self.resultTable)
        try validate(columns)
        // Constraints look at the result before anything is written; warnings are only reported.
        let directives = model.directives
        if let failure = try ModelChecks.failures(
            directives.constraints, table: result, session: session, file: model.path
        ).first {
            throw OndatraError(.query, "constraint " + failure)
        }
        var warnings = built.warnings
        warnings += try ModelChecks.failures(directives.warnings, table: result, session: session, file: model.path)
        let current =
            exists
            ? try SchemaEvolution.columns(
                session, database: session.catalog, schema: target.schema, table: target.table)
            : []
        var runType = decision.runType
        if exists, runType != .backfill, let changed = changedKeyType(current: current, new: columns) {
            guard !model.kind.keepsHistory else {
                throw OndatraError(
                    .query,
                    "key column \(changed) changed type: rows cannot be matched across it, and rebuilding the \(model.kind.rawValue) table would throw away what it keeps; run `ondatrasql run --full-refresh \(target)` to rebuild it from scratch",
                    file: model.path)
            }
            // Rows cannot be matched across a key type change: rebuild the table.
            runType = .backfill
            warnings.append("key column \(changed) changed type: rebuilt the table")
        }
        var context = WriteContext(
            session: session, target: qualifiedTarget, result: result, columns: columns,
            keys: model.directives.uniqueKey, runType: runType)
        context.scope = built.scope
        context.queryHashes = built.queryHashes
        let writesTable = !(exists && runType != .backfill && model.kind.rules.followsChanges && built.nothingToWrite)
        return Prepared(
            context: context, current: current, warnings: warnings, writesTable: writesTable,
            writes: writesTable || (built.wholeResultToKeep != nil && !built.sameResultAsLastRun),
            savedQueries: built.savedQueries, built: built)
    }

    /// The commit metadata of this run.
    func metadata(
        rows: Int64, columns: [SchemaEvolution.Column], started: Date, runType: RunType? = nil,
        lineage: [String: String] = [:]
    ) -> CommitMetadata {
        CommitMetadata(
            model: target.description, modelHash: hash, kind: model.kind.rawValue,
            uniqueKey: model.directives.uniqueKey, runType: (runType ?? decision.runType).rawValue,
            rowsAffected: rows, columns: columns.map { CommitMetadata.Column(name: $0.name, type: $0.type) },
            lineage: lineage, dependencies: dependencies.map(\.description), runID: runID,
            durationMs: Int64(Date().timeIntervalSince(started) * 1000), sourceFiles: filesFingerprint,
            watermarks: watermarks.isEmpty
                ? nil : Dictionary(uniqueKeysWithValues: watermarks.map { ($0.key.description, $0.value) }))
    }

    /// A key column whose type differs between the target's `current` columns and the new result, if any.
    private func changedKeyType(current: [SchemaEvolution.Column], new columns: [SchemaEvolution.Column]) -> String? {
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
        let directives = model.directives
        let named =
            directives.uniqueKey.map { ("@unique_key", $0) }
            + (directives.incremental.map { [("@incremental", $0)] } ?? [])
        for (directive, column) in named where !names.contains(column.lowercased()) {
            throw OndatraError(
                .query,
                "\(directive) column \(column) is not in the model's output (columns: \(columns.map(\.name).joined(separator: ", ")))",
                file: model.path)
        }
        guard !model.directives.uniqueKey.isEmpty else { return }
        // One pass over the result: NULL counts per key column, and (for kinds with one row per
        // key) how many key values repeat.
        let keys = model.directives.uniqueKey
        let keyList = keys.map(SQLLiteral.identifier).joined(separator: ", ")
        let nullCounts = keys.map { "count(*) FILTER (WHERE \(SQLLiteral.identifier($0)) IS NULL)" }
        let duplicates = model.kind.rules.oneRowPerKey ? "count(*) - count(DISTINCT (\(keyList)))" : "0"
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
            let examples = ModelChecks.sample(
                "SELECT \(keyList), count(*) AS \"rows\" FROM \(result) GROUP BY ALL HAVING count(*) > 1 "
                    + "ORDER BY count(*) DESC, \(keyList)",
                session: session)
            throw OndatraError(
                .query,
                "@unique_key (\(keys.joined(separator: ", "))) has \(repeated) duplicate key value(s); a \(model.kind.rawValue) model needs one row per key"
                    + (examples.isEmpty ? "" : "; for example \(examples)"),
                file: model.path)
        }
    }
}
