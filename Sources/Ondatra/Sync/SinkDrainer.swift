import DuckDB
import Foundation
import OndatraSync
import RateLimit

/// Performs the actions of one target's ``DrainMachine``: store calls and row reads on its own
/// task (with a session of its own), `push`, `poll`, `finalize` and waits as child tasks, at most
/// the sink's `max_concurrent` pushes at once. Cancelling the task stops the drain: nothing more
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
    private struct InFlight {
        var columns: [String]
        var rows: [ChangeKey: [DuckDB.Value]]
        var absent: Set<ChangeKey>
        /// Every change's row was gone: nothing is pushed or polled.
        var allAbsent: Bool
    }

    /// Drains until the machine finishes.
    func run() async -> Outcome {
        // Store calls and DuckDB reads block their thread: they run on one thread of their own,
        // never on the cooperative pool, and that thread alone touches the reader's session.
        let io = BlockingPool(size: 1, name: "sync-io")
        defer { io.shutdown() }
        let reader: IOConfined<SinkRowReader>
        do {
            let (context, target) = (context, target)
            reader = try await io.run {
                IOConfined(SinkRowReader(session: try context.makeSession(), target: target))
            }
        } catch {
            caller.close()
            return Outcome(report: DrainReport(), error: "\(error)")
        }
        let started = clock.now
        var machine = DrainMachine(target: key, settings: settings, now: clock.wallTime)
        var queue = machine.start()
        var inFlight: [BatchID: InFlight] = [:]
        var stopped = false
        var failure: String?
        let result: DrainReport? = await withTaskGroup(of: DrainMachine.Event.self) { group in
            while true {
                while !queue.isEmpty {
                    let action = queue.removeFirst()
                    if case .finish(let report) = action { return report }
                    do {
                        if let event = try await perform(
                            action, io: io, reader: reader, inFlight: &inFlight, group: &group)
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
        _ action: DrainMachine.Action, io: BlockingPool, reader: IOConfined<SinkRowReader>,
        inFlight: inout [BatchID: InFlight], group: inout TaskGroup<DrainMachine.Event>
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
            let rows: SinkRowReader.Rows
            do {
                rows = try await io.run { IOConfined(try reader.value.read(batch)) }.value
            } catch {
                return .pushFailed(batch.id, .scriptError("\(error)"), now: now)
            }
            let state = InFlight(
                columns: rows.columns, rows: Dictionary(rows.rows.map { ($0.key, $0.values) }) { a, _ in a },
                absent: rows.absent, allAbsent: rows.rows.isEmpty)
            inFlight[batch.id] = state
            if state.allAbsent {
                // Nothing left to push: the changes are acknowledged as no-ops.
                switch settings.mode {
                case .sync: return .pushReturned(batch.id, .statuses(Self.ok(rows.absent)), now: now)
                case .atomic: return .pushReturned(batch.id, .none, now: now)
                case .async: return .pushReturned(batch.id, .job("null"), now: now)
                }
            }
            let sinkBatch = SinkBatch(columns: rows.columns, rows: rows.rows.map(\.values), number: number)
            let (caller, clock, absent, id) = (caller, clock, rows.absent, batch.id)
            group.addTask {
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
            try await io.run { try store.saveJob(batch: id, job: job) }
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
            let state = inFlight.removeValue(forKey: id)
            // Statuses are the script's text and may quote a response holding a secret.
            var filled = outcomes
            for (key, disposition) in outcomes {
                // The row as JSON only for a dead letter's payload: most rows are delivered.
                filled[key] = redacted(disposition) {
                    state.flatMap { state in state.rows[key].map { Self.json(columns: state.columns, values: $0) } }
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
            inFlight[id] = nil
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
/// drain's task and its one I/O thread. Safe because the I/O pool has a single thread and the
/// drain awaits each call: the value is never used by two threads at once.
struct IOConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
