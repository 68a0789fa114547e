import Foundation
import OndatraSync
import Testing

private typealias F = StoreFixture

/// Random histories of enqueues (later snapshots, the same snapshot again, backfills), claims by
/// two owners, completions with random outcomes, releases, saved jobs, lease expiry, recovery and
/// retries, run against the SQLite store and a plain model of the protocol side by side. After
/// every step the store must agree with the model's counts; no claim may take a key that is in a
/// live batch; with no batch live a claim takes exactly the first due changes; and at the end,
/// once everything is drained, the latest change of every key was delivered or buried: none lost.
@Suite struct SQLiteDeliveryStoreModelTests {
    @Test(arguments: UInt64(1)...24) func aRandomHistoryKeepsEveryPromise(seed: UInt64) throws {
        var history = try History(seed: seed)
        for _ in 0..<250 { try history.step() }
        try history.drain()
    }
}

/// SplitMix64, seeded so a failing history can be replayed.
private struct Generator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }
}

/// What the protocol says the store holds.
private struct Model {
    struct Queued: Equatable {
        var snapshot: Int64
        var attempts = 0
        var lastError: String?
        /// Seconds after t0.
        var due: Int
    }

    struct Batch {
        var members: [Change]
        var owner: String
        var leaseUntil: Int
        var job = false
    }

    var queued: [ChangeKey: Queued] = [:]
    var batches: [BatchID: Batch] = [:]
    var dead: [Change] = []
    /// The latest change of each key that must still reach the destination.
    var owed: [ChangeKey: Int64] = [:]

    /// Keys that are members of a live batch.
    var inFlight: Set<ChangeKey> { Set(batches.values.flatMap { $0.members.map(\.key) }) }

    mutating func forgetExpired(at now: Int) {
        batches = batches.filter { $0.value.job || $0.value.leaseUntil > now }
    }

    mutating func enqueue(_ change: Change, at now: Int) {
        if var row = queued[change.key] {
            row.snapshot = max(row.snapshot, change.snapshot)
            row.attempts = 0
            row.lastError = nil
            row.due = now
            queued[change.key] = row
        } else {
            queued[change.key] = Queued(snapshot: change.snapshot, due: now)
        }
        owed[change.key] = max(owed[change.key] ?? .min, change.snapshot)
    }

    /// The first `limit` due changes in claim order.
    func due(at now: Int, limit: Int) -> [PendingChange] {
        queued.filter { $0.value.due <= now }
            .map {
                PendingChange(
                    change: Change(key: $0.key, snapshot: $0.value.snapshot), attempts: $0.value.attempts,
                    lastError: $0.value.lastError)
            }
            .sorted { ($0.change.snapshot, $0.key) < ($1.change.snapshot, $1.key) }
            .prefix(limit).map { $0 }
    }
}

/// One random history: the store, the model, and the checks between them.
private struct History {
    var rng: Generator
    let store: SQLiteDeliveryStore
    var model = Model()
    var now = 0
    var snapshot: Int64 = 1
    /// Every batch claimed so far, for late calls on batches that are gone.
    var everClaimed: [BatchID] = []
    let seed: UInt64

    init(seed: UInt64) throws {
        self.seed = seed
        rng = Generator(state: seed &* 0x2545_F491_4F6C_DD1D)
        store = try .inMemory()
    }

    func check(_ condition: Bool, _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(condition, "seed \(seed), at \(now) s: \(what())", sourceLocation: sourceLocation)
    }

    mutating func step() throws {
        switch rng.below(20) {
        case 0..<5: try enqueue()
        case 5..<10: try claim(owner: rng.below(3) == 0 ? "run-b" : "run-a")
        case 10..<14: try complete()
        case 14: try releaseOrSaveJob()
        case 15: try recover()
        case 16: try retry()
        default: now += rng.below(12)
        }
        try compareStatus()
    }

