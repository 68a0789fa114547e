import Foundation

/// What `run --plan` says a run would do with one model.
public struct PlannedModel: Sendable {
    /// The model.
    public let target: Target
    /// Its kind.
    public let kind: ModelKind
    /// The run type a run would choose.
    public let runType: RunType
    /// Why, in a few words.
    public let reason: String
    /// `ok` (it would run), `skip`, or `error` (the run would fail it before running it).
    public let status: ModelResult.Status
    /// Why the run would fail it.
    public let error: String?

    /// One line for the terminal: `staging.orders (table, full: dep changed: raw.orders)`.
    public var line: String {
        switch status {
        case .error: return "[FAILED] \(target): \(error ?? reason)"
        case .skip: return "[SKIP] \(target) (\(kind.rawValue), skip: \(reason))"
        case .ok: return "[RUN] \(target) (\(kind.rawValue), \(runType.rawValue): \(reason))"
        }
    }

    /// The `--json` object: the keys of `run --json` that a plan knows.
    public var json: JSONValue {
        .object([
            "model": .string(target.description), "kind": .string(kind.rawValue),
            "run_type": .string(runType.rawValue), "run_reason": .string(reason), "status": .string(status.rawValue),
            "errors": .array(error.map { [JSONValue.string($0)] } ?? []),
        ])
    }
}

extension Runner {
    /// What `run` would do with each model `selectors` pick, decided from the catalog's state
    /// alone: nothing runs, nothing is written, no API is called.
    ///
    /// A model whose upstream would run is planned as if that upstream wrote a change (the plan
    /// cannot know whether it will), so it runs too: `full` for a table, `incremental` otherwise.
    /// - Throws: ``OndatraError`` for a bad header, a cycle, or a selector that matches no model.
    public func plan(
        selecting selectors: [ModelSelector] = [], workingDirectory: URL? = nil, fullRefresh: Bool = false
    ) throws -> [PlannedModel] {
        let setup = try RunSetup(runner: self, selectors: selectors, workingDirectory: workingDirectory)
        let (dependencies, upstreams) = (setup.inspection.queryDependencies, setup.inspection.graph.dependencies)
        catalogState = nil
        var willRun: Set<Target> = []
        // For each model the run would fail, or skip because of one, the model that fails.
        var willFail: [Target: Target] = [:]
        var planned: [PlannedModel] = []
        for target in setup.selected {
            guard let model = setup.byTarget[target] else { continue }
            let (upstream, reads) = (upstreams[target] ?? [], dependencies[target] ?? [])
            func entry(_ decision: RunDecision, _ status: ModelResult.Status, error: String? = nil) -> PlannedModel {
                PlannedModel(
                    target: target, kind: model.kind, runType: decision.runType, reason: decision.reason,
                    status: status, error: error)
            }
            if let failing = upstream.lazy.compactMap({ willFail[$0] }).first {
                planned.append(entry(RunDecision(runType: .skip, reason: Self.upstreamFailed(failing)), .skip))
                willFail[target] = failing
                continue
            }
            if let parseError = setup.inspection.parseErrors[target] {
                planned.append(entry(RunDecision(runType: .skip, reason: "not run"), .error, error: parseError))
                willFail[target] = target
                continue
            }
            do {
                let prepared = try prepare(
                    model, dependencies: reads, references: setup.inspection.references[target],
                    configText: setup.configText, modelTargets: setup.modelTargets,
                    libFunctions: setup.libFunctions, fullRefresh: fullRefresh)
                if let missing = upstream.first(where: { !prepared.state.tables.contains($0) && !willRun.contains($0) })
                {
                    planned.append(entry(prepared.decision, .error, error: Self.unbuiltUpstream(missing, of: model)))
                    willFail[target] = target
                    continue
                }
                let decision = Self.planned(
                    prepared.decision, kind: model.kind, runningUpstream: reads.first(where: willRun.contains))
                let runs = decision.runType != .skip
                if runs { willRun.insert(target) }
                planned.append(entry(decision, runs ? .ok : .skip))
            } catch let refusal as RunPlanner.Refusal {
                planned.append(
                    entry(
                        RunDecision(runType: .skip, reason: "refused"), .error,
                        error: "\(model.path): \(refusal.message)"))
                willFail[target] = target
            } catch {
                planned.append(
                    entry(RunDecision(runType: .skip, reason: "not run"), .error, error: "\(model.path): \(error)"))
                willFail[target] = target
            }
        }
        return planned
    }

    /// The catalog's decision, or the one a run makes once `runningUpstream` has written a change.
    private static func planned(_ decision: RunDecision, kind: ModelKind, runningUpstream: Target?) -> RunDecision {
        guard let upstream = runningUpstream else { return decision }
        let reason = "dep changed: \(upstream) (runs first)"
        guard decision.runType == .skip else { return decision }
        return RunDecision(runType: kind == .table ? .full : .incremental, reason: reason)
    }
}
