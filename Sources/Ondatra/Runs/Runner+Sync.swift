import DuckDB
import Foundation
import OndatraSync
import RateLimit
import Synchronization

/// How a run treats `@sink` models.
public struct SyncOptions: Sendable {
    /// Drain the queues (false for `run --no-sync`: changes are queued, nothing is pushed).
    public var push = true
    /// What retries, leases and polls wait on.
    public var clock: any RuntimeClock = SystemClock()
    /// The delivery store's file; nil for the project's own (``Runner/deliveryStorePath(_:)``).
    /// `sandbox` points it at a copy.
    public var storePath: URL?
    /// Called while a queue drains, after each settled batch: the model and the counts so far.
    public var progress: (@Sendable (Target, DrainReport) -> Void)?

    /// The defaults: push, on the system clock.
    public init() {}
}

extension Runner {
    /// The file the delivery store lives in.
    public static func deliveryStorePath(_ project: Project) -> URL {
        project.stateDirectory.appending(path: "sync.sqlite")
    }

    /// The key the delivery store keeps a target under: `schema.table`, ASCII lower-cased, as
    /// DuckDB matches names.
    public static func syncKey(_ target: Target) -> String {
        String(decoding: Target.folded(target.description), as: UTF8.self)
    }

    /// Every selected model's `@sink`, validated before anything runs, and the problem of each
    /// model whose sink is wrong: such a model fails without running (its downstream is skipped),
    /// the others run.
    func validateSinks(_ models: [Model]) -> (sinks: [Target: SinkDefinition], problems: [Target: String]) {
        var sinks: [Target: SinkDefinition] = [:]
        var problems: [Target: String] = [:]
        for model in models where model.directives.sink != nil {
            guard let scripts else {
                problems[model.target] = "\(model.path): @sink needs the Starlark host to call lib/*.star"
                continue
            }
            do {
                sinks[model.target] = try scripts.sink(for: model, variables: session.variables)
            } catch let error as OndatraError {
                // A broken lib file names itself; say which model's sink reads it.
                problems[model.target] =
                    error.file == model.path ? error.description : "\(model.path): @sink: \(error.description)"
            } catch {
                problems[model.target] = "\(model.path): @sink: \(error)"
            }
        }
        return (sinks, problems)
    }

    /// Queues `model`'s changes since its watermark, then drains its queue (unless the run does
    /// not push). Failures are reported in the summary, never as the model's failure.
    /// - Parameter rebuilt: the run rebuilt the table (a backfill run that committed).
    func sync(_ model: Model, _ definition: SinkDefinition, committed: Bool, rebuilt: Bool, runID: String)
        -> SyncSummary
    {
        var summary = SyncSummary()
        if committed { FaultPoint.afterCommit.reach() }
        let key = Self.syncKey(model.target)
        let store: any DeliveryStore
        do {
            store = try deliveryStore()
            let snapshot = try session.currentSnapshot()
            let enqueued = try SinkEnqueuer(
                session: session, store: store, target: model.target, key: key, now: syncOptions.clock.wallTime
            ).enqueue(through: snapshot, rebuilt: rebuilt)
            summary.queued = enqueued.queued
            summary.backfill = enqueued.backfill
            if let warning = enqueued.warning { summary.warnings.append(warning) }
        } catch {
            summary.errors.append("could not queue changes: \(Self.message(error, session: session))")
            return summary
        }
        FaultPoint.afterEnqueue.reach()
        guard syncOptions.push, !stopRequested.load(ordering: .relaxed), let scripts else {
            if let status = try? store.status(of: key, now: syncOptions.clock.wallTime) {
                summary.pending = status.pending
            }
            return summary
        }
        let caller: any SinkCaller
        do {
            caller = try scripts.sinkCaller(
                for: definition,
                model: SinkModelInfo(
                    target: model.target, kind: model.kind, keyColumns: model.directives.uniqueKey, path: model.path),
                context: session.context)
        } catch {
            summary.errors.append(Self.message(error, session: session))
            return summary
        }
        let target = model.target
        var progress: (@Sendable (DrainReport) -> Void)?
        if let report = syncOptions.progress { progress = { report(target, $0) } }
        let drainer = SinkDrainer(
            context: session.context, store: store, caller: caller, target: model.target, key: key,
            settings: definition.settings, clock: syncOptions.clock, owner: runID, progress: progress)
        let outcome = waitFor(drainer)
        summary.add(outcome.report)
        if let error = outcome.error { summary.errors.append("sync stopped: \(context.redactor.redact(error))") }
        if let status = try? store.status(of: key, now: syncOptions.clock.wallTime) {
            summary.failed = status.failing
            summary.pending = status.pending + status.inFlight
        }
        return summary
    }

    /// Runs the drain on its own task and blocks this (the runner's) thread until it ends;
    /// ``requestStop()`` cancels it.
    private func waitFor(_ drainer: SinkDrainer) -> SinkDrainer.Outcome {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<SinkDrainer.Outcome?>(nil)
        let task = Task.detached {
            let outcome = await drainer.run()
            box.withLock { $0 = outcome }
            done.signal()
        }
        drainTask.withLock { $0 = task }
        if stopRequested.load(ordering: .relaxed) { task.cancel() }
        done.wait()
        drainTask.withLock { $0 = nil }
        return box.withLock { $0 }
            ?? SinkDrainer.Outcome(report: DrainReport(), error: "the drain ended without a report")
    }

    /// Stops the run from any thread (Ctrl-C): no further model runs, and a drain in progress
    /// claims nothing more, cancels its calls in flight and gives their batches back.
    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        drainTask.withLock { $0?.cancel() }
    }

    /// The delivery store, opened on first use.
    private func deliveryStore() throws -> any DeliveryStore {
        if let store = openStore { return store }
        let store = try SQLiteDeliveryStore(path: syncOptions.storePath ?? Self.deliveryStorePath(project))
        openStore = store
        return store
    }

    private var context: ProjectContext { session.context }

    /// An error as one redacted line.
    private static func message(_ error: any Error, session: Session) -> String {
        switch error {
        case let error as OndatraError: return error.description
        case let error as DuckDBError: return session.queryError(error).message
        default: return session.redactor.redact("\(error)")
        }
    }
}
