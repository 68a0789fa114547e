import Foundation

/// The drain of one sink target as a value-type state machine with no I/O: a driver performs each
/// ``Action`` it returns (store calls, reading rows, `push`, `poll`, `finalize`, waiting) and feeds the
/// result back as an ``Event``. Every event carries the wall-clock time it happened at, so the machine
/// reads no clock and tests drive it with made-up times.
///
/// The flow: ``start()`` asks to ``Action/recover`` the target's expired batches; recovered batches
/// (they hold a saved async job; one without is pushed) are polled first, then batches are claimed one
/// at a time and pushed, up to ``DrainSettings/maxConcurrent`` in flight in sync mode (one in atomic
/// and async mode). When a claim finds nothing due and nothing is in flight, a retry due within
/// ``DrainSettings/retryHorizon`` is waited for; otherwise the drain ends with `finalize` (when it
/// applies) and ``Action/finish(_:)``. A recovered job's `poll_timeout` counts from when this drain
/// first polls it (when the push started is not known).
///
/// **Finalize.** `finalize(succeeded, failed)` is asked for once, at the end, only when the lib defines
/// it, the drain was not stopped, at least one batch settled, and every batch *succeeded*: its `push`
/// (and `poll`) call returned without an exception, in time, a reply that keeps the contract (the right
/// kind; in sync and async mode a known status for every change of the batch). Per-change `error:` and
/// `reject:` statuses do not make a batch fail; missing keys and unknown statuses do. `succeeded` is the
/// drain's delivered changes (`ok` and `warn:`), `failed` its retried and dead ones, counted per settled
/// batch (a change retried and then delivered in the same drain counts in both).
///
/// **Stop.** After ``Event/stop(now:)`` (or a call cancelled by an interrupt) nothing more is claimed,
/// waited for or finalized; batches in flight settle as their events arrive; a batch claimed after the
/// stop, or whose push was cancelled, is released without counting an attempt. A batch holding a saved
/// async job is never released: it stays claimed so that a later run polls the job again instead of
/// pushing it again (its poll is not repeated after the stop, and a cancelled poll leaves it the same
/// way). The drain then finishes with ``DrainReport/interrupted`` set.
///
/// Events that do not fit the machine's state (an unknown batch id, a reply for a batch not waiting for
/// one, anything after ``Action/finish(_:)``) are ignored and return no action.
public struct DrainMachine: Sendable {
    private enum Phase: Sendable, Equatable {
        case idle, recovering, running, waiting, finalizing, finished
    }

    /// Where a batch in flight is.
    private enum Stage: Sendable {
        case pushing
        case savingJob(String)
        case polling(String)
        case completing(BatchSummary)
        case releasing
    }

    private struct Flight: Sendable {
        let batch: ClaimedBatch
        /// When the push (or, for a recovered batch, the first poll) was issued.
        let started: Date
        var stage: Stage
    }

    /// A settled batch's contribution to the report, applied when the store has committed it.
    struct BatchSummary: Sendable {
        var delivered = 0, warned = 0, retried = 0, dead = 0
        var warnings: [String] = []
        var errors: [(message: String, key: ChangeKey)] = []
        var succeeded = true
    }

    /// The sink target drained.
    public let target: String
    /// The sink's delivery settings.
    public let settings: DrainSettings
    /// When the drain started.
    public let startedAt: Date
    /// Batches in flight at once: ``DrainSettings/maxConcurrent`` in sync mode, else 1.
    public let limit: Int

    private var phase = Phase.idle
    private var stopped = false
    private var claiming = false
    private var dry = false
    private var nextDue: Date?
    private var recovered: [ClaimedBatch] = []
    private var flights: [BatchID: Flight] = [:]
    private var nextNumber = 1
    private var counts = DrainReport()
    private var errorLog = ErrorLog()
    private var latest: Date

    /// Creates the drain of `target` with `settings`, starting at `now`.
    public init(target: String, settings: DrainSettings, now: Date) {
        self.target = target
        self.settings = settings
        self.startedAt = now
        self.latest = now
        self.limit = settings.mode == .sync ? max(1, settings.maxConcurrent) : 1
    }

    /// The counts so far (the final report comes with ``Action/finish(_:)``).
    public var report: DrainReport {
        var report = counts
        report.errors = errorLog.lines
        report.interrupted = stopped
        report.duration = Self.duration(from: startedAt, to: latest)
        return report
    }

    /// Batches in flight: claimed or recovered and not yet completed or released.
    public var inFlight: Int { flights.count }

    /// Whether ``Action/finish(_:)`` has been returned.
    public var isFinished: Bool { phase == .finished }

    /// Starts the drain: `[.recover]` the first time, nothing after.
    public mutating func start() -> [Action] {
        guard phase == .idle else { return [] }
        phase = .recovering
        return [.recover]
    }

