import Foundation
import GRDB
import OndatraSync
import Testing

private typealias F = StoreFixture

/// A claim marks no queued change: the batch keeps its members, and later claims skip the
/// stretches of the claim order it walked. These tests pin what that must not change: no change
/// in two live batches, a change enqueued again while its batch is out waits for that batch, and
/// a change that only lies in a batch's stretch waits for it too, and no longer.
@Suite struct SQLiteDeliveryStoreClaimTests {
    let dir: StoreFixture.Directory
    let store: SQLiteDeliveryStore

    init() throws {
        dir = try F.Directory()
        store = try .open(dir)
    }

    private func deliverAll(_ batch: ClaimedBatch) throws {
        try store.complete(
            batch: batch.id,
            outcomes: Dictionary(uniqueKeysWithValues: batch.changes.map { ($0.key, .delivered(warning: nil)) }),
            log: F.logEntry(batch.id, rows: batch.changes.count, delivered: batch.changes.count))
    }

    @Test func aClaimSkipsTheStretchOfALiveBatchAndTakesWhatLiesOnEitherSide() throws {
        try store.add((1...9).map { F.change($0) }, through: 1)
        let first = try #require(try store.take(2))
        let second = try #require(try store.take(2))
        // Batch `first` goes back; a claim takes 1 and 2, steps over 3-4, and goes on at 5.
        try store.release(batch: first.id)
        let around = try #require(try store.take(4))
        #expect(around.changes.map(\.key.rowid) == [1, 2, 5, 6])
        #expect(second.changes.map(\.key.rowid) == [3, 4])
        #expect(try store.status().inFlight == 6 && store.status().pending == 3)
        try deliverAll(second)
        try deliverAll(around)
        #expect(try store.take(10)?.changes.map(\.key.rowid) == [7, 8, 9])
    }

    @Test func aChangeNotDueInsideALiveStretchWaitsForThatBatchOnly() throws {
        try store.add([F.change(1), F.change(3)], through: 1)
        try store.add([F.change(2)], through: 1, now: F.at(10))
        let batch = try #require(try store.take())
        #expect(batch.changes.map(\.key.rowid) == [1, 3])
        // Row 2 is due at 10 s but lies between the batch's members: it waits for the batch.
        #expect(try store.take(now: F.at(10)) == nil)
        #expect(try store.status().pending == 1 && store.status().inFlight == 2)
        #expect(try store.status().oldestPending == F.at(10))
        // Settling the batch removes its members and not row 2, though it lies among them.
        try deliverAll(batch)
        #expect(try store.status().pending == 1)
        #expect(try store.take(now: F.at(10))?.changes.map(\.change) == [F.change(2)])
    }

    @Test func aRetryRejoiningInsideALiveStretchWaitsForThatBatch() throws {
        try store.add((1...4).map { F.change($0) }, through: 1)
        let first = try #require(try store.take(1))
        let failing = try #require(try store.take(1))
        try store.complete(
            batch: failing.id, outcomes: [F.change(2).key: .retry(at: F.at(5), attempts: 1, error: "error: busy")],
            log: F.logEntry(failing.id, delivered: 0))
        try store.release(batch: first.id)
        // Row 2 waits in backoff, out of the claim order: the next batch walks over its place.
        let batch = try #require(try store.take(now: F.at(1)))
        #expect(batch.changes.map(\.key.rowid) == [1, 3, 4])
        #expect(try store.nextDue(target: "main.orders", after: F.at(1)) == F.at(5))
        #expect(try store.take(now: F.at(5)) == nil)
        try store.release(batch: batch.id)
        let retried = try #require(try store.take(now: F.at(5)))
        #expect(retried.changes.map(\.key.rowid) == [1, 2, 3, 4])
        #expect(retried.changes[1].attempts == 1 && retried.changes[1].lastError == "error: busy")
    }

