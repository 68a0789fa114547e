import Foundation
import OndatraSync
import Testing

private typealias F = DrainFixture

/// SplitMix64: a small seeded generator, so a failing seed can be replayed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
}

/// A driver answering the machine's actions in a random order with random replies, failures and
/// interrupts, checking the machine's invariants along the way.
private struct RandomDrive {
    var rng: SeededGenerator
    let settings: DrainSettings
    var machine: DrainMachine
    var now = F.t0
    /// Actions performed in no particular order: each waits for its answer.
    var open: [DrainMachine.Action] = []
    var batches: [BatchID: ClaimedBatch] = [:]
    var claimed: [ChangeKey: BatchID] = [:]
    var settled: [ChangeKey: Int] = [:]
    var released: Set<BatchID> = []
    var withJob: Set<BatchID> = []
    var done: Set<BatchID> = []
    var numbers: [Int] = []
    var pushing: Set<BatchID> = []
    var mostPushing = 0
    var nextRowid: Int64 = 1
    var nextBatch = 1
    var claimsLeft: Int
    var waits = 0
    var stopSent = false
    var interrupted = false
    var totals = (delivered: 0, retried: 0, dead: 0, completes: 0)
    var finishes: [DrainReport] = []
    var finalizes = 0
    let name: String

    init(seed: UInt64, mode: BatchMode, maxConcurrent: Int) {
        name = "seed \(seed), \(mode), max_concurrent \(maxConcurrent)"
        rng = SeededGenerator(state: seed)
        var settings = F.settings(mode, maxConcurrent: maxConcurrent, finalize: rng.chance(0.5), maxAttempts: 3)
        settings.pollTimeout = .seconds(30)
        self.settings = settings
        machine = DrainMachine(target: "main.t", settings: settings, now: F.t0)
        claimsLeft = Int.random(in: 0...12, using: &rng)
    }

    /// Expects `condition`, naming the seed so a failure can be replayed.
    func check(_ condition: Bool, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(condition, "\(name): \(what)", sourceLocation: sourceLocation)
    }

    mutating func makeBatch(job: String?) -> ClaimedBatch {
        let size = Int.random(in: 1...4, using: &rng)
        let changes = (0..<size).map { _ in
            defer { nextRowid += 1 }
            let type = ChangeType.allCases.randomElement(using: &rng) ?? .insert
            return F.change(nextRowid, type, attempts: Int.random(in: 0...2, using: &rng))
        }
        defer { nextBatch += 1 }
        let batch = ClaimedBatch(
            id: "b\(nextBatch)", target: "main.t", changes: changes, leaseUntil: F.at(600), job: job)
        batches[batch.id] = batch
        for change in changes { claimed[change.key] = batch.id }
        if job != nil { withJob.insert(batch.id) }
        return batch
    }

    mutating func statuses(for id: BatchID) -> [String: String] {
        var result: [String: String] = [:]
        for change in batches[id]?.changes ?? [] {
            let roll = Int.random(in: 0..<12, using: &rng)
            guard roll > 0 else { continue }  // missing
            result[change.key.description] = ["ok", "ok", "ok", "warn: w", "error: e", "reject: r", "bogus"][roll % 7]
        }
        if rng.chance(0.1) { result["999999:insert"] = "ok" }
        return result
    }

    mutating func failure() -> PushFailure {
        rng.chance(0.15)
            ? .cancelled
            : [.network("reset"), .httpStatus(500, "boom"), .failed("no")][Int.random(in: 0..<3, using: &rng)]
    }

