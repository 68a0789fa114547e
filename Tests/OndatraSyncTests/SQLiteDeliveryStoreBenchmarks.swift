import Foundation
import OndatraSync
import Testing

private typealias F = StoreFixture

/// The figures in docs/sync-store.md. Off unless `ONDATRA_STORE_BENCH=1`; run them in a release
/// build: `ONDATRA_STORE_BENCH=1 swift test -c release --filter SQLiteDeliveryStoreBenchmarks`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ONDATRA_STORE_BENCH"] != nil))
struct SQLiteDeliveryStoreBenchmarks {
    let clock = ContinuousClock()

    /// Fills `store` with `count` inserts of `main.bench`, a thousand per snapshot.
    @discardableResult
    func fill(_ store: SQLiteDeliveryStore, count: Int, offset: Int64 = 0, now: Date = F.t0) throws -> Duration {
        try clock.measure {
            try store.enqueue(target: "main.bench", through: 1_000, replacing: false, now: now) { writer in
                for rowid in offset..<offset + Int64(count) {
                    try writer.write(F.change(rowid, .insert, rowid / 1_000))
                }
            }
        }
    }

    func claim(_ store: SQLiteDeliveryStore, _ limit: Int, now: Date = F.t0) throws -> ClaimedBatch? {
        try store.claim(target: "main.bench", limit: limit, owner: "bench", now: now, leaseUntil: now + 600)
    }

    func report(_ line: String) { print("BENCH \(line)") }

    @Test func enqueueAndClaimOnALargeQueue() throws {
        for count in [100_000, 1_000_000] {
            let dir = try F.Directory()
            let store = try SQLiteDeliveryStore.open(dir)
            let start = F.Memory.residentBytes() ?? 0
            F.Memory.resetPeak()
            let elapsed = try fill(store, count: count)
            let peak = F.Memory.peakBytes() ?? 0
            report(
                "enqueue \(count): \(seconds(elapsed)) s, \(rate(count, elapsed)) changes/s, peak RSS \(peak >> 20) MiB "
                    + "(\((peak - start) >> 20) MiB above the start)")
            let again = try fill(store, count: count)
            report("enqueue \(count) again (every key already queued): \(seconds(again)) s")
            var batch: ClaimedBatch?
            let first = try clock.measure { batch = try claim(store, 500) }
            #expect(batch?.changes.count == 500)
            let next = try clock.measure {
                for _ in 0..<20 { batch = try claim(store, 500) }
            }
            #expect(batch?.changes.count == 500)
            report("claim 500 on \(count): first \(milliseconds(first)) ms, then \(milliseconds(next / 20)) ms each")
            let status = try clock.measure { _ = try store.status(of: "main.bench", now: F.t0) }
            report("status on \(count): \(milliseconds(status)) ms")
        }
    }

    @Test func claimAndCompleteBatches() throws {
        let dir = try F.Directory()
        let store = try SQLiteDeliveryStore.open(dir)
        try fill(store, count: 100_000)
        var batches = 0
        let written = F.Memory.bytesWritten() ?? 0
        var claiming = Duration.zero
        var completing = Duration.zero
        let big = try clock.measure {
            while true {
                var claimed: ClaimedBatch?
                claiming += try clock.measure { claimed = try claim(store, 500) }
                guard let batch = claimed else { break }
                completing += try clock.measure {
                    try store.complete(
                        batch: batch.id, outcomes: delivered(batch), log: F.logEntry(batch.id, rows: 500))
                }
                batches += 1
            }
        }
        #expect(batches == 200)
        let kibibytes = ((F.Memory.bytesWritten() ?? 0) - written) / batches / 1_024
        report(
            "claim+complete 500-change batches on 100000: \(rate(batches, big)) batches/s, "
                + "\(rate(batches * 500, big)) changes/s; claim \(milliseconds(claiming / batches)) ms, "
                + "complete \(milliseconds(completing / batches)) ms, \(kibibytes) KiB written per batch")

        try fill(store, count: 100_000, offset: 100_000)
        let rounds = 10_000
        let small = try clock.measure {
            for _ in 0..<rounds {
                let batch = try #require(try claim(store, 1))
                try store.complete(batch: batch.id, outcomes: delivered(batch), log: F.logEntry(batch.id))
            }
        }
        report(
            "claim+complete 1-change batches on 100000: \(rate(rounds, small)) batches/s, "
                + "\(rate(2 * rounds, small)) transactions/s")
    }

    /// `max_concurrent: 4`: four batches stay in flight; each round settles the oldest and claims
    /// the next, so every claim has three live batches ahead of it in the claim order.
    @Test func claimAndCompleteWithFourInFlight() throws {
        let dir = try F.Directory()
        let store = try SQLiteDeliveryStore.open(dir)
        try fill(store, count: 100_000)
        var flights: [ClaimedBatch] = []
        var batches = 0
        let elapsed = try clock.measure {
            while true {
                while flights.count < 4, let batch = try claim(store, 500) { flights.append(batch) }
                guard !flights.isEmpty else { break }
                let batch = flights.removeFirst()
                try store.complete(batch: batch.id, outcomes: delivered(batch), log: F.logEntry(batch.id, rows: 500))
                batches += 1
            }
        }
        #expect(batches == 200)
        report("claim+complete 500-change batches, 4 in flight, on 100000: \(rate(batches, elapsed)) batches/s")
    }

    @Test func claimPastChangesWaitingForARetry() throws {
        let dir = try F.Directory()
        let store = try SQLiteDeliveryStore.open(dir)
        try fill(store, count: 100_000)
        // Every change fails once and waits an hour; new changes queue up behind them.
        while let batch = try claim(store, 500) {
            let outcomes = Dictionary(
                uniqueKeysWithValues: batch.changes.map {
                    ($0.key, Disposition.retry(at: F.t0 + 3_600, attempts: 1, error: "error: down"))
                })
            try store.complete(batch: batch.id, outcomes: outcomes, log: F.logEntry(batch.id, rows: 500, delivered: 0))
        }
        try fill(store, count: 1_000, offset: 100_000, now: F.t0 + 1)
        var batch: ClaimedBatch?
        let elapsed = try clock.measure { batch = try claim(store, 500, now: F.t0 + 2) }
        #expect(batch?.changes.first?.key.rowid == 100_000)
        report("claim 500 behind 100000 changes waiting for a retry: \(milliseconds(elapsed)) ms")
        let due = try clock.measure { batch = try claim(store, 500, now: F.t0 + 3_600) }
        #expect(batch?.changes.first?.key.rowid == 0)
        report("claim 500 when 100000 retries fall due at once: \(milliseconds(due)) ms")
    }

    private func delivered(_ batch: ClaimedBatch) -> [ChangeKey: Disposition] {
        Dictionary(uniqueKeysWithValues: batch.changes.map { ($0.key, Disposition.delivered(warning: nil)) })
    }

    private func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    private func milliseconds(_ duration: Duration) -> String {
        String(
            format: "%.2f",
            Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15)
    }

    private func rate(_ count: Int, _ duration: Duration) -> Int {
        let elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return Int(Double(count) / elapsed)
    }
}