    @Test func aChangeEnqueuedAgainIsHeldUntilItsBatchIsSettledHowever() throws {
        // Settled with every outcome, released, expired, taken back: each frees the later change.
        for end in ["retried", "released", "expired", "recovered"] {
            let store = try SQLiteDeliveryStore.inMemory()
            try store.add([F.change(1, .updatePostimage, 1), F.change(2, .updatePostimage, 1)], through: 1)
            let batch = try #require(try store.take(lease: 30))
            try store.add([F.change(1, .updatePostimage, 2)], through: 2, now: F.at(1))
            // The later change is not pushed while the earlier one is out, by any owner.
            #expect(try store.take(owner: "run-b", now: F.at(2)) == nil)
            var status = try store.status()
            #expect(status.pending == 0 && status.inFlight == 2, "\(end)")
            switch end {
            case "retried":
                try store.complete(
                    batch: batch.id,
                    outcomes: [
                        F.change(1, .updatePostimage).key: .retry(at: F.at(100), attempts: 1, error: "e"),
                        F.change(2, .updatePostimage).key: .delivered(warning: nil),
                    ], log: F.logEntry(batch.id, rows: 2, delivered: 1))
            case "released":
                try store.release(batch: batch.id)
            case "expired":
                break
            default:
                _ = try store.recover(
                    target: "main.orders", owner: "run-b", takeOver: .allOtherOwners, now: F.at(2),
                    leaseUntil: F.at(60))
            }
            let next = try #require(try store.take(owner: "run-b", now: F.at(30)), "\(end)")
            #expect(next.changes.contains(PendingChange(change: F.change(1, .updatePostimage, 2))), "\(end)")
            status = try store.status()
            #expect(status.failing == 0, "\(end): the later change starts over")
        }
    }

    @Test func aChangeEnqueuedAgainWithTheSameSnapshotIsCoveredByItsBatch() throws {
        try store.add([F.change(1), F.change(2)], through: 1)
        let batch = try #require(try store.take())
        try store.add([F.change(1)], through: 1, now: F.at(1))
        #expect(try store.take(now: F.at(1)) == nil)
        try deliverAll(batch)
        #expect(try store.status().pending == 0)
        #expect(try store.take(now: F.at(2)) == nil)
    }

    @Test func aHeldChangeOfABatchHoldingAJobWaitsForTheJobAcrossABackfill() throws {
        try store.add((1...4).map { F.change($0) }, through: 1)
        let async = try #require(try store.take(2, lease: 60))
        try store.saveJob(batch: async.id, job: "{}")
        let plain = try #require(try store.take(2, lease: 60))
        // A backfill queues every row again: the job's rows stay (row 1 now held with snapshot
        // 2), the plain batch and its rows go, and the new rows 3 and 5 are queued.
        try store.add(
            [F.change(1, .insert, 2), F.change(3, .insert, 2), F.change(5, .insert, 2)], through: 2,
            replacing: true, now: F.at(1))
        var status = try store.status()
        #expect(status.inFlight == 2 && status.pending == 2 && status.openJobs == 1)
        try store.complete(
            batch: plain.id, outcomes: [F.change(3).key: .delivered(warning: nil)], log: F.logEntry(plain.id))
        #expect(
            try store.take(10, now: F.at(2))?.changes.map(\.change) == [
                F.change(3, .insert, 2), F.change(5, .insert, 2),
            ])
        // The job comes back to a new run and reports: row 1 superseded stays, row 2 delivered.
        let recovered = try store.recover(
            target: "main.orders", owner: "run-b", takeOver: .allOtherOwners, now: F.at(3), leaseUntil: F.at(63))
        #expect(recovered.map(\.id) == [async.id])
        #expect(recovered.first?.changes.map(\.change) == [F.change(1), F.change(2)])
        try deliverAll(try #require(recovered.first))
        status = try store.status()
        #expect(status.inFlight == 0 && status.pending == 3 && status.openJobs == 0)
        #expect(try store.take(10, now: F.at(4))?.changes.map(\.change).first == F.change(1, .insert, 2))
    }

