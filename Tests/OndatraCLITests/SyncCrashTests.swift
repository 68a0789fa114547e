import Foundation
import OndatraTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Crash safety of `@sink` with real process deaths: the built binary is killed (by a fault point
/// or by the test), then run again, and what reached a real loopback server, `sync status` and
/// the DuckLake table are checked. Delivery must be at least once, with repeats bounded by the
/// batches in flight when the process died (docs/sync.md, the crash-safety argument).
@Suite struct SyncCrashTests {
    static let batchSize = 5
    static let maxConcurrent = 2
    /// The most changes pushed but not acknowledged when a process dies.
    static let inFlightBound = batchSize * maxConcurrent

    /// A fault point, and what the killed run must have done before dying there.
    struct FaultCase: Sendable, CustomTestStringConvertible {
        /// What the delivery state holds right after the kill.
        enum Left: Sendable {
            /// Nothing queued: the watermark did not move.
            case nothingQueued
            /// Every change of the round pending, none in flight.
            case allPending
            /// Batches claimed by the dead run (at most the batches in flight).
            case someClaimed
        }

        /// `ONDATRA_FAULT`.
        let fault: String
        /// How many rows the killed run pushed.
        let pushed: ClosedRange<Int>
        /// How many pushes the rerun repeats (at least the batch pushed and never acknowledged).
        let repeats: ClosedRange<Int>
        let left: Left

        var testDescription: String { fault }

        static let all = [
            // Committed to DuckLake, nothing queued: the rerun queues from the old watermark.
            FaultCase(fault: "after-commit", pushed: 0...0, repeats: 0...0, left: .nothingQueued),
            // Queued with the watermark, nothing pushed.
            FaultCase(fault: "after-enqueue", pushed: 0...0, repeats: 0...0, left: .allPending),
            // Batch 4 claimed, not pushed: batches 1 and 2 were settled before it could be claimed.
            FaultCase(
                fault: "mid-batch:4", pushed: 2 * batchSize...Int.max, repeats: 0...inFlightBound, left: .someClaimed),
            // The third push returned and was never acknowledged: its rows are pushed again.
            FaultCase(
                fault: "after-push:3", pushed: 3 * batchSize...Int.max, repeats: batchSize...inFlightBound,
                left: .someClaimed),
        ]
    }

    /// Proves each line of the crash-safety argument with a real SIGKILL at its fault point, in
    /// the middle of a several-batch drain (`:N`): two rounds (the first sync's backfill, then
    /// updates and inserts), each run once killed and once clean. Every change reaches the server
    /// at least once, repeats stay within the batches in flight, nothing is left pending, in
    /// flight or dead, and the DuckLake table holds exactly the source's rows.
    @Test(arguments: FaultCase.all)
    func aKillAtAFaultPointLosesNoChange(_ point: FaultCase) async throws {
        let project = try await SinkProject()
        try project.sink(
            lib: "recorder", source: project.batchLib(batchSize: Self.batchSize, maxConcurrent: Self.maxConcurrent))
        let changed = Set(stride(from: 5, through: 50, by: 5))
        let rounds: [(count: Int, changed: Set<Int>, before: (count: Int, changed: Set<Int>)?)] = [
            (50, [], nil), (60, changed, (50, [])),
        ]
        for (number, round) in rounds.enumerated() {
            let expected = SinkProject.expected(count: round.count, changed: round.changed, before: round.before)
            let note = "round \(number + 1), \(point.fault)"
            try project.source(count: round.count, changed: round.changed)
            let first = project.server.requests.count
            try await project.runKilled(at: point.fault)

            // What the killed run left: DuckLake committed first, then the queue as the point says.
            let table = SinkProject.tableRows(count: round.count, changed: round.changed)
            #expect(try await project.table() == table, "\(note): the commit came before the kill")
            let pushedByKilled = project.pushed(since: first).count
            #expect(point.pushed.contains(pushedByKilled), "\(note): the killed run pushed \(pushedByKilled) rows")
            let left = try await project.status() ?? SinkProject.Status()
            switch point.left {
            case .nothingQueued: #expect(left == SinkProject.Status(), "\(note): nothing queued yet")
            case .allPending: #expect(left == SinkProject.Status(pending: expected.count), "\(note)")
            case .someClaimed: #expect((1...Self.inFlightBound).contains(left.inFlight), "\(note): \(left)")
            }

            try await project.runClean()
            let repeats = SinkProject.check(project.pushed(since: first), delivered: expected, note: note)
            #expect(point.repeats.contains(repeats), "\(note): \(repeats) repeats")
            #expect(try await project.status() == SinkProject.Status(), "\(note)")
            #expect(try await project.table() == table, "\(note)")
        }
        // Nothing is pushed again once everything is delivered.
        let settled = project.server.requests.count
        try await project.runClean()
        #expect(project.pushed(since: settled).isEmpty)
    }

    /// A kill leaves batches claimed by a dead run; before the rerun, the same rows change
    /// again, so their `(rowid, change_type)` keys are queued anew while those claims still hold
    /// the older changes. The rerun takes the claims back and pushes every key exactly once with
    /// the latest data (preimage as of the later change, postimage as it is now): nothing stale
    /// is pushed last, nothing is lost, nothing is left in flight.
    @Test func changesMadeBeforeTheRerunSupersedeTheKilledRunsClaims() async throws {
        let project = try await SinkProject()
        try project.sink(
            lib: "recorder", source: project.batchLib(batchSize: Self.batchSize, maxConcurrent: Self.maxConcurrent))
        let ids = Array(1...20)
        try project.source(rows: Dictionary(uniqueKeysWithValues: ids.map { ($0, "v\($0)") }))
        try await project.runClean()
        let first = project.server.requests.count
        // Every row updated (40 changes, 8 batches); killed once the third push returned.
        try project.source(rows: Dictionary(uniqueKeysWithValues: ids.map { ($0, "w\($0)") }))
        try await project.runKilled(at: "after-push:3")
        let left = try #require(try await project.status())
        #expect(left.inFlight > 0, "\(left)")
        let killedRun = project.server.requests.count
        // Every row updated again before the rerun.
        try project.source(rows: Dictionary(uniqueKeysWithValues: ids.map { ($0, "x\($0)") }))
        try await project.runClean()

        let rerun = project.pushed(since: killedRun)
        #expect(rerun.count == 40, "each key pushed once: \(rerun.map(\.change))")
        var latest: [String: String] = [:]
        for row in project.pushed(since: first) { latest["\(row.id):\(row.type)"] = row.val }
        var expected: [String: String] = [:]
        for id in ids {
            expected["\(id):update_preimage"] = "w\(id)"
            expected["\(id):update_postimage"] = "x\(id)"
        }
        #expect(latest == expected)
        #expect(try await project.status() == SinkProject.Status())
        #expect(try await project.table() == ids.map { "\($0):x\($0)" })
    }

    /// Kills the process with SIGKILL at random moments of long drains, three runs a round
    /// (moments drawn from a seeded generator, printed with any failure; `ONDATRA_CRASH_SEED`
    /// replays one): the server answers slowly, so kills land while batches are in flight, two at
    /// a time. After a clean run every change was pushed at least once, repeats are at most the
    /// batches in flight times the kills, and the state and the table are intact. Two rounds: a
    /// 400-row backfill, then updates and inserts read from `table_changes`.
    @Test func killsAtRandomMomentsOfALongDrainLoseNoChange() async throws {
        let seed =
            ProcessInfo.processInfo.environment["ONDATRA_CRASH_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(seed: seed)
        let (batchSize, maxConcurrent) = (10, 2)
        let project = try await SinkProject { _ in
            TestHTTPServer.Response(headers: ["Content-Type": "application/json"], body: "{}", delay: .milliseconds(50))
        }
        try project.sink(lib: "recorder", source: project.batchLib(batchSize: batchSize, maxConcurrent: maxConcurrent))
        let changed = Set(stride(from: 3, through: 400, by: 4))
        let rounds: [(count: Int, changed: Set<Int>, before: (count: Int, changed: Set<Int>)?)] = [
            (400, [], nil), (450, changed, (400, [])),
        ]
        for (number, round) in rounds.enumerated() {
            let expected = SinkProject.expected(count: round.count, changed: round.changed, before: round.before)
            try project.source(count: round.count, changed: round.changed)
            let first = project.server.requests.count
            var kills = 0
            var moments: [String] = []
            for attempt in 0..<3 {
                let before = project.server.requests.count
                let run = try project.start()
                // A kill lands a random moment after a random push of the run: at most 60 ms, in
                // which two 50 ms answers at a time complete at most 4 more of the round's 25 or
                // more batches, so the first run of a round is always killed mid-drain. Later
                // runs may instead be killed up to 800 ms after they start (materializing,
                // committing, queueing, or already draining).
                let pushes = Int(random.next() % 9) + (attempt == 0 ? 1 : 0)
                let delay = Int(random.next() % (pushes == 0 ? 800 : 60))
                if pushes > 0 {
                    _ = try await run.wait(until: { project.server.requests.count >= before + pushes })
                }
                try await Task.sleep(for: .milliseconds(delay))
                run.send(SIGKILL)
                let exit = try await run.exit()
                moments.append(pushes == 0 ? "\(delay) ms after the start" : "\(delay) ms after push \(pushes)")
                if exit.killed {
                    kills += 1
                } else {
                    #expect(exit.status == 0 && !exit.signaled, "seed \(seed): \(exit)")
                }
                let left = try await project.status() ?? SinkProject.Status()
                #expect(left.inFlight <= batchSize * maxConcurrent, "seed \(seed): \(left)")
            }
            let note = "seed \(seed) (ONDATRA_CRASH_SEED=\(seed)), round \(number + 1), kills at \(moments)"
            #expect(kills > 0, "\(note): no run was killed")
            try await project.runClean()
            let repeats = SinkProject.check(project.pushed(since: first), delivered: expected, note: note)
            #expect(repeats <= batchSize * maxConcurrent * kills, "\(note): \(repeats) repeats after \(kills) kills")
            #expect(try await project.status() == SinkProject.Status(), "\(note)")
            #expect(
                try await project.table() == SinkProject.tableRows(count: round.count, changed: round.changed),
                "\(note)")
        }
    }

    /// Async mode across a kill: the process dies while it polls the first batch's job (the
    /// server kills it when that poll arrives, after the job reference was saved). The rerun
    /// polls the saved job again, first, until it reports done, and never pushes that batch
    /// again: each row reaches the push endpoint exactly once.
    @Test func anAsyncJobIsPolledAgainNotPushedAgainAfterAKill() async throws {
        struct Jobs {
            var created = 0
            var polls: [String: Int] = [:]
            var victim: Int32 = 0
        }
        let jobs = Mutex(Jobs())
        let project = try await SinkProject { request in
            if request.method == "POST", request.path == "/jobs" {
                let id = jobs.withLock { jobs in
                    jobs.created += 1
                    return "J\(jobs.created)"
                }
                return .json(#"{"id": "\#(id)"}"#)
            }
            let id = String(request.path.dropFirst("/jobs/".count))
            let polls = jobs.withLock { jobs in
                let count = (jobs.polls[id] ?? 0) + 1
                jobs.polls[id] = count
                return count
            }
            if id == "J1", polls == 1 {
                // Kill the run while it waits for this answer (once its pid is known).
                while jobs.withLock({ $0.victim }) == 0, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(10))
                }
                kill(jobs.withLock { $0.victim }, SIGKILL)
            }
            // Done only on the third poll.
            return .json(#"{"done": \#(polls >= 3)}"#)
        }
        try project.sink(
            lib: "jobs",
            source: """
                API = {
                    "base_url": "\(project.server.baseURL)",
                    "push": {"batch_size": \(Self.batchSize), "batch_mode": "async", "poll_interval": "50ms"},
                }

                def key(r):
                    return str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]

                def push(rows):
                    resp = http.post("/jobs", json=[{k: v for k, v in r.items()} for r in rows])
                    resp.raise_for_status()
                    return {"id": resp.json["id"], "keys": [key(r) for r in rows]}

                def poll(job_ref):
                    resp = http.get("/jobs/" + job_ref["id"])
                    resp.raise_for_status()
                    if not resp.json["done"]:
                        return {"done": False}
                    return {"done": True, "per_row": {k: "ok" for k in job_ref["keys"]}}

                """)
        try project.source(count: 12)
        let run = try project.start()
        jobs.withLock { $0.victim = run.pid }
        let killed = try await run.exit()
        #expect(killed.killed, "\(killed)")
        let calls = { project.server.requests.map { "\($0.method) \($0.path)" } }
        #expect(calls() == ["POST /jobs", "GET /jobs/J1"])
        // The job was saved before the poll: the batch stays claimed with its job.
        #expect(try await project.status() == SinkProject.Status(pending: 7, inFlight: 5, openJobs: 1))

        try await project.runClean()
        let rerun = calls().dropFirst(2)
        #expect(rerun.first == "GET /jobs/J1", "the saved job is polled first: \(rerun)")
        #expect(jobs.withLock { $0.polls["J1"] } == 3)
        #expect(calls().filter { $0 == "POST /jobs" }.count == 3, "\(calls())")
        let pushed = project.pushed(path: "/jobs")
        let repeats = SinkProject.check(pushed, delivered: SinkProject.expected(count: 12, changed: []))
        #expect(repeats == 0)
        #expect(try await project.status() == SinkProject.Status())
        #expect(try await project.table() == SinkProject.tableRows(count: 12, changed: []))
    }
}

/// A small seeded generator, so a failing sequence of kill moments can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
