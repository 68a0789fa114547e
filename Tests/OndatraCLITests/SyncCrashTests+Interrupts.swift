import Foundation
import OndatraTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs that are interrupted, or overlap, rather than killed.
extension SyncCrashTests {
    /// Ctrl-C (and SIGTERM, what cron, systemd and container stops send) while two batches wait
    /// for the server's answer: the requests are cancelled, the run exits 130 and gives both
    /// batches back (nothing stays in flight), and the rerun pushes the rest; only the two
    /// cancelled batches are pushed twice.
    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptedDrainGivesItsBatchesBackAndTheRerunDeliversTheRest(signal: Int32) async throws {
        let gate = Gate()
        let project = try await SinkProject()
        let answered = Mutex(0)
        project.answer { _ in
            // The first two batches are answered; the next ones wait until the test opens the gate.
            if answered.withLock({ count in
                count += 1
                return count
            }) > 2 {
                await gate.wait()
            }
            return .json("{}")
        }
        try project.sink(
            lib: "recorder", source: project.batchLib(batchSize: Self.batchSize, maxConcurrent: Self.maxConcurrent))
        try project.source(count: 60)
        let run = try project.start()
        let held = try await run.wait(until: { project.pushed().count == 4 * Self.batchSize })
        guard held else {
            Issue.record("the run never had two batches waiting: \(try await run.exit())")
            return
        }
        run.send(signal)
        let interrupted = try await run.exit(limit: .seconds(120))
        gate.open()
        #expect(interrupted.status == 130 && !interrupted.signaled, "\(interrupted)")
        #expect(try await project.status() == SinkProject.Status(pending: 60 - 2 * Self.batchSize))

        try await project.runClean()
        let expected = SinkProject.expected(count: 60, changed: [])
        #expect(SinkProject.check(project.pushed(), delivered: expected) == 2 * Self.batchSize)
        #expect(try await project.status() == SinkProject.Status())
        #expect(try await project.table() == SinkProject.tableRows(count: 60, changed: []))
    }

    /// A second `ondatrasql run` while the first drains is refused by the project lock, naming
    /// the running process, and leaves the delivery state alone: the first run then delivers
    /// every change exactly once, and `sync status` could read the state meanwhile.
    @Test func aSecondRunWhileOneDrainsIsRefusedAndChangesNothing() async throws {
        let gate = Gate()
        let project = try await SinkProject()
        project.answer { _ in
            await gate.wait()
            return .json("{}")
        }
        try project.sink(
            lib: "recorder", source: project.batchLib(batchSize: Self.batchSize, maxConcurrent: Self.maxConcurrent))
        try project.source(count: 60)
        let first = try project.start()
        let draining = try await first.wait(until: { !project.pushed().isEmpty })
        guard draining else {
            Issue.record("the first run never pushed: \(try await first.exit())")
            return
        }

        let second = try await project.run()
        #expect(second.status == 2, "\(second)")
        #expect(
            second.stderr
                == "error: another ondatrasql run (pid \(first.pid)) is working on this project; wait for it to finish\n"
        )
        #expect(second.stdout.isEmpty)
        let during = try #require(try await project.status())
        #expect(during.pending + during.inFlight == 60 && during.inFlight <= Self.inFlightBound, "\(during)")

        gate.open()
        let finished = try await first.exit()
        #expect(finished.status == 0 && !finished.signaled, "\(finished)")
        let repeats = SinkProject.check(project.pushed(), delivered: SinkProject.expected(count: 60, changed: []))
        #expect(repeats == 0)
        #expect(try await project.status() == SinkProject.Status())
        #expect(try await project.table() == SinkProject.tableRows(count: 60, changed: []))
    }
}

/// Holds the server's answers until the test opens it.
final class Gate: Sendable {
    private let isOpen = Mutex(false)

    func open() { isOpen.withLock { $0 = true } }

    /// Returns once open (or when the request's task is cancelled: the client went away).
    func wait() async {
        while !isOpen.withLock({ $0 }), !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
