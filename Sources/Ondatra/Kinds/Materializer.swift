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
    /// Runs Starlark models; nil when the host is not available.
    var scripts: ScriptHost?

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

    var target: Target { model.target }
    var qualifiedTarget: String { SQLLiteral.qualified([session.catalog, target.schema, target.table]) }
    var result: String { SQLLiteral.qualified(["temp", "main", Self.resultTable]) }

    /// What the preparation found: the result's shape, the target's columns before the write,
    /// the run type the write uses and whether there is anything to write.
    private struct Prepared {
        var context: WriteContext
        /// The target's columns before this run; empty when it does not exist yet.
        var current: [SchemaEvolution.Column]
        var warnings: [String]
        /// False when an incremental run found nothing to write.
        var writes: Bool
    }

    /// A rewritten (incremental) query failed to build; the full query runs instead.
    private struct RewrittenQueryFailed: Error {
        let underlying: OndatraError
    }

    func run() throws -> Outcome {
        if model.kind == .events { return try EventsTable.materialize(self) }
        let exists = state.tables.contains(target)
        defer {
            let scratch = [
                "groups", "prepared", "changed", "vanished", "scd2_changed", "scd2_vanished", "touched", "full",
            ].map(WriteContext.scratch)
            let libTables = libCalls.indices.map { SQLLiteral.qualified(["temp", "main", Self.libTable($0)]) }
            // One call for all of them; a failed drop leaves only a temporary table behind.
            _ = try? session.execute(
                (scratch + libTables + [result]).map { "DROP TABLE IF EXISTS \($0);" }.joined(separator: " "))
        }
        let source = source(exists: exists)
        if case .unchanged = source { return Outcome(rows: 0, warnings: [], commit: nil) }
        // Outside the transaction, so a rollback cannot leave the session believing in a schema
        // that was never created.
        if !exists { try session.ensureSchema(target.schema) }
        do {
            return try materialize(exists: exists, source: source, fullQuery: false)
        } catch let failure as RewrittenQueryFailed {
            var outcome = try materialize(exists: exists, source: source, fullQuery: true)
            outcome.warnings.insert(
                "incremental query failed (\(failure.underlying.message)); ran the full query instead", at: 0)
            return outcome
        }
    }

    /// Builds, checks and writes the result in one transaction: every transaction that reads the
    /// catalog first fetches its snapshot from the metadata store, so one per model beats one per
    /// statement. A run with nothing to write commits no changes and makes no snapshot.
    private func materialize(exists: Bool, source: Source, fullQuery: Bool) throws -> Outcome {
        var outcome = Outcome(rows: 0, warnings: [], commit: nil)
        let started = Date()
        let lineage = references.lineage
        let snapshot = try session.transaction { session -> CommitMessage? in
            let prepared = try prepare(exists: exists, source: source, fullQuery: fullQuery)
            outcome.warnings = prepared.warnings
            guard prepared.writes else { return nil }
            let context = prepared.context
            let wanted = context.columns + KindWriter.addedColumns(model.kind)
            if exists {
                if let note = try SchemaEvolution.apply(
                    session, qualifiedTarget: qualifiedTarget, current: prepared.current, wanted: wanted,
                    previousLineage: state.commits[target]?.lineage ?? [:], lineage: lineage)
                {
                    outcome.warnings.append(note)
                }
            }
            // After schema evolution, so comparisons with the table see the columns it now has.
            try KindWriter.prepare(model.kind, context, exists: exists)
            outcome.rows =
                exists ? try KindWriter.write(model.kind, context) : try KindWriter.create(model.kind, context)
            // Audits look at the written table inside the transaction: a failure rolls it all back.
            if let failure = try ModelChecks.failures(
                model.directives.audits, table: qualifiedTarget, session: session, file: model.path
            ).first {
                throw OndatraError(.query, "audit " + failure + "; the write was rolled back")
            }
            let message = commitMessage(
                rows: outcome.rows, columns: wanted, started: started, runType: context.runType, lineage: lineage)
            outcome.commit = message
            return message
        }
        if snapshot == nil { outcome.commit = nil }
        outcome.snapshot = snapshot
        return outcome
    }

    /// Builds the result and checks it. Writes nothing to the catalog.
    /// - Parameter fullQuery: run the full query (after the incremental one failed).
    private func prepare(exists: Bool, source: Source, fullQuery: Bool) throws -> Prepared {
        let built: (rows: Int64, touched: Int64?)
        var queryHashes: String?
        let incremental = try incrementalState(exists: exists)
        if case .script = source {
            let outcome = try runScript(exists: exists, incremental: incremental)
            if outcome.aborted { return aborted }
            built = (outcome.rows, nil)
            queryHashes = outcome.queryHashes
        } else {
            let plan: SourcePlan
            let calls = libCalls
            if !calls.isEmpty {
                // Lib functions read an API: fetch, then run the query over what came back.
                guard let body = try fetchLibCalls(calls, incremental: incremental) else { return aborted }
                plan = try fullPlan(incremental: exists && decision.runType == .incremental, body: body)
            } else {
                plan = fullQuery ? try fullPlan(incremental: true) : try sourcePlan(source)
            }
            do {
                built = try buildResult(plan)
            } catch let error as OndatraError where plan.isRewritten {
                throw RewrittenQueryFailed(underlying: error)
            }
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
        var warnings = try ModelChecks.failures(
            directives.warnings, table: result, session: session, file: model.path)
        let current =
            exists
            ? try SchemaEvolution.columns(
                session, database: session.catalog, schema: target.schema, table: target.table)
            : []
        var runType = decision.runType
        if exists, let changed = changedKeyType(current: current, new: columns) {
            // Rows cannot be matched across a key type change: rebuild the table.
            runType = .backfill
            warnings.append("key column \(changed) changed type: rebuilt the table")
        }
        var context = WriteContext(
            session: session, target: qualifiedTarget, result: result, columns: columns,
            keys: model.directives.uniqueKey, runType: runType)
        context.queryHashes = queryHashes
        if exists && runType == .incremental {
            // Tracked and scd2 runs see vanished keys only by comparing, so they always go on.
            let nothingToWrite =
                switch model.kind {
                case .tracked, .scd2: false
                case .partition where built.touched != nil: built.touched == 0
                default: built.rows == 0
                }
            if nothingToWrite {
                return Prepared(context: context, current: current, warnings: warnings, writes: false)
            }
        }
        return Prepared(context: context, current: current, warnings: warnings, writes: true)
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

    /// The model's incremental cursor, also set as SQL variables (`incremental_cursor`,
    /// `incremental_is_backfill`, `incremental_last_value`, `incremental_last_run`,
    /// `incremental_initial_value`) for its query; nil when it declares none.
    private func incrementalState(exists: Bool) throws -> IncrementalState? {
        guard let cursor = model.directives.incremental else { return nil }
        let isBackfill = !exists || decision.runType == .backfill
        var lastValue: DuckDB.Value?
        if !isBackfill {
            let value = try session.connection.scalar(
                "SELECT max(\(SQLLiteral.identifier(cursor))) FROM \(qualifiedTarget)")
            lastValue = value?.isNull == false ? value : nil
        }
        let lastRun = try state.commits[target].flatMap { commit in
            try session.connection.scalar(
                "SELECT snapshot_time FROM \(SQLLiteral.identifier(session.catalog)).snapshots() WHERE snapshot_id = \(commit.snapshot)"
            )
        }
        let incremental = IncrementalState(
            cursor: cursor, isBackfill: isBackfill, lastValue: lastValue,
            lastRun: lastRun?.isNull == false ? lastRun : nil, initialValue: model.directives.incrementalInitial)
        for (name, value) in incremental.variables {
            let statement = try session.connection.prepare("SET VARIABLE \(SQLLiteral.identifier(name)) = ?")
            try statement.bind([value])
            _ = try statement.run()
        }
        return incremental
    }

    /// What a run that called `abort()` prepares: nothing to write.
    private var aborted: Prepared {
        Prepared(
            context: WriteContext(
                session: session, target: qualifiedTarget, result: result, columns: [], keys: [],
                runType: decision.runType),
            current: [], warnings: ["aborted: nothing written"], writes: false)
    }

    /// The model's calls of lib functions (`FROM name(args)`).
    var libCalls: [TableReferences.FunctionCall] {
        guard let scripts else { return [] }
        return references.tableFunctionCalls.filter { scripts.libFunctions.contains($0.name.lowercased()) }
    }

    /// Calls each lib function with its arguments (evaluated by DuckDB, so any constant
    /// expression works), loads the rows into a temporary table, and returns the model's SQL
    /// reading those tables instead; nil when a lib function called `abort()`.
    private func fetchLibCalls(_ calls: [TableReferences.FunctionCall], incremental: IncrementalState?) throws
        -> String?
    {
        guard let scripts else { return model.body }
        var replacements: [(range: Range<Int>, table: String)] = []
        for (index, call) in calls.enumerated() {
            guard let found = CallRewriter.call(in: model.body, at: call.location) else {
                throw OndatraError(.query, "could not locate the call of \(call.name) in the SQL", file: model.path)
            }
            var values: [DuckDB.Value] = []
            do {
                // Each argument on its own line, so a trailing `--` comment ends with it.
                if !found.arguments.isEmpty {
                    values =
                        try session.connection.rows("SELECT \(found.arguments.joined(separator: "\n, "))\n").first ?? []
                }
            } catch let error as DuckDBError {
                throw OndatraError(
                    .query,
                    "the arguments of \(call.name)(…) must be constant expressions: \(session.queryError(error).message)",
                    file: model.path)
            }
            let table = Self.libTable(index)
            guard
                try scripts.fetch(
                    call.name.lowercased(), arguments: values, session: session, into: table, model: model,
                    incremental: incremental) != nil
            else { return nil }
            replacements.append((found.range, SQLLiteral.qualified(["temp", "main", table])))
        }
        return CallRewriter.replacing(model.body, replacements)
    }

    /// The temporary table the `index`th lib call of a model loads into.
    static func libTable(_ index: Int) -> String { "__ondatra_lib_\(index)" }

    /// Runs a Starlark model into the result table. A run that saved no rows leaves an empty result
    /// shaped like the target (so a tracked model can still delete vanished groups); on a first
    /// run there is nothing to learn the columns from, which is an error.
    private func runScript(exists: Bool, incremental: IncrementalState?) throws -> ScriptModelOutcome {
        guard let scripts else {
            throw OndatraError(.project, "Starlark models need the Starlark host", file: model.path)
        }
        let trackedTarget = model.kind == .tracked && exists ? qualifiedTarget : nil
        try session.execute("DROP TABLE IF EXISTS \(result)")
        let outcome = try scripts.run(
            ScriptModelRun(
                model: model, session: session, resultTable: Self.resultTable, trackedTarget: trackedTarget,
                incremental: incremental))
        guard !outcome.aborted, outcome.rows == 0 else { return outcome }
        guard exists else {
            throw OndatraError(
                .query, "saved no rows: a first run needs at least one save.row() to learn the columns",
                file: model.path)
        }
        let added = Set(KindWriter.addedColumns(model.kind).map { $0.name.lowercased() })
        let columns = try SchemaEvolution.columns(
            session, database: session.catalog, schema: target.schema, table: target.table
        ).filter { !added.contains($0.name.lowercased()) }
        let list = columns.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
        try session.execute(
            "CREATE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS SELECT \(list) FROM \(qualifiedTarget) LIMIT 0"
        )
        return outcome
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