    mutating func enqueue() throws {
        let replacing = rng.below(25) == 0
        if rng.below(3) > 0 { snapshot += 1 }
        var changes: [Change] = []
        for _ in 0..<(1 + rng.below(6)) {
            let key = ChangeKey(rowid: Int64(rng.below(20)), type: ChangeType.allCases[rng.below(4)])
            // Now and then an older snapshot: the queued change keeps the later one.
            changes.append(Change(key: key, snapshot: rng.below(8) == 0 ? max(1, snapshot - 2) : snapshot))
        }
        try store.enqueue(target: "main.orders", through: snapshot, replacing: replacing, now: F.at(Double(now))) {
            writer in
            for change in changes { try writer.write(change) }
        }
        if replacing {
            model.batches = model.batches.filter(\.value.job)
            let kept = model.inFlight
            model.queued = model.queued.filter { kept.contains($0.key) }
            model.owed = model.owed.filter { kept.contains($0.key) }
        }
        for change in changes { model.enqueue(change, at: now) }
    }

    mutating func claim(owner: String) throws {
        let limit = 1 + rng.below(6)
        let claimed = try store.claim(
            target: "main.orders", limit: limit, owner: owner, now: F.at(Double(now)),
            leaseUntil: F.at(Double(now + 5 + rng.below(40))))
        model.forgetExpired(at: now)
        let inFlight = model.inFlight
        if model.batches.isEmpty {
            check(
                claimed?.changes ?? [] == model.due(at: now, limit: limit),
                "a claim with no batch out takes the first due changes")
        }
        guard let batch = claimed else { return }
        check(batch.changes.count <= limit, "at most the limit")
        check(
            batch.changes.map { ($0.change.snapshot, $0.key) }.elementsEqual(
                batch.changes.map { ($0.change.snapshot, $0.key) }.sorted(by: <), by: ==), "claim order")
        for change in batch.changes {
            check(!inFlight.contains(change.key), "\(change.key) claimed while in a live batch")
            let row = model.queued[change.key]
            check(row?.snapshot == change.change.snapshot, "\(change.key) claimed with its queued snapshot")
            check((row?.due ?? .max) <= now, "\(change.key) claimed when due")
            check(row?.attempts == change.attempts && row?.lastError == change.lastError, "\(change.key) history")
        }
        everClaimed.append(batch.id)
        model.batches[batch.id] = Model.Batch(
            members: batch.changes.map(\.change), owner: owner,
            leaseUntil: Int((batch.leaseUntil.timeIntervalSince(F.t0)).rounded()))
    }

    /// A live batch at random, or now and then one that is gone (a late call).
    mutating func pickBatch() -> (BatchID, Model.Batch?)? {
        let ids = model.batches.keys.sorted()
        let gone = everClaimed.filter { model.batches[$0] == nil }
        if ids.isEmpty || rng.below(10) == 0 {
            return gone.isEmpty ? nil : (gone[rng.below(gone.count)], nil)
        }
        let id = ids[rng.below(ids.count)]
        return (id, model.batches[id])
    }

    mutating func complete() throws {
        guard let (id, batch) = pickBatch() else { return }
        var outcomes: [ChangeKey: Disposition] = [:]
        for member in batch?.members ?? [] {
            switch rng.below(10) {
            case 0..<6: outcomes[member.key] = .delivered(warning: nil)
            case 6, 7: outcomes[member.key] = .retry(at: F.at(Double(now + 1 + rng.below(20))), attempts: 1, error: "e")
            case 8: outcomes[member.key] = .dead(error: "reject", attempts: 1, payload: nil)
            default: break
            }
        }
        try store.complete(batch: id, outcomes: outcomes, log: F.logEntry(id, rows: outcomes.count))
        guard let batch, model.batches[id] != nil else { return }
        model.batches[id] = nil
        for member in batch.members {
            guard let outcome = outcomes[member.key], model.queued[member.key]?.snapshot == member.snapshot else {
                continue
            }
            switch outcome {
            case .delivered:
                model.queued[member.key] = nil
                if model.owed[member.key] == member.snapshot { model.owed[member.key] = nil }
            case .retry(let at, let attempts, let error):
                model.queued[member.key]?.attempts = attempts
                model.queued[member.key]?.lastError = error
                model.queued[member.key]?.due = Int(at.timeIntervalSince(F.t0).rounded())
            case .dead:
                model.queued[member.key] = nil
                model.dead.append(member)
                if model.owed[member.key] == member.snapshot { model.owed[member.key] = nil }
            }
        }
    }