    @Test func aDeadLetterRevivedInsideALiveStretchWaitsForThatBatch() throws {
        try store.add((1...3).map { F.change($0) }, through: 1)
        let buried = try #require(try store.take(1))
        try store.complete(
            batch: buried.id, outcomes: [F.change(1).key: .dead(error: "reject: no", attempts: 1, payload: nil)],
            log: F.logEntry(buried.id, delivered: 0))
        try store.add([F.change(0)], through: 1)
        let batch = try #require(try store.take())
        #expect(batch.changes.map(\.key.rowid) == [0, 2, 3])
        #expect(try store.retry(target: "main.orders", includeDead: true, now: F.at(1)) == 1)
        #expect(try store.take(now: F.at(1)) == nil)
        try deliverAll(batch)
        #expect(try store.take(now: F.at(1))?.changes.map(\.change) == [F.change(1)])
    }

    @Test func statusCountsTheMembersOfLiveBatchesAsInFlight() throws {
        try store.add([1, 3, 4].map { F.change($0) }, through: 1, now: F.at(-20))
        try store.add([2, 5, 6].map { F.change($0) }, through: 1, now: F.at(-10))
        try store.add([F.change(7)], through: 1, now: F.at(-5))
        let failed = try #require(try store.take(2))
        try store.complete(
            batch: failed.id,
            outcomes: [
                F.change(1).key: .retry(at: F.t0, attempts: 1, error: "e"),
                F.change(2).key: .retry(at: F.at(100), attempts: 1, error: "e"),
            ], log: F.logEntry(failed.id, rows: 2, delivered: 0))
        // Row 1 (failed before) is out again, row 3 is held with a later snapshot, row 2 waits.
        let batch = try #require(try store.take(3))
        #expect(batch.changes.map(\.key.rowid) == [1, 3, 4])
        try store.add([F.change(3, .insert, 2)], through: 2, now: F.at(-1))
        let status = try store.status()
        #expect(status.inFlight == 3 && status.pending == 4 && status.failing == 1)
        // Rows 1, 3 and 4 were queued first, but they are in flight.
        #expect(status.oldestPending == F.at(-10))
        try deliverAll(batch)
        let after = try store.status()
        #expect(after.inFlight == 0 && after.pending == 5 && after.failing == 1)
    }

    @Test func extremeKeysAndSnapshotsComeBackFromABatchAsClaimed() throws {
        let changes = [
            F.change(.min, .delete, .min), F.change(.max, .insert, .min), F.change(-1, .updatePreimage, 0),
            F.change(0, .updatePostimage, 0), F.change(.min, .insert, .max), F.change(.max, .delete, .max),
        ]
        try store.add(changes, through: .max)
        let batch = try #require(try store.take())
        #expect(batch.changes.map(\.change) == changes)
        try store.saveJob(batch: batch.id, job: "{}")
        let recovered = try store.recover(
            target: "main.orders", owner: "run-b", takeOver: .allOtherOwners, now: F.t0, leaseUntil: F.at(60))
        #expect(recovered.first?.changes == batch.changes)
    }

    @Test func aDamagedMembersRecordIsAnErrorNotACrash() throws {
        try store.add([F.change(1)], through: 1)
        let batch = try #require(try store.take())
        for blob in [
            Data([7, 1, 1, 3]), Data([1, 2]), Data([1] + Array(repeating: 0xFF, count: 11)), Data([1, 0, 0, 9]),
        ] {
            try DatabaseQueue(path: dir.storePath.path).write { db in
                try db.execute(sql: "UPDATE batches SET members = ?", arguments: [blob])
            }
            #expect(throws: SQLiteDeliveryStoreError.self) {
                try store.complete(
                    batch: batch.id, outcomes: [F.change(1).key: .delivered(warning: nil)], log: F.logEntry(batch.id))
            }
        }
    }
}
