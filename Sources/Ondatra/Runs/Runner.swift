import DuckDB
import Foundation
import OndatraSync
import Synchronization

/// What a model's run is busy with, for progress displays.
public enum ModelActivity: Sendable, Hashable {
    /// Building and writing its result.
    case materializing
    /// Draining its `@sink` queue.
    case syncing
}

/// Runs a project's models in dependency order, each by its kind and run type.
public final class Runner {
    let project: Project
    let session: Session
    /// Called with each model's result as soon as it is known.
    public var onResult: (ModelResult) -> Void = { _ in }
    /// Called when a model that is not skipped starts materializing, and when its sync starts
    /// draining, so a progress display can follow it.
    public var onActivity: (Target, ModelActivity) -> Void = { _, _ in }
    /// Time every statement a model's run makes (``ModelResult/statements``).
    public var timesStatements = false
    /// What the catalog says about the models, read at the first model and updated after each commit.
    var catalogState: CatalogState?
    /// The tables' storage hints and comments, read with ``catalogState`` and kept up to date.
    private var tableSettings: [Target: TableSettings]?
    /// Models that ran incrementally and wrote nothing, with the snapshot they caught up to;
    /// recorded with the run's next commit.
    private var pendingWatermarks: [Target: CommitMetadata.Watermark] = [:]
    /// Set from another thread (for example on Ctrl-C) to stop before the next model.
    public let stopRequested = Atomic<Bool>(false)
    /// Runs Starlark models; without it they are listed and skipped.
    let scripts: ScriptHost?
    /// How `@sink` models are synced.
    public var syncOptions = SyncOptions()
    /// Whether `events` models take in what the collector buffered (false for `sandbox`: the
    /// buffer is left as it is, and the result says how many events wait in it).
    public var flushesEvents = true
    /// The delivery store, once a sink needed it.
    var openStore: (any DeliveryStore)?
    /// The drain in progress, so ``requestStop()`` can cancel it from another thread.
    let drainTask = Mutex<Task<Void, Never>?>(nil)

    /// Creates a runner on an open session; `scripts` runs the project's Starlark models.
    public init(project: Project, session: Session, scripts: ScriptHost? = nil) {
        self.project = project
        self.session = session
        self.scripts = scripts
    }

    /// Runs every model, or only `selection` (other models are neither run nor reported).
    /// - Parameter fullRefresh: rebuild the models that run from scratch (`run --full-refresh`):
    ///   the only way to rebuild a table whose kind keeps history.
    /// - Throws: ``OndatraError`` for project-level problems (a cycle, an unknown target, a bad header).
    public func run(selection: [Target] = [], fullRefresh: Bool = false) throws -> RunSummary {
        try run(selecting: selection.map(ModelSelector.init), fullRefresh: fullRefresh)
    }