    /// The event answering `action`, with the bookkeeping of what it did.
    mutating func answer(_ action: DrainMachine.Action) -> DrainMachine.Event? {
        switch action {
        case .recover:
            let count = rng.chance(0.3) ? Int.random(in: 1...3, using: &rng) : 0
            return .recovered((0..<count).map { _ in makeBatch(job: "job") }, now: now)
        case .claim:
            if claimsLeft > 0, rng.chance(0.8) {
                claimsLeft -= 1
                return .claimed(makeBatch(job: nil), nextDue: nil, now: now)
            }
            let soon = waits < 3 && rng.chance(0.5)
            return .claimed(
                nil, nextDue: soon ? now.addingTimeInterval(Double.random(in: 0...15, using: &rng)) : nil, now: now)
        case .push(let batch, _):
            pushing.remove(batch.id)
            if rng.chance(0.15) { return .pushFailed(batch.id, failure(), now: now) }
            switch (settings.mode, Int.random(in: 0..<10, using: &rng)) {
            case (_, 0): return .pushReturned(batch.id, .none, now: now)
            case (_, 1): return .pushReturned(batch.id, .other(type: "list", repr: "[]"), now: now)
            case (.atomic, _): return .pushReturned(batch.id, .none, now: now)
            case (.async, _):
                withJob.insert(batch.id)
                return .pushReturned(batch.id, .job("job"), now: now)
            case (.sync, _): return .pushReturned(batch.id, .statuses(statuses(for: batch.id)), now: now)
            }
        case .saveJob(let id, _):
            return .jobSaved(id, now: now)
        case .poll(let id, _, let at):
            now = max(now, at)
            if rng.chance(0.1) { return .pollFailed(id, failure(), now: now) }
            if rng.chance(0.5) { return .polled(id, .pending, now: now) }
            if rng.chance(0.1) { return .polled(id, .invalid("bad"), now: now) }
            return .polled(id, .done(statuses(for: id)), now: now)
        case .complete(let id, let outcomes, let log):
            checkCompletion(id, outcomes, log)
            return .completed(id, now: now)
        case .release(let id):
            released.insert(id)
            return .released(id, now: now)
        case .wait(let until):
            waits += 1
            now = max(now, until)
            return .woke(now: now)
        case .finalize:
            return rng.chance(0.7) ? .finalized(now: now) : .finalizeFailed(.httpStatus(502, "x"), now: now)
        case .finish:
            return nil
        }
    }

    mutating func checkCompletion(_ id: BatchID, _ outcomes: [ChangeKey: Disposition], _ log: BatchLogEntry) {
        let keys = Set(batches[id]?.changes.map(\.key) ?? [])
        check(Set(outcomes.keys) == keys, "batch \(id) settles exactly its changes")
        check(!done.contains(id) && !released.contains(id), "batch \(id) settles once")
        done.insert(id)
        for key in outcomes.keys { settled[key, default: 0] += 1 }
        var counts = (0, 0, 0)
        for outcome in outcomes.values {
            switch outcome {
            case .delivered: counts.0 += 1
            case .retry(let at, let attempts, _):
                counts.1 += 1
                _ = at
                check(attempts < settings.maxAttempts, "retried below max_attempts")
            case .dead(_, let attempts, _):
                counts.2 += 1
                check(attempts >= 1, "attempts >= 1")
            }
        }
        check(
            (log.rows, log.delivered, log.retried, log.dead) == (keys.count, counts.0, counts.1, counts.2),
            "the log counts the outcomes")
        totals.delivered += counts.0
        totals.retried += counts.1
        totals.dead += counts.2
        totals.completes += 1
    }

    /// Feeds `event` (or starts the machine) and checks what comes back.
    mutating func feed(_ event: DrainMachine.Event?) {
        let actions = event.map { machine.handle($0) } ?? machine.start()
        if !finishes.isEmpty {
            check(actions.isEmpty, "nothing after finish")
            return
        }
        check(machine.inFlight <= machine.limit, "at most the limit in flight")
        for (index, action) in actions.enumerated() {
            switch action {
            case .claim:
                check(!interrupted, "no claim after a stop")
                check(!open.contains(.claim), "one claim at a time")
            case .push(let batch, let number):
                check(!interrupted, "no push after a stop")
                numbers.append(number)
                pushing.insert(batch.id)
                mostPushing = max(mostPushing, pushing.count)
                check(pushing.count <= machine.limit, "at most the limit pushing")
            case .wait:
                check(!interrupted && open.isEmpty && machine.inFlight == 0, "waits only when idle")
            case .finalize(let succeeded, let failed):
                finalizes += 1
                check(settings.hasFinalize && !interrupted && open.isEmpty, "finalizes only at the end, uninterrupted")
                let report = machine.report
                check(report.batches > 0 && report.failedBatches == 0, "finalizes only when every batch succeeded")
                check(succeeded == totals.delivered && failed == totals.retried + totals.dead, "finalize counts rows")
            case .finish(let report):
                check(index == actions.count - 1, "finish is last")
                check(open.allSatisfy(\.isWait) && machine.inFlight == 0, "finishes only when idle")
                finishes.append(report)
                continue
            default: break
            }
            open.append(action)
        }
    }

