import DuckDB
import Foundation
import OndatraSync
import RateLimit
import Synchronization

/// Performs the actions of one target's ``DrainMachine``: store calls on its own task, `push`
/// (after reading the batch's rows, with a session of its own), `poll`, `finalize` and waits as
/// child tasks, at most the sink's `max_concurrent` pushes at once. Cancelling the task stops the drain: nothing more
/// is claimed, calls in flight are cancelled and their batches released.
struct SinkDrainer: Sendable {
    /// What the drain did, and the store or read error that ended it early, if one did.
    struct Outcome: Sendable {
        var report: DrainReport
        var error: String?
    }

    let context: ProjectContext
    let store: any DeliveryStore
    let caller: any SinkCaller
    let target: Target
    /// The key the store keeps the target's state under.
    let key: String
    let settings: DrainSettings
    let clock: any RuntimeClock
    /// Who holds the claims (one id per run).
    let owner: String
    /// Called after each settled batch with the counts so far.
    let progress: (@Sendable (DrainReport) -> Void)?

    /// Rows read for a batch in flight, kept until it settles (for dead letters' payloads).
    private struct InFlight: Sendable {
        var columns: [String]
        var rows: [(key: ChangeKey, values: [DuckDB.Value])]
        var absent: Set<ChangeKey>
        /// Every change's row was gone: nothing is pushed or polled.
        var allAbsent: Bool
    }

    /// The batches in flight: written by their push tasks once the rows are read, read and removed
    /// by the drain when the batch settles.
    private final class InFlightBatches: Sendable {
        private let batches = Mutex<[BatchID: InFlight]>([:])
        subscript(id: BatchID) -> InFlight? {
            get { batches.withLock { $0[id] } }
            set { batches.withLock { $0[id] = newValue } }
        }
        func remove(_ id: BatchID) -> InFlight? { batches.withLock { $0.removeValue(forKey: id) } }
    }

    /// Drains until the machine finishes.
    func run() async -> Outcome {
        // Store calls and DuckDB reads block their thread: they run on threads of their own, never
        // on the cooperative pool. Store calls on one, row reads on another (so a batch's rows are
        // read while another batch is claimed or settled), and that one alone touches the reader's
        // session.
        let io = BlockingPool(size: 1, name: "sync-io")
        let reads = BlockingPool(size: 1, name: "sync-read")
        defer {
            io.shutdown()
            reads.shutdown()
        }
        let reader: IOConfined<SinkRowReader>
        do {
            let (context, target) = (context, target)
            reader = try await reads.run {
                IOConfined(SinkRowReader(session: try context.makeSession(), target: target))
            }
        } catch {
            caller.close()
            return Outcome(report: DrainReport(), error: "\(error)")
        }
        let started = clock.now
        var machine = DrainMachine(target: key, settings: settings, now: clock.wallTime)
        var queue = machine.start()
        let inFlight = InFlightBatches()
        var stopped = false
        var failure: String?
        let result: DrainReport? = await withTaskGroup(of: DrainMachine.Event.self) { group in
            while true {
                while !queue.isEmpty {
                    let action = queue.removeFirst()
                    if case .finish(let report) = action { return report }
                    do {
                        if let event = try await perform(
                            action, io: io, reads: reads, reader: reader, inFlight: inFlight, group: &group)
                        {
                            queue += machine.handle(event)
                            if case .completed = event { report(machine.report, since: started) }
                        }
                    } catch {
                        // The store or DuckDB failed: stop here; what is committed stays consistent.
                        failure = "\(error)"
                        group.cancelAll()
                        caller.cancel()
                        return nil
                    }
                }
                if Task.isCancelled && !stopped {
                    stopped = true
                    caller.cancel()
                    queue += machine.handle(.stop(now: clock.wallTime))
                    continue
                }
                guard let event = await group.next() else { return machine.report }
                queue += machine.handle(event)
                if case .completed = event { report(machine.report, since: started) }
            }
        }
        caller.close()
        return Outcome(report: finished(result ?? machine.report, since: started), error: failure)
    }

    /// Hands the counts so far, with the time spent, to ``progress``.
    private func report(_ report: DrainReport, since started: ContinuousClock.Instant) {
        guard let progress else { return }
        var report = report
        report.duration = clock.now - started
        progress(report)
    }