    mutating func releaseOrSaveJob() throws {
        guard let (id, batch) = pickBatch() else { return }
        if rng.below(2) == 0 {
            try store.release(batch: id)
            if batch != nil { model.batches[id] = nil }
        } else {
            try store.saveJob(batch: id, job: "{}")
            if batch != nil { model.batches[id]?.job = true }
        }
    }

    mutating func recover() throws {
        let owner = rng.below(2) == 0 ? "run-a" : "run-b"
        let others = rng.below(2) == 0
        let lease = now + 5 + rng.below(40)
        let recovered = try store.recover(
            target: "main.orders", owner: owner, takeOver: others ? .allOtherOwners : .expiredOnly,
            now: F.at(Double(now)), leaseUntil: F.at(Double(lease)))
        var expected: [BatchID] = []
        for (id, batch) in model.batches where batch.leaseUntil <= now || (others && batch.owner != owner) {
            if batch.job {
                model.batches[id]?.owner = owner
                model.batches[id]?.leaseUntil = lease
                expected.append(id)
            } else {
                model.batches[id] = nil
            }
        }
        check(Set(recovered.map(\.id)) == Set(expected), "recovered \(recovered.map(\.id)), expected \(expected)")
        for batch in recovered {
            check(batch.changes.map(\.change) == model.batches[batch.id]?.members, "a recovered batch's changes")
        }
    }

    mutating func retry() throws {
        let includeDead = rng.below(2) == 0
        let touched = try store.retry(target: "main.orders", includeDead: includeDead, now: F.at(Double(now)))
        var expected = 0
        for (key, row) in model.queued where row.due > now {
            model.queued[key]?.due = now
            expected += 1
        }
        if includeDead {
            expected += model.dead.count
            for change in model.dead { model.enqueue(change, at: now) }
            model.dead = []
        }
        check(touched == expected, "retry touched \(touched), expected \(expected)")
    }

    func compareStatus() throws {
        let status = try store.status(of: "main.orders", now: F.at(Double(now)))
        let inFlight = model.inFlight
        check(status.inFlight == inFlight.count, "in flight \(status.inFlight), model \(inFlight.count)")
        check(status.pending == model.queued.count - inFlight.count, "pending \(status.pending)")
        check(status.dead == model.dead.count, "dead \(status.dead), model \(model.dead.count)")
        let failing = model.queued.filter { $0.value.attempts > 0 && !inFlight.contains($0.key) }.count
        check(status.failing == failing, "failing \(status.failing), model \(failing)")
        check(status.openJobs == model.batches.values.filter(\.job).count, "open jobs")
    }

    /// Takes everything back, then claims and delivers until nothing is left.
    mutating func drain() throws {
        now += 3_600
        for batch in try store.recover(
            target: "main.orders", owner: "final", takeOver: .allOtherOwners, now: F.at(Double(now)),
            leaseUntil: F.at(Double(now + 60)))
        {
            model.batches = [
                batch.id: model.batches[batch.id] ?? Model.Batch(members: [], owner: "final", leaseUntil: 0)
            ]
            try deliverAll(batch)
        }
        model.batches = [:]
        var rounds = 0
        while let batch = try store.claim(
            target: "main.orders", limit: 7, owner: "final", now: F.at(Double(now)), leaseUntil: F.at(Double(now + 60))),
            rounds < 1_000
        {
            rounds += 1
            for change in batch.changes {
                check(model.queued[change.key]?.snapshot == change.change.snapshot, "drained \(change.key)")
            }
            try deliverAll(batch)
        }
        check(model.owed.isEmpty, "changes never delivered nor buried: \(model.owed)")
        let status = try store.status(of: "main.orders", now: F.at(Double(now)))
        check(status.pending == 0 && status.inFlight == 0, "drained: \(status)")
    }

    mutating func deliverAll(_ batch: ClaimedBatch) throws {
        try store.complete(
            batch: batch.id,
            outcomes: Dictionary(uniqueKeysWithValues: batch.changes.map { ($0.key, .delivered(warning: nil)) }),
            log: F.logEntry(batch.id, rows: batch.changes.count))
        for change in batch.changes where model.queued[change.key]?.snapshot == change.change.snapshot {
            model.queued[change.key] = nil
            if model.owed[change.key] == change.change.snapshot { model.owed[change.key] = nil }
        }
    }
}