    /// Takes in what happened and returns what to do next (possibly nothing, while calls are in flight).
    public mutating func handle(_ event: Event) -> [Action] {
        guard phase != .finished else { return [] }
        let now = event.now
        latest = max(latest, now)
        switch event {
        case .recovered(let batches, _):
            guard phase == .recovering else { return [] }
            phase = .running
            recovered = batches
            return advance(now)
        case .claimed(let batch, let due, _):
            return claimed(batch, nextDue: due, now: now)
        case .pushReturned(let id, let reply, _):
            guard let flight = flights[id], case .pushing = flight.stage else { return [] }
            switch StatusClassifier.judge(push: reply, mode: settings.mode, keys: flight.batch.changes.map(\.key)) {
            case .job(let job):
                flights[id]?.stage = .savingJob(job)
                return [.saveJob(id, job: job)]
            case .settled(let verdict):
                return settle(flight, verdict, now: now)
            }
        case .pushFailed(let id, let failure, _):
            guard let flight = flights[id], case .pushing = flight.stage else { return [] }
            if failure == .cancelled {
                stopped = true
                flights[id]?.stage = .releasing
                return [.release(id)]
            }
            return settle(
                flight, StatusClassifier.failure(failure.message, keys: flight.batch.changes.map(\.key)), now: now)
        case .jobSaved(let id, _):
            guard let flight = flights[id], case .savingJob(let job) = flight.stage else { return [] }
            if stopped { return leaveOpen(id, now: now) }
            flights[id]?.stage = .polling(job)
            return [.poll(id, job: job, at: now + settings.pollInterval)]
        case .polled(let id, let reply, _):
            return polled(id, reply, now: now)
        case .pollFailed(let id, let failure, _):
            guard let flight = flights[id], case .polling = flight.stage else { return [] }
            if failure == .cancelled {
                stopped = true
                return leaveOpen(id, now: now)
            }
            return settle(
                flight, StatusClassifier.failure(failure.message, keys: flight.batch.changes.map(\.key)), now: now)
        case .completed(let id, _):
            guard let flight = flights[id], case .completing(let summary) = flight.stage else { return [] }
            flights[id] = nil
            record(summary)
            dry = false
            return advance(now)
        case .released(let id, _):
            guard let flight = flights[id], case .releasing = flight.stage else { return [] }
            flights[id] = nil
            counts.released += 1
            return advance(now)
        case .woke:
            guard phase == .waiting else { return [] }
            phase = .running
            dry = false
            nextDue = nil
            return advance(now)
        case .finalized:
            guard phase == .finalizing else { return [] }
            counts.finalized = true
            return finish()
        case .finalizeFailed(let failure, _):
            guard phase == .finalizing else { return [] }
            if failure == .cancelled { stopped = true }
            counts.finalizeError = failure.message
            return finish()
        case .stop:
            stopped = true
            switch phase {
            case .idle: return finish()
            case .waiting:
                phase = .running
                return advance(now)
            case .running: return advance(now)
            case .recovering, .finalizing, .finished: return []
            }
        }
    }

    // MARK: - Transitions

    private mutating func claimed(_ batch: ClaimedBatch?, nextDue due: Date?, now: Date) -> [Action] {
        guard phase == .running, claiming else { return [] }
        claiming = false
        guard let batch, flights[batch.id] == nil else {
            dry = true
            nextDue = due
            return advance(now)
        }
        if stopped {
            flights[batch.id] = Flight(batch: batch, started: now, stage: .releasing)
            return [.release(batch.id)]
        }
        return [begin(batch, now: now)] + advance(now)
    }

    private mutating func polled(_ id: BatchID, _ reply: PollReply, now: Date) -> [Action] {
        guard let flight = flights[id], case .polling(let job) = flight.stage else { return [] }
        switch StatusClassifier.judge(poll: reply, keys: flight.batch.changes.map(\.key)) {
        case .settled(let verdict):
            return settle(flight, verdict, now: now)
        case .pending:
            if Self.duration(from: flight.started, to: now) >= settings.pollTimeout {
                let message = "async job did not finish within poll_timeout (\(Self.text(settings.pollTimeout)))"
                return settle(
                    flight, StatusClassifier.failure(message, keys: flight.batch.changes.map(\.key)), now: now)
            }
            if stopped { return leaveOpen(id, now: now) }
            return [.poll(id, job: job, at: now + settings.pollInterval)]
        }
    }

    /// Pushes a claimed batch, or polls a recovered one's job.
    private mutating func begin(_ batch: ClaimedBatch, now: Date) -> Action {
        if let job = batch.job {
            flights[batch.id] = Flight(batch: batch, started: now, stage: .polling(job))
            return .poll(batch.id, job: job, at: now)
        }
        flights[batch.id] = Flight(batch: batch, started: now, stage: .pushing)
        defer { nextNumber += 1 }
        return .push(batch, number: nextNumber)
    }