    /// The report with its duration set and its messages redacted.
    private func finished(_ report: DrainReport, since started: ContinuousClock.Instant) -> DrainReport {
        var report = report
        report.duration = clock.now - started
        var warnings: [String] = []
        for warning in report.warnings { warnings.append(message(warning)) }
        report.warnings = warnings
        var errors: [String] = []
        for error in report.errors { errors.append(message(error)) }
        report.errors = errors
        if let error = report.finalizeError { report.finalizeError = message(error) }
        return report
    }

    /// Performs `action`; returns the event it produced at once, or nil when a child task will.
    private func perform(
        _ action: DrainMachine.Action, io: BlockingPool, reads: BlockingPool, reader: IOConfined<SinkRowReader>,
        inFlight: InFlightBatches, group: inout TaskGroup<DrainMachine.Event>
    ) async throws -> DrainMachine.Event? {
        let now = clock.wallTime
        let leaseUntil = clock.wallTime(after: settings.lease)
        let (store, key, owner, settings) = (store, key, owner, settings)
        switch action {
        case .recover:
            let batches = try await io.run {
                try store.recover(
                    target: key, owner: owner, takeOver: .allOtherOwners, now: now, leaseUntil: leaseUntil)
            }
            return .recovered(batches, now: now)
        case .claim:
            let (batch, nextDue) = try await io.run {
                let batch = try store.claim(
                    target: key, limit: settings.batchSize, owner: owner, now: now, leaseUntil: leaseUntil)
                return (batch, batch == nil ? try store.nextDue(target: key, after: now) : nil)
            }
            return .claimed(batch, nextDue: nextDue, now: now)
        case .push(let batch, let number):
            FaultPoint.midBatch.reach()
            let (caller, clock, id, mode) = (caller, clock, batch.id, settings.mode)
            group.addTask {
                // The rows first, on the read thread, while the drain goes on claiming and settling.
                let rows: SinkRowReader.Rows
                do {
                    rows = try await reads.run { IOConfined(try reader.value.read(batch)) }.value
                } catch {
                    return .pushFailed(id, .scriptError("\(error)"), now: clock.wallTime)
                }
                let absent = rows.absent
                inFlight[id] = InFlight(
                    columns: rows.columns, rows: rows.rows, absent: absent, allAbsent: rows.rows.isEmpty)
                if rows.rows.isEmpty {
                    // Nothing left to push: the changes are acknowledged as no-ops.
                    switch mode {
                    case .sync: return .pushReturned(id, .statuses(Self.ok(absent)), now: clock.wallTime)
                    case .atomic: return .pushReturned(id, .none, now: clock.wallTime)
                    case .async: return .pushReturned(id, .job("null"), now: clock.wallTime)
                    }
                }
                let sinkBatch = SinkBatch(columns: rows.columns, rows: rows.rows.map(\.values), number: number)
                do {
                    let reply = try await caller.push(sinkBatch)
                    FaultPoint.afterPush.reach()
                    if case .statuses(let statuses) = reply {
                        return .pushReturned(
                            id, .statuses(statuses.merging(Self.ok(absent)) { a, _ in a }), now: clock.wallTime)
                    }
                    return .pushReturned(id, reply, now: clock.wallTime)
                } catch let failure as PushFailure {
                    return .pushFailed(id, failure, now: clock.wallTime)
                } catch {
                    return .pushFailed(id, .scriptError("\(error)"), now: clock.wallTime)
                }
            }
            return nil
        case .saveJob(let id, let job):
            // A batch whose rows are all gone made no job: nothing to store, so a crash before it
            // settles pushes it again (a no-op) instead of polling a job that never existed.
            if inFlight[id]?.allAbsent != true { try await io.run { try store.saveJob(batch: id, job: job) } }
            return .jobSaved(id, now: now)
        case .poll(let id, let job, let at):
            let state = inFlight[id]
            let (caller, clock) = (caller, clock)
            group.addTask {
                try? await clock.sleep(until: clock.now + Self.duration(from: clock.wallTime, to: at))
                if Task.isCancelled { return .pollFailed(id, .cancelled, now: clock.wallTime) }
                if let state, state.allAbsent { return .polled(id, .done(Self.ok(state.absent)), now: clock.wallTime) }
                do {
                    let reply = try await caller.poll(job: job)
                    if case .done(let statuses) = reply, let absent = state?.absent {
                        return .polled(id, .done(statuses.merging(Self.ok(absent)) { a, _ in a }), now: clock.wallTime)
                    }
                    return .polled(id, reply, now: clock.wallTime)
                } catch let failure as PushFailure {
                    return .pollFailed(id, failure, now: clock.wallTime)
                } catch {
                    return .pollFailed(id, .scriptError("\(error)"), now: clock.wallTime)
                }
            }
            return nil
        case .complete(let id, let outcomes, let log):
            let state = inFlight.remove(id)
            // The rows by key only for dead letters' payloads: most batches have none.
            let dead = outcomes.values.contains { if case .dead = $0 { true } else { false } }
            let rows = dead ? state.map { Dictionary($0.rows.map { ($0.key, $0.values) }) { a, _ in a } } : nil
            // Statuses are the script's text and may quote a response holding a secret.
            var filled = outcomes
            for (key, disposition) in outcomes {
                // The row as JSON only for a dead letter's payload.
                filled[key] = redacted(disposition) {
                    state.flatMap { state in rows?[key].map { Self.json(columns: state.columns, values: $0) } }
                }
            }
            var batchError: String?
            if let error = log.error { batchError = message(error) }
            let redactedLog = BatchLogEntry(
                batch: log.batch, started: log.started, duration: log.duration, rows: log.rows,
                delivered: log.delivered,
                retried: log.retried, dead: log.dead, error: batchError)
            let settled = filled
            try await io.run { try store.complete(batch: id, outcomes: settled, log: redactedLog) }
            return .completed(id, now: clock.wallTime)
        case .release(let id):
            _ = inFlight.remove(id)
            try await io.run { try store.release(batch: id) }
            return .released(id, now: now)
        case .wait(let until):
            let clock = clock
            group.addTask {
                try? await clock.sleep(until: clock.now + Self.duration(from: clock.wallTime, to: until))
                return .woke(now: clock.wallTime)
            }
            return nil
        case .finalize(let succeeded, let failed):
            let (caller, clock) = (caller, clock)
            group.addTask {
                do {
                    try await caller.finalize(succeeded: succeeded, failed: failed)
                    return .finalized(now: clock.wallTime)
                } catch let failure as PushFailure {
                    return .finalizeFailed(failure, now: clock.wallTime)
                } catch {
                    return .finalizeFailed(.scriptError("\(error)"), now: clock.wallTime)
                }
            }
            return nil
        case .finish:
            return nil
        }
    }