    mutating func run() {
        feed(nil)
        var steps = 0
        while !open.isEmpty, steps < 10_000 {
            steps += 1
            now = now.addingTimeInterval(Double.random(in: 0...3, using: &rng))
            if !stopSent, finishes.isEmpty, rng.chance(0.02) {
                stopSent = true
                interrupted = true
                feed(.stop(now: now))
                continue
            }
            if rng.chance(0.05) { feed(.completed("stray", now: now)) }
            let action = open.remove(at: Int.random(in: 0..<open.count, using: &rng))
            let event = answer(action)
            if case .pushFailed(_, .cancelled, _) = event { interrupted = true }
            if case .pollFailed(_, .cancelled, _) = event { interrupted = true }
            if case .finalizeFailed(.cancelled, _) = event { interrupted = true }
            feed(event)
        }
        checkEnd()
    }

    func checkEnd() {
        check(finishes.count == 1, "finish emitted once")
        guard let report = finishes.first else { return }
        check(numbers == (0..<numbers.count).map { $0 + 1 }, "push numbers are 1, 2, 3…")
        let releasedKeys = Set(released.flatMap { batches[$0]?.changes.map(\.key) ?? [] })
        let open = Set(batches.keys).subtracting(done).subtracting(released)
        check(open.isSubset(of: withJob), "only batches holding a job are left unsettled")
        check(report.openJobs == open.count, "open jobs counted")
        check(report.released == released.count, "released batches counted")
        let openKeys = Set(open.flatMap { batches[$0]?.changes.map(\.key) ?? [] })
        for (key, _) in claimed {
            let times = (settled[key] ?? 0) + (releasedKeys.contains(key) ? 1 : 0) + (openKeys.contains(key) ? 1 : 0)
            check(times == 1, "\(key) settled exactly once")
        }
        check(report.rows == report.delivered + report.retried + report.dead, "rows add up")
        check(
            (report.delivered, report.retried, report.dead, report.batches)
                == (totals.delivered, totals.retried, totals.dead, totals.completes), "counts match the completions")
        check(report.warned <= report.delivered && report.failedBatches <= report.batches, "subsets")
        check(
            report.warnings.count <= DrainReport.warningLimit && report.errors.count <= DrainReport.errorLimit, "limits"
        )
        check(report.interrupted == interrupted, "interrupted when stopped or cancelled")
        check(finalizes <= 1, "finalize at most once")
        check(!report.finalized || finalizes == 1, "finalized only when asked")
        if finalizes == 1 { check(report.finalized || report.finalizeError != nil, "finalize answered") }
    }
}

extension DrainMachine.Action {
    fileprivate var isWait: Bool {
        if case .wait = self { return true }
        return false
    }
}

@Suite struct DrainMachineRandomTests {
    @Test(arguments: [BatchMode.sync, .atomic, .async])
    func randomInterleavingsKeepTheInvariants(mode: BatchMode) {
        var seen: [String: Int] = [:]
        for seed in UInt64(1)...150 {
            for maxConcurrent in 1...4 {
                var drive = RandomDrive(
                    seed: seed &* 7919 &+ UInt64(maxConcurrent), mode: mode, maxConcurrent: maxConcurrent)
                drive.run()
                guard let report = drive.finishes.first else { continue }
                let cases = [
                    ("interrupted", report.interrupted), ("finalized", report.finalized),
                    ("finalize failed", report.finalizeError != nil), ("released", report.released > 0),
                    ("open jobs", report.openJobs > 0), ("waited", drive.waits > 0), ("dead", report.dead > 0),
                    ("retried", report.retried > 0), ("delivered", report.delivered > 0),
                    ("full", drive.mostPushing == drive.machine.limit && drive.machine.limit > 1),
                ]
                for (name, happened) in cases where happened { seen[name, default: 0] += 1 }
            }
        }
        // The random drive reaches every kind of ending (a guard against a test that checks nothing).
        var expected = [
            "interrupted", "finalized", "finalize failed", "released", "waited", "dead", "retried", "delivered",
        ]
        if mode == .async { expected.append("open jobs") }
        if mode == .sync { expected.append("full") }
        for name in expected { #expect(seen[name, default: 0] > 0, "\(mode): never \(name)") }
    }
}