    /// Starts recovered batches and claims while below the limit; ends the drain when nothing is left
    /// to do.
    private mutating func advance(_ now: Date) -> [Action] {
        guard phase == .running else { return [] }
        var actions: [Action] = []
        if !stopped {
            while flights.count < limit, !recovered.isEmpty {
                let batch = recovered.removeFirst()
                if flights[batch.id] == nil { actions.append(begin(batch, now: now)) }
            }
            if flights.count < limit, recovered.isEmpty, !claiming, !dry {
                claiming = true
                actions.append(.claim)
            }
        }
        if flights.isEmpty, !claiming, stopped || dry {
            actions += end(now)
        }
        return actions
    }

    /// Nothing is in flight and nothing is due: wait for a retry due soon, finalize, or finish.
    private mutating func end(_ now: Date) -> [Action] {
        if !stopped, let due = nextDue, Self.duration(from: now, to: due) <= settings.retryHorizon {
            phase = .waiting
            return [.wait(until: due)]
        }
        if !stopped, settings.hasFinalize, counts.batches > 0, counts.failedBatches == 0 {
            phase = .finalizing
            return [.finalize(succeeded: counts.delivered, failed: counts.retried + counts.dead)]
        }
        return finish()
    }

    private mutating func finish() -> [Action] {
        phase = .finished
        counts.openJobs += recovered.count
        recovered = []
        return [.finish(report)]
    }

    /// Drops a batch holding a saved job from the flights without settling it: it stays claimed, and a
    /// later run polls its job again.
    private mutating func leaveOpen(_ id: BatchID, now: Date) -> [Action] {
        flights[id] = nil
        counts.openJobs += 1
        return advance(now)
    }

    // MARK: - Settling

    /// Turns a verdict into the batch's outcomes and log line, and asks the store to complete it.
    private mutating func settle(_ flight: Flight, _ verdict: StatusClassifier.Verdict, now: Date) -> [Action] {
        var outcomes: [ChangeKey: Disposition] = [:]
        var summary = BatchSummary(warnings: verdict.warnings, succeeded: verdict.wellFormed)
        for change in flight.batch.changes {
            let key = change.key
            let attempts = change.attempts + 1
            let outcome: Disposition
            switch verdict.rows[key] ?? .failed("no status judged for \(key)") {
            case .delivered(let warning):
                outcome = .delivered(warning: warning)
                summary.delivered += 1
                if let warning {
                    summary.warned += 1
                    summary.warnings.append("\(key): \(warning)")
                }
            case .rejected(let message):
                outcome = .dead(error: message, attempts: attempts, payload: nil)
            case .failed(let message) where attempts >= settings.maxAttempts:
                outcome = .dead(
                    error: "gave up after \(attempts) attempts: \(message)", attempts: attempts, payload: nil)
            case .failed(let message):
                outcome = .retry(
                    at: now + settings.backoff(afterAttempts: attempts), attempts: attempts, error: message)
            }
            switch outcome {
            case .delivered: break
            case .retry(_, _, let error):
                summary.retried += 1
                summary.errors.append((error, key))
            case .dead(let error, _, _):
                summary.dead += 1
                summary.errors.append((error, key))
            }
            outcomes[key] = outcome
        }
        let log = BatchLogEntry(
            batch: flight.batch.id, started: flight.started, duration: Self.duration(from: flight.started, to: now),
            rows: flight.batch.changes.count, delivered: summary.delivered, retried: summary.retried,
            dead: summary.dead, error: verdict.batchError)
        flights[flight.batch.id]?.stage = .completing(summary)
        return [.complete(flight.batch.id, outcomes: outcomes, log: log)]
    }

    private mutating func record(_ summary: BatchSummary) {
        counts.batches += 1
        if !summary.succeeded { counts.failedBatches += 1 }
        counts.delivered += summary.delivered
        counts.warned += summary.warned
        counts.retried += summary.retried
        counts.dead += summary.dead
        counts.rows += summary.delivered + summary.retried + summary.dead
        let room = max(0, DrainReport.warningLimit - counts.warnings.count)
        counts.warnings += summary.warnings.prefix(room)
        for error in summary.errors { errorLog.add(error.message, key: error.key) }
    }

    // MARK: - Time

    /// `to - from`, never negative (a wall clock may step back).
    static func duration(from start: Date, to end: Date) -> Duration {
        .seconds(max(0, end.timeIntervalSince(start)))
    }

    /// `"1h"`, `"5m"`, `"90s"` or `"1.5s"`.
    static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0, seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if attoseconds == 0, seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }
}

extension Date {
    /// The date `duration` later.
    fileprivate static func + (date: Date, duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return date.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