    /// `disposition` with its messages redacted and clipped, and a dead one's payload (the row as
    /// read, made only then) filled in.
    private func redacted(_ disposition: Disposition, row: () -> String?) -> Disposition {
        switch disposition {
        case .delivered(let warning):
            guard let warning else { return disposition }
            return .delivered(warning: message(warning))
        case .retry(let at, let attempts, let error):
            return .retry(at: at, attempts: attempts, error: message(error))
        case .dead(let error, let attempts, let payload):
            var shown: String?
            if let text = payload ?? row() { shown = caller.redact(text) }
            return .dead(error: message(error), attempts: attempts, payload: shown)
        }
    }

    /// The longest message kept: a status quoting a whole HTML error page must not fill the store.
    static let messageLimit = 1_000

    /// `text` redacted, on one line, and clipped to ``messageLimit`` characters.
    func message(_ text: String) -> String {
        let line = caller.redact(text).split(whereSeparator: \.isNewline).joined(separator: " ")
        guard line.count > Self.messageLimit else { return line }
        return line.prefix(Self.messageLimit) + "… (\(line.count - Self.messageLimit) more characters)"
    }

    /// `"ok"` for each of `keys`.
    private static func ok(_ keys: Set<ChangeKey>) -> [String: String] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0.description, "ok") })
    }

    /// The time from `start` to `end`, zero when `end` has passed.
    private static func duration(from start: Date, to end: Date) -> Duration {
        let seconds = end.timeIntervalSince(start)
        return seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded())) : .zero
    }

    /// One row as a JSON object.
    private static func json(columns: [String], values: [DuckDB.Value]) -> String {
        var output = "{"
        for (index, (column, value)) in zip(columns, values).enumerated() {
            if index > 0 { output += "," }
            JSONText.appendString(column, to: &output)
            output += ":"
            value.appendJSON(to: &output)
        }
        return output + "}"
    }
}

/// A value that is not `Sendable` (a DuckDB session, rows of DuckDB values) handed between the
/// drain's tasks and its one read thread. Safe because the read pool has a single thread and each
/// task awaits its call: the value is never used by two threads at once.
struct IOConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