    /// Runs the models `selectors` pick (every model when there is none), in dependency order.
    /// - Parameters:
    ///   - workingDirectory: where relative paths in selectors start (the project root by default).
    ///   - fullRefresh: rebuild the models that run from scratch (`run --full-refresh`): the only
    ///     way to rebuild a table whose kind keeps history.
    /// - Throws: ``OndatraError`` for project-level problems (a cycle, a selector that matches no
    ///   model, a bad header).
    public func run(
        selecting selectors: [ModelSelector], workingDirectory: URL? = nil, fullRefresh: Bool = false
    ) throws -> RunSummary {
        let started = Date()
        catalogState = nil
        tableSettings = nil
        pendingWatermarks = [:]
        // Staging files a killed run could not delete.
        StagingDatabase.removeLeftovers(of: project)
        let setup = try RunSetup(runner: self, selectors: selectors, workingDirectory: workingDirectory)
        let (byTarget, references, parseErrors) = (
            setup.byTarget, setup.inspection.references, setup.inspection.parseErrors
        )
        let (dependencies, upstreams) = (setup.inspection.queryDependencies, setup.inspection.graph.dependencies)
        let (modelTargets, libFunctions, configText) = (setup.modelTargets, setup.libFunctions, setup.configText)
        let runID = UUID().uuidString.lowercased()
        let (sinks, sinkProblems) = validateSinks(setup.selected.compactMap { byTarget[$0] })
        // For each model that failed, or was skipped because of one, the model that failed.
        var failed: [Target: Target] = [:]
        var results: [ModelResult] = []
        for target in setup.selected {
            guard let model = byTarget[target] else { continue }
            if stopRequested.load(ordering: .relaxed) { break }
            let failedUpstream = (upstreams[target] ?? []).lazy.compactMap { failed[$0] }.first
            var result = runOne(
                model, dependencies: dependencies[target] ?? [], references: references[target],
                parseError: parseErrors[target] ?? sinkProblems[target], upstream: upstreams[target] ?? [],
                failedUpstream: failedUpstream,
                configText: configText, modelTargets: modelTargets, libFunctions: libFunctions, runID: runID,
                fullRefresh: fullRefresh)
            if result.status == .error {
                failed[target] = target
            } else if let failedUpstream {
                failed[target] = failedUpstream
            }
            // A skipped model still drains what is pending; a failed one leaves its queue as it is.
            if let definition = sinks[target], result.status != .error, result.reason != "refused" {
                onActivity(target, .syncing)
                result.sync = sync(
                    model, definition, committed: result.committed,
                    rebuilt: result.committed && result.runType == .backfill, runID: runID)
            }
            results.append(result)
            onResult(result)
        }
        if !stopRequested.load(ordering: .relaxed) { commitPendingWatermarks(runID: runID) }
        return RunSummary(results: results, durationMs: Int(Date().timeIntervalSince(started) * 1000))
    }

    /// The reason of a skip for a failed upstream model, naming the model that failed.
    static func upstreamFailed(_ target: Target) -> String { "upstream model failed: \(target)" }

    /// The table whose commits carry the watermarks no model commit of a run carried.
    static let watermarkTable = Target(schema: Session.internalSchema, table: "watermarks")

    /// Records the watermarks of models that read their inputs and wrote nothing when no later
    /// commit of the run carried them, in a commit of their own (one row rewritten in a table
    /// kept for it), so the next run does not read the same changes again. Best effort: when it
    /// fails, the next run only reads those changes once more.
    private func commitPendingWatermarks(runID: String) {
        guard !pendingWatermarks.isEmpty else { return }
        let table = SQLLiteral.qualified([session.catalog, Self.watermarkTable.schema, Self.watermarkTable.table])
        let metadata = CommitMetadata(
            model: Self.watermarkTable.description, modelHash: "", kind: "", uniqueKey: nil, runType: "watermarks",
            rowsAffected: 0, columns: [], lineage: [:], dependencies: [], runID: runID, durationMs: 0,
            watermarks: Dictionary(uniqueKeysWithValues: pendingWatermarks.map { ($0.key.description, $0.value) }))
        do {
            try session.transaction { session -> CommitMessage? in
                // In the transaction, so no snapshot of its own is made for the schema.
                try session.execute(
                    "CREATE SCHEMA IF NOT EXISTS \(SQLLiteral.qualified([session.catalog, Self.watermarkTable.schema]))"
                )
                try session.execute("CREATE TABLE IF NOT EXISTS \(table) (run_id VARCHAR)")
                try session.execute("DELETE FROM \(table)")
                try session.execute("INSERT INTO \(table) VALUES (\(SQLLiteral.quote(runID)))")
                return metadata.commitMessage
            }
            pendingWatermarks = [:]
        } catch {
            // Nothing is lost: the models read those changes again next time.
        }
    }

    /// Lib functions are `lib/NAME.star` files; a model reading one (`FROM name(…)`) reads outside the catalog.
    static func libFunctionNames(_ project: Project) -> Set<String> {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: project.url("lib").path)) ?? []
        return Set(
            files.filter { $0.hasSuffix(".star") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)).lowercased() })
    }

    /// The files a model reads, fingerprinted when they are local and named literally; nil when
    /// it reads none or one of them cannot be fingerprinted (a remote location).
    private func filesFingerprint(_ references: TableReferences?) throws -> String? {
        guard let references, !references.filePatterns.isEmpty else { return nil }
        return try SourceFiles.fingerprint(references.filePatterns, session: session)
    }

    private func runOne(
        _ model: Model, dependencies: [Target], references: TableReferences?, parseError: String?, upstream: [Target],
        failedUpstream: Target?,
        configText: String, modelTargets: Set<Target>, libFunctions: Set<String>, runID: String, fullRefresh: Bool
    ) -> ModelResult {
        let started = Date()
        let log = timesStatements ? StatementLog() : nil
        session.statementLog = log
        defer { session.statementLog = nil }
        func finish(
            _ decision: RunDecision, rows: Int64 = 0, status: ModelResult.Status, errors: [String] = [],
            warnings: [String] = []
        )
            -> ModelResult
        {
            var result = ModelResult(
                target: model.target, kind: model.kind, runType: decision.runType, reason: decision.reason,
                rowsAffected: rows,
                durationMs: Int(Date().timeIntervalSince(started) * 1000), status: status, errors: errors,
                warnings: warnings)
            result.dependencies = dependencies
            result.statements = log?.timings ?? []
            return result
        }
        if let failedUpstream {
            return finish(RunDecision(runType: .skip, reason: Self.upstreamFailed(failedUpstream)), status: .skip)
        }
        let noDecision = RunDecision(runType: .skip, reason: "not run")
        if let parseError { return finish(noDecision, status: .error, errors: [parseError]) }
        if model.language == .starlark && scripts == nil {
            return finish(RunDecision(runType: .skip, reason: "Starlark models need the Starlark host"), status: .skip)
        }
        var decided = noDecision
        do {
            let prepared = try prepare(
                model, dependencies: dependencies, references: references, configText: configText,
                modelTargets: modelTargets, libFunctions: libFunctions, fullRefresh: fullRefresh)
            let (decision, state, hash, fingerprint, recorded) = (
                prepared.decision, prepared.state, prepared.hash, prepared.fingerprint, prepared.recorded
            )
            decided = decision
            if let missing = upstream.first(where: { !state.tables.contains($0) }) {
                return finish(decision, status: .error, errors: [Self.unbuiltUpstream(missing, of: model)])
            }
            let settings = try tableSettings ?? TableSettings.load(session)
            tableSettings = settings
            let leftOver = Self.leftOverTables(references, state: state, models: modelTargets, catalog: session.catalog)
            if decision.runType == .skip {
                try settleSettings(model, current: settings[model.target])
                return finish(decision, status: .skip, warnings: leftOver)
            }
            onActivity(model.target, .materializing)
            var materializer = Materializer(
                session: session, model: model, decision: decision, hash: hash, filesFingerprint: fingerprint,
                dependencies: dependencies,
                references: references ?? TableReferences(tables: [], functions: []), state: state,
                modelTargets: modelTargets,
                runID: runID
            )
            materializer.watermarks = pendingWatermarks
            materializer.scripts = scripts
            materializer.flushesEvents = flushesEvents
            materializer.currentSettings = try partitioningRemoved(model, current: settings[model.target])
            let outcome = try materializer.run()
            if let applied = outcome.settings {
                tableSettings?[model.target] = applied
            } else {
                try settleSettings(model, current: settings[model.target])
            }
            if let commit = outcome.commit {
                try catalogState?.record(model.target, commit: commit, snapshot: outcome.snapshot, session: session)
                pendingWatermarks = [:]
            } else if decision.runType == .full || decision.runType == .incremental {
                // It read its inputs and had nothing to write: up to date all the same.
                let savedQueries = outcome.savedQueries
                pendingWatermarks[model.target] = CommitMetadata.Watermark(
                    snapshot: state.currentSnapshot, sourceFiles: fingerprint,
                    modelHash: hash == recorded?.modelHash ? nil : hash,
                    savedQueries: savedQueries == state.commits[model.target]?.savedQueries ? nil : savedQueries)
            }
            if let reason = outcome.skipReason {
                return finish(
                    RunDecision(runType: .skip, reason: reason), status: .skip, warnings: outcome.warnings)
            }
            var result = finish(decision, rows: outcome.rows, status: .ok, warnings: leftOver + outcome.warnings)
            result.strategy = outcome.strategy
            result.committed = outcome.commit != nil
            return result
        } catch  where stopRequested.load(ordering: .relaxed) {
            // Ctrl-C or SIGTERM stopped the running statement or script (DuckDB says "INTERRUPT
            // Error"); its transaction was rolled back.
            return finish(
                decided, status: .error,
                errors: [
                    "\(model.path): interrupted: its statement was stopped and rolled back, nothing of it was written"
                ])
        } catch let refusal as RunPlanner.Refusal {
            return finish(
                RunDecision(runType: .skip, reason: "refused"), status: .error,
                errors: ["\(model.path): \(refusal.message)"])
        } catch let error as OndatraError {
            let message = error.file == nil ? "\(model.path): \(error.message)" : error.description
            return finish(decided, status: .error, errors: [explained(message)])
        } catch let error as DuckDBError {
            return finish(
                decided, status: .error, errors: [explained("\(model.path): \(session.queryError(error).message)")])
        } catch {
            return finish(decided, status: .error, errors: ["\(model.path): \(error)"])
        }
    }

    /// What the planner needs to know and decided about one model, before anything runs.
    struct Prepared {
        let decision: RunDecision
        let state: CatalogState
        let hash: String
        let fingerprint: String?
        let recorded: RunPlanner.Recorded?
    }

    /// Decides a model's run type from the catalog state (read once per run, then kept up to
    /// date with each commit of this run) and the model's inputs; runs nothing.
    func prepare(
        _ model: Model, dependencies: [Target], references: TableReferences?, configText: String,
        modelTargets: Set<Target>, libFunctions: Set<String>, fullRefresh: Bool
    ) throws -> Prepared {
        let state = try catalogState ?? CatalogState.load(session)
        catalogState = state
        let hash = ModelHash.of(model, configText: configText)
        let recorded = state.commits[model.target].map {
            RunPlanner.Recorded(
                snapshot: $0.processedThrough, modelHash: $0.modelHash, filesFingerprint: $0.filesFingerprint,
                kind: ModelKind(rawValue: $0.kind), uniqueKey: $0.metadata.uniqueKey)
        }
        let fingerprint = try filesFingerprint(references)
        var inputs = RunPlanner.Inputs(
            kind: model.kind, uniqueKey: model.directives.uniqueKey, hash: hash,
            targetExists: state.tables.contains(model.target))
        inputs.dependencySnapshots = dependencies.map { ($0, state.commits[$0]?.snapshot) }
        // A Starlark model may call APIs, and files named through an expression or remotely
        // cannot be fingerprinted: such models run every time (writing only what changed).
        let unfollowedFiles =
            (references?.readsComputedFilePaths ?? false)
            || (!(references?.filePatterns.isEmpty ?? true) && fingerprint == nil)
        inputs.readsOutsideCatalog =
            model.language == .starlark || unfollowedFiles
            || references?.functions.contains { libFunctions.contains($0.lowercased()) } ?? false
        inputs.readsOnlyFollowedInputs =
            references?.readsOnlyModelsAndFiles(catalog: session.catalog, models: modelTargets) ?? false
        inputs.filesFingerprint = fingerprint
        inputs.fullRefresh = fullRefresh
        let decision = try RunPlanner.decide(inputs, recorded: recorded, target: model.target)
        return Prepared(
            decision: decision, state: state, hash: hash, fingerprint: fingerprint, recorded: recorded)
    }

    /// Warnings for the tables `references` reads that a model built once and no model builds
    /// now (its file was deleted or renamed): their rows are frozen at that model's last run,
    /// and nothing tells the reader when they would have changed.
    static func leftOverTables(
        _ references: TableReferences?, state: CatalogState, models: Set<Target>, catalog: String
    ) -> [String] {
        guard let references else { return [] }
        var seen: Set<Target> = []
        return references.tables.compactMap { table -> String? in
            guard let named = TableReferences.target(table, catalog: catalog), !models.contains(named),
                state.commits[named] != nil, state.tables.contains(named),
                seen.insert(named).inserted
            else { return nil }
            return "reads \(named), which no model builds any more (its model file was removed or renamed): its rows "
                + "stay as that model last wrote them; restore the model, or drop the table "
                + "(`ondatrasql sql \"DROP TABLE \(named)\"`) if nothing should read it"
        }
    }

    /// The error of a model that reads a model whose table was never built (and that this run
    /// does not build first): which upstream to run.
    static func unbuiltUpstream(_ upstream: Target, of model: Model) -> String {
        "\(model.path): reads \(upstream), which has not been built yet; run `ondatrasql run +\(model.target)` "
            + "to build it with everything it reads, or `ondatrasql run \(upstream)` first"
    }

    /// Gives a table the run did not write the storage hints and comments its header asks for,
    /// when they changed, in a commit of its own that no model's history counts: a changed hint
    /// or comment never rebuilds the table.
    /// - Throws: ``OndatraError`` when a hint or `@column` names a column the table does not have.
    private func settleSettings(_ model: Model, current: TableSettings?) throws {
        let current = current ?? TableSettings()
        let table = SQLLiteral.qualified([session.catalog, model.target.schema, model.target.table])
        guard !TableSettings(model: model).statements(from: current, table: table).isEmpty else { return }
        let columns = try SchemaEvolution.columns(
            session, database: session.catalog, schema: model.target.schema, table: model.target.table)
        // An events model's table is made by its first flush that found events.
        guard !columns.isEmpty else { return }
        try session.transaction(
            CommitMessage(message: "\(model.target) table settings (storage hints and comments)")
        ) { session in
            try TableSettings.apply(
                model, table: table, current: current, columns: columns.map(\.name), session: session)
        }
        tableSettings?[model.target] = TableSettings(model: model)
    }

    /// The table's settings once a partitioning its header no longer asks for is reset, in a
    /// commit of its own: DuckLake (for DuckDB 1.5.5) fails an insert or update that follows a
    /// `RESET PARTITIONED BY` in one transaction with an internal error that invalidates the
    /// database, so the reset cannot go in the model's write.
    private func partitioningRemoved(_ model: Model, current: TableSettings?) throws -> TableSettings {
        var settings = current ?? TableSettings()
        guard !settings.partitionedBy.isEmpty, model.directives.partitionedBy.isEmpty else { return settings }
        let table = SQLLiteral.qualified([session.catalog, model.target.schema, model.target.table])
        try session.transaction(CommitMessage(message: "\(model.target) table settings (storage hints and comments)")) {
            session in try session.execute("ALTER TABLE \(table) RESET PARTITIONED BY")
        }
        settings.partitionedBy = []
        tableSettings?[model.target] = settings
        return settings
    }

    /// `message`, or what it means in this project when DuckDB's words would mislead: a table
    /// function that does not exist but has a file in `lib/` is a lib file without an `API` dict.
    private func explained(_ message: String) -> String {
        guard let range = message.range(of: "Table Function with name "),
            let end = message.range(of: " does not exist", range: range.upperBound..<message.endIndex)
        else { return message }
        let name = String(message[range.upperBound..<end.lowerBound])
        guard !name.isEmpty, FileManager.default.fileExists(atPath: project.url("lib/\(name).star").path) else {
            return message
        }
        let prefix = message[..<range.lowerBound].split(separator: ":").first.map(String.init) ?? ""
        return (prefix.isEmpty ? "" : prefix + ": ")
            + "\(name)() is not a lib function: lib/\(name).star has no top-level API dict (a file without one "
            + "is a helper for load()); add API = {\"fetch\": {...}} to it (docs/lib-functions.md)"
    }
}
