import Foundation
import OndatraSync
import Testing

private typealias F = StoreFixture

@Suite struct SQLiteDeliveryStoreTests {
    let dir: StoreFixture.Directory
    let store: SQLiteDeliveryStore

    init() throws {
        dir = try F.Directory()
        store = try .open(dir)
    }

    // MARK: Enqueue

    @Test func enqueueQueuesChangesAndMovesTheWatermark() throws {
        #expect(try store.watermark(of: "main.orders") == nil)
        #expect(try store.targets().isEmpty)
        let written = try store.add(
            [F.change(1), F.change(2, .delete, 3), F.change(3, .updatePostimage, 7)], through: 7)
        #expect(written == 3)
        #expect(try store.watermark(of: "main.orders") == 7)
        try store.add([], to: "main.customers", through: 4)
        #expect(try store.targets() == ["main.customers", "main.orders"])
        let status = try store.status()
        #expect(status.pending == 3 && status.inFlight == 0 && status.failing == 0)
        #expect(status.oldestPending == F.t0)
        #expect(try store.watermark(of: "main.customers") == 4)
        #expect(try store.status("main.customers").pending == 0)
    }

    @Test func aDuplicateKeyKeepsTheLatestSnapshotAndStartsOver() throws {
        try store.add(
            [F.change(1, .insert, 3), F.change(1, .insert, 5), F.change(1, .insert, 4), F.change(2)], through: 5)
        #expect(try store.status().pending == 2)
        let batch = try #require(try store.take())
        #expect(batch.changes.map(\.change) == [F.change(2, .insert, 1), F.change(1, .insert, 5)])
        try store.complete(
            batch: batch.id,
            outcomes: [
                F.change(1).key: .retry(at: F.at(3_600), attempts: 4, error: "error: busy"),
                F.change(2).key: .retry(at: F.at(3_600), attempts: 1, error: "error: busy"),
            ], log: F.logEntry(batch.id, rows: 2, delivered: 0))
        #expect(try store.status().failing == 2)
        // An older snapshot still starts the attempts over, keeping the later snapshot.
        try store.add([F.change(1, .insert, 8), F.change(2, .insert, 0)], through: 8, now: F.at(10))
        #expect(try store.status().failing == 0)
        let again = try #require(try store.take(now: F.at(10)))
        #expect(
            again.changes == [
                PendingChange(change: F.change(2, .insert, 1)), PendingChange(change: F.change(1, .insert, 8)),
            ])
    }

    @Test func aThrowingBodyWritesNothing() throws {
        try store.add([F.change(1)], through: 2)
        #expect(throws: F.Boom.self) {
            try store.enqueue(target: "main.orders", through: 9, replacing: true, now: F.t0) { writer in
                // More than a chunk, so some changes reached the database before the throw.
                for rowid in 0..<Int64(ChangeWriter.chunkSize + 10) { try writer.write(F.change(100 + rowid)) }
                throw F.Boom()
            }
        }
        #expect(throws: F.Boom.self) {
            try store.enqueue(target: "main.new", through: 1, replacing: false, now: F.t0) { _ in throw F.Boom() }
        }
        #expect(try store.watermark(of: "main.orders") == 2)
        #expect(try store.status().pending == 1)
        #expect(try store.targets() == ["main.orders"])
    }

    @Test func replacingDropsPendingChangesButKeepsBatchesHoldingAJob() throws {
        try store.add((1...6).map { F.change($0) }, through: 1)
        let plain = try #require(try store.take(2))
        let async = try #require(try store.take(2))
        try store.saveJob(batch: async.id, job: #"{"job":"j-1"}"#)
        let written = try store.add([F.change(10, .insert, 2), F.change(11, .insert, 2)], through: 2, replacing: true)
        #expect(written == 2)
        var status = try store.status()
        #expect(status.pending == 2 && status.inFlight == 2 && status.openJobs == 1)
        #expect(try store.watermark(of: "main.orders") == 2)
        // The plain batch went with the backfill: settling it now changes nothing.
        try store.complete(
            batch: plain.id, outcomes: [F.change(1).key: .delivered(warning: nil)], log: F.logEntry(plain.id))
        #expect(try store.batches(of: "main.orders", limit: 10).isEmpty)
        let claimed = try #require(try store.take(now: F.at(1)))
        #expect(claimed.changes.map(\.key.rowid) == [10, 11])
        let recovered = try store.recover(
            target: "main.orders", owner: "run-b", takeOver: .allOtherOwners, now: F.at(1), leaseUntil: F.at(61))
        #expect(recovered.map(\.id) == [async.id])
        #expect(recovered.first?.changes == async.changes)
        status = try store.status()
        #expect(status.pending == 2 && status.inFlight == 2)
    }

    @Test func aChangeEnqueuedAgainWhileInABatchIsPushedAgainAfterIt() throws {
        try store.add([F.change(1, .updatePostimage, 1), F.change(2, .updatePostimage, 1)], through: 1)
        let batch = try #require(try store.take())
        // Row 1 changes again while the batch is out; row 2 arrives again with the same snapshot.
        try store.add([F.change(1, .updatePostimage, 2), F.change(2, .updatePostimage, 1)], through: 2, now: F.at(5))
        #expect(try store.take(now: F.at(5)) == nil)
        try store.complete(
            batch: batch.id,
            outcomes: [
                // Superseded: released, not buried, so the later change is pushed.
                ChangeKey(rowid: 1, type: .updatePostimage): .dead(error: "reject: no", attempts: 1, payload: nil),
                ChangeKey(rowid: 2, type: .updatePostimage): .delivered(warning: nil),
            ], log: F.logEntry(batch.id, rows: 2, delivered: 2))
        let next = try #require(try store.take(now: F.at(5)))
        #expect(next.changes == [PendingChange(change: F.change(1, .updatePostimage, 2))])
        #expect(try store.status().dead == 0)
    }

    // MARK: Claim

    @Test func claimTakesDueChangesInSnapshotRowAndChangeTypeOrder() throws {
        let changes = [
            F.change(5, .insert, 2), F.change(9, .delete, 1), F.change(5, .delete, 2), F.change(5, .updatePostimage, 1),
            F.change(5, .updatePreimage, 1), F.change(1, .insert, 3), F.change(2, .insert, 2), F.change(7, .insert, 1),
        ]
        try store.add(changes.shuffled(), through: 3)
        let expected = changes.sorted { ($0.snapshot, $0.key) < ($1.snapshot, $1.key) }
        let first = try #require(try store.take(5))
        #expect(first.changes.map(\.change) == Array(expected.prefix(5)))
        #expect(first.target == "main.orders" && first.leaseUntil == F.at(60) && first.job == nil)
        let second = try #require(try store.take(5))
        #expect(second.changes.map(\.change) == Array(expected.dropFirst(5)))
        #expect(second.id != first.id)
        #expect(try store.take(5) == nil)
        #expect(try store.take(0) == nil)
        #expect(
            try store.claim(target: "main.unknown", limit: 5, owner: "run-a", now: F.t0, leaseUntil: F.at(60)) == nil)
    }

    /// A claim points its batch at exactly the changes it returns (one statement over the claim
    /// order): not at a change of the same order that is not due yet, nor at another target's.
    @Test func aClaimTakesExactlyTheChangesItReturns() throws {
        try store.add((1...6).map { F.change($0) }, through: 1)
        try store.add([F.change(0)], through: 1, now: F.at(30))
        try store.add((1...3).map { F.change($0) }, to: "main.other", through: 1)
        let first = try #require(try store.take(4))
        #expect(first.changes.map(\.change.key.rowid) == [1, 2, 3, 4])
        #expect(try store.status().inFlight == 4 && store.status().pending == 3)
        #expect(try store.status("main.other").inFlight == 0)
        #expect(try store.take(10)?.changes.map(\.change.key.rowid) == [5, 6])
        #expect(try store.take(10) == nil)
        #expect(try store.take(10, now: F.at(30))?.changes.map(\.change.key.rowid) == [0])
    }

    /// Settling a batch whose changes were all delivered removes that batch's changes and no other.
    @Test func completingADeliveredBatchLeavesTheOtherBatchInFlight() throws {
        try store.add((1...6).map { F.change($0) }, through: 1)
        let first = try #require(try store.take(3))
        let second = try #require(try store.take(3))
        try store.complete(
            batch: first.id,
            outcomes: Dictionary(uniqueKeysWithValues: first.changes.map { ($0.key, .delivered(warning: nil)) }),
            log: F.logEntry(first.id, rows: 3, delivered: 3))
        #expect(try store.status().pending == 0 && store.status().inFlight == 3)
        try store.release(batch: second.id)
        #expect(try store.take(10, now: F.at(1))?.changes.map(\.change) == second.changes.map(\.change))
    }

    @Test func changesQueuedForLaterAreNotClaimedEarly() throws {
        try store.add([F.change(1)], through: 1, now: F.at(30))
        #expect(try store.take(now: F.at(29)) == nil)
        #expect(try store.nextDue(target: "main.orders", after: F.at(29)) == F.at(30))
        #expect(try store.take(now: F.at(30))?.changes.count == 1)
    }

    @Test func aClaimedChangeIsNotClaimedAgainUntilReleased() throws {
        try store.add((1...3).map { F.change($0) }, through: 1)
        let batch = try #require(try store.take())
        #expect(try store.take(now: F.at(30)) == nil)
        #expect(try store.status().inFlight == 3)
        try store.release(batch: batch.id)
        try store.release(batch: batch.id)  // a second release is a no-op
        let again = try #require(try store.take(now: F.at(30)))
        #expect(again.changes.map(\.change) == batch.changes.map(\.change))
        #expect(again.changes.allSatisfy { $0.attempts == 0 })
    }

    @Test func aClaimedChangeIsClaimedAgainOnceTheLeaseExpires() throws {
        try store.add((1...3).map { F.change($0) }, through: 1)
        let batch = try #require(try store.take(now: F.t0, lease: 60))
        #expect(try store.take(owner: "run-b", now: F.at(59.999)) == nil)
        let taken = try #require(try store.take(owner: "run-b", now: F.at(60)))
        #expect(taken.changes == batch.changes && taken.id != batch.id)
        // The first owner's late settlement is ignored: the changes belong to the new batch.
        try store.complete(
            batch: batch.id, outcomes: [F.change(1).key: .delivered(warning: nil)], log: F.logEntry(batch.id))
        #expect(try store.status().inFlight == 3)
        #expect(try store.batches(of: "main.orders", limit: 10).isEmpty)
    }

    // MARK: Recover

    @Test func recoverTakesBackExpiredBatchesOrEveryOtherOwners() throws {
        try store.add((1...6).map { F.change($0) }, through: 1)
        let expired = try #require(try store.take(2, owner: "run-a", lease: 60))
        let live = try #require(try store.take(2, owner: "run-b", lease: 600))
        let mine = try #require(try store.take(2, owner: "run-c", lease: 600))
        #expect(
            try store.recover(
                target: "main.orders", owner: "run-c", takeOver: .expiredOnly, now: F.at(100), leaseUntil: F.at(160)
            ).isEmpty)
        #expect(try store.status().pending == 2 && store.status().inFlight == 4)
        _ = try store.recover(
            target: "main.orders", owner: "run-c", takeOver: .allOtherOwners, now: F.at(100), leaseUntil: F.at(160))
        #expect(try store.status().pending == 4 && store.status().inFlight == 2)
        let reclaimed = try #require(try store.take(10, owner: "run-c", now: F.at(100)))
        #expect(reclaimed.changes == expired.changes + live.changes)
        #expect(reclaimed.changes.allSatisfy { $0.attempts == 0 })
        // The caller's own live batch was left alone.
        try store.release(batch: mine.id)
        #expect(try store.status().inFlight == 4)
        #expect(
            try store.recover(target: "main.none", owner: "x", takeOver: .allOtherOwners, now: F.t0, leaseUntil: F.t0)
                .isEmpty)
    }

    @Test func aBatchHoldingAJobComesBackFromRecoverToBePolled() throws {
        try store.add((1...3).map { F.change($0) }, through: 1)
        let batch = try #require(try store.take(owner: "run-a", lease: 60))
        try store.saveJob(batch: batch.id, job: #"{"id":"job-7"}"#)
        #expect(try store.status().openJobs == 1)
        // Past its lease it is still not claimed, so its changes are never pushed twice.
        #expect(try store.take(owner: "run-b", now: F.at(120)) == nil)
        #expect(
            try store.recover(
                target: "main.orders", owner: "run-b", takeOver: .expiredOnly, now: F.at(30), leaseUntil: F.at(90)
            )
            .isEmpty)
        let recovered = try store.recover(
            target: "main.orders", owner: "run-b", takeOver: .expiredOnly, now: F.at(120), leaseUntil: F.at(180))
        #expect(
            recovered == [
                ClaimedBatch(
                    id: batch.id, target: "main.orders", changes: batch.changes, leaseUntil: F.at(180),
                    job: #"{"id":"job-7"}"#)
            ])
        // Re-leased to run-b: a third owner's expired-only recovery before 180 s leaves it.
        #expect(
            try store.recover(
                target: "main.orders", owner: "run-c", takeOver: .expiredOnly, now: F.at(150), leaseUntil: F.at(210)
            )
            .isEmpty)
        let outcomes = Dictionary(
            uniqueKeysWithValues: batch.changes.map { ($0.key, Disposition.delivered(warning: nil)) })
        try store.complete(batch: batch.id, outcomes: outcomes, log: F.logEntry(batch.id, rows: 3, delivered: 3))
        let status = try store.status()
        #expect(status.openJobs == 0 && status.inFlight == 0 && status.pending == 0)
    }

    // MARK: Complete, release, next due, retry

    @Test func completeSettlesEachChangeAndReleasesTheRest() throws {
        try store.add((1...5).map { F.change($0, .insert, 4) }, through: 4)
        let batch = try #require(try store.take())
        let log = BatchLogEntry(
            batch: batch.id, started: F.at(1), duration: .milliseconds(2_250), rows: 5, delivered: 2, retried: 1,
            dead: 1, error: nil)
        try store.complete(
            batch: batch.id,
            outcomes: [
                F.change(1).key: .delivered(warning: nil),
                F.change(2).key: .delivered(warning: "warn: slow"),
                F.change(3).key: .retry(at: F.at(5), attempts: 1, error: "error: HTTP 503"),
                F.change(4).key: .dead(error: "reject: invalid email", attempts: 1, payload: #"{"id":4}"#),
                F.change(99).key: .delivered(warning: nil),  // not in the batch: ignored
            ], log: log)
        let status = try store.status()
        #expect(status.pending == 2 && status.inFlight == 0 && status.dead == 1 && status.failing == 1)
        // Both failed when the batch ended; a tie goes in text order.
        #expect(status.lastErrors == ["error: HTTP 503", "reject: invalid email"])
        #expect(
            try store.deadLetters(of: "main.orders", limit: 10) == [
                DeadLetter(
                    change: F.change(4, .insert, 4), attempts: 1, error: "reject: invalid email", payload: #"{"id":4}"#,
                    failedAt: F.at(3.25))
            ])
        #expect(try store.batches(of: "main.orders", limit: 10) == [log])
        // The change with no outcome is due at once; the retried one waits for its time.
        let missing = try #require(try store.take(now: F.at(4)))
        #expect(missing.changes == [PendingChange(change: F.change(5, .insert, 4))])
        #expect(try store.nextDue(target: "main.orders", after: F.at(4)) == F.at(5))
        let retried = try #require(try store.take(now: F.at(5)))
        #expect(
            retried.changes == [
                PendingChange(change: F.change(3, .insert, 4), attempts: 1, lastError: "error: HTTP 503")
            ]
        )
    }

    @Test func nextDueIsTheEarliestWaitingChangeInNoBatch() throws {
        #expect(try store.nextDue(target: "main.orders", after: F.t0) == nil)
        try store.add((1...3).map { F.change($0) }, through: 1)
        #expect(try store.nextDue(target: "main.orders", after: F.t0) == nil)  // all due
        let batch = try #require(try store.take())
        try store.complete(
            batch: batch.id,
            outcomes: [
                F.change(1).key: .retry(at: F.at(40), attempts: 1, error: "e"),
                F.change(2).key: .retry(at: F.at(20), attempts: 1, error: "e"),
            ], log: F.logEntry(batch.id, rows: 3, delivered: 0))
        #expect(try store.nextDue(target: "main.orders", after: F.t0) == F.at(20))
        // Change 2 is claimed once due; change 1 is next.
        _ = try #require(try store.take(now: F.at(20)))
        #expect(try store.nextDue(target: "main.orders", after: F.at(20)) == F.at(40))
        #expect(try store.nextDue(target: "main.orders", after: F.at(40)) == nil)
    }

    @Test func retryMakesWaitingChangesDueAndRevivesDeadLettersWhenAsked() throws {
        try store.add((1...4).map { F.change($0, .insert, 2) }, through: 2)
        let batch = try #require(try store.take())
        try store.complete(
            batch: batch.id,
            outcomes: [
                F.change(1).key: .retry(at: F.at(3_600), attempts: 3, error: "error: down"),
                F.change(2).key: .dead(error: "reject: bad", attempts: 1, payload: "{}"),
                F.change(3).key: .dead(error: "error: down", attempts: 20, payload: nil),
                F.change(4).key: .delivered(warning: nil),
            ], log: F.logEntry(batch.id, rows: 4, delivered: 1))
        #expect(try store.retry(target: "main.orders", includeDead: false, now: F.at(10)) == 1)
        #expect(try store.retry(target: "main.orders", includeDead: false, now: F.at(10)) == 0)
        #expect(try store.status().dead == 2)
        let retried = try #require(try store.take(now: F.at(10)))
        #expect(retried.changes.map(\.attempts) == [3])
        try store.release(batch: retried.id)
        // Row 2 was enqueued again meanwhile with a later snapshot: that snapshot stays.
        try store.add([F.change(2, .insert, 5)], through: 5, now: F.at(11))
        #expect(try store.retry(target: "main.orders", includeDead: true, now: F.at(12)) == 2)
        #expect(try store.status().dead == 0)
        let revived = try #require(try store.take(now: F.at(12)))
        #expect(
            revived.changes == [
                PendingChange(change: F.change(1, .insert, 2), attempts: 3, lastError: "error: down"),
                PendingChange(change: F.change(3, .insert, 2)),
                PendingChange(change: F.change(2, .insert, 5)),
            ])
        #expect(try store.retry(target: "main.none", includeDead: true, now: F.t0) == 0)
    }

    // MARK: Status and logs

    @Test func statusCountsEveryState() throws {
        try store.add((1...10).map { F.change($0) }, through: 3, now: F.at(-50))
        try store.add((11...12).map { F.change($0) }, through: 4, now: F.t0)
        let failed = try #require(try store.take(4, now: F.t0))
        let job = try #require(try store.take(3, now: F.t0))
        try store.saveJob(batch: job.id, job: "{}")
        _ = try #require(try store.take(1, now: F.t0))
        // Seven failures with six distinct errors, a second apart; the log adds a batch error.
        let errors = ["e1", "e2", "e3", "e4", "e2", "e5", "e6"]
        try store.complete(
            batch: failed.id,
            outcomes: [
                F.change(1).key: .retry(at: F.at(100), attempts: 1, error: "e1"),
                F.change(2).key: .retry(at: F.at(100), attempts: 2, error: "e2"),
                F.change(3).key: .dead(error: "e3", attempts: 1, payload: nil),
            ], log: F.logEntry(failed.id, rows: 4, delivered: 1, error: "e0", started: F.at(-10)))
        for (offset, error) in errors.enumerated().dropFirst(3) {
            let batch = try #require(try store.take(1, now: F.at(Double(offset))))
            try store.complete(
                batch: batch.id, outcomes: [batch.changes[0].key: .dead(error: error, attempts: 1, payload: nil)],
                log: F.logEntry(batch.id, delivered: 0, started: F.at(Double(offset))))
        }
        let status = try store.status()
        #expect(status.watermark == 4)
        #expect(status.pending == 3 && status.failing == 2)  // rows 1 and 2 waiting, row 12
        #expect(status.inFlight == 4 && status.openJobs == 1)
        #expect(status.dead == 5)
        #expect(status.oldestPending == F.at(-50))
        // e0, e1 and e3 all date from the first batch's end; a tie goes in text order.
        #expect(status.lastErrors == ["e6", "e5", "e2", "e4", "e0"])
        let empty = try store.status("main.none")
        #expect(
            empty
                == TargetStatus(
                    target: "main.none", watermark: nil, pending: 0, inFlight: 0, dead: 0, failing: 0,
                    oldestPending: nil, openJobs: 0, lastErrors: []))
    }

    @Test func deadLettersAndBatchesComeNewestFirst() throws {
        try store.add((1...5).map { F.change($0) }, through: 1)
        var ids: [BatchID] = []
        for second in 1...5 {
            let batch = try #require(try store.take(1, now: F.at(Double(second))))
            ids.append(batch.id)
            try store.complete(
                batch: batch.id,
                outcomes: [batch.changes[0].key: .dead(error: "reject \(second)", attempts: 2, payload: nil)],
                log: F.logEntry(batch.id, delivered: 0, started: F.at(Double(second))))
        }
        #expect(try store.deadLetters(of: "main.orders", limit: 2).map(\.error) == ["reject 5", "reject 4"])
        #expect(try store.deadLetters(of: "main.orders", limit: 10).map(\.change.key.rowid) == [5, 4, 3, 2, 1])
        #expect(try store.batches(of: "main.orders", limit: 3).map(\.batch) == ids.reversed().prefix(3).map { $0 })
        #expect(try store.batches(of: "main.orders", limit: 0).isEmpty)
        #expect(try store.deadLetters(of: "main.none", limit: 10).isEmpty)
    }

    @Test func theBatchLogKeepsItsNewestEntries() throws {
        let small = try SQLiteDeliveryStore.inMemory(batchLogLimit: 3)
        try small.add((1...5).map { F.change($0) }, through: 1)
        try small.add((1...2).map { F.change($0) }, to: "main.other", through: 1)
        for target in ["main.orders", "main.other", "main.orders", "main.orders", "main.orders", "main.orders"] {
            let batch = try #require(
                try small.claim(target: target, limit: 1, owner: "a", now: F.t0, leaseUntil: F.at(60)))
            try small.complete(
                batch: batch.id, outcomes: [batch.changes[0].key: .delivered(warning: nil)], log: F.logEntry(batch.id))
        }
        let kept = try small.batches(of: "main.orders", limit: 10).map(\.batch)
        #expect(kept.count == 3)
        #expect(kept == kept.sorted { Int($0) ?? 0 > Int($1) ?? 0 })
        #expect(try small.batches(of: "main.other", limit: 10).count == 1)
    }

    // MARK: Files and processes

    @Test func aSecondStoreOnTheSameFileSeesCommittedState() throws {
        let other = try SQLiteDeliveryStore.open(dir)
        try store.add((1...4).map { F.change($0) }, through: 9)
        #expect(try other.watermark(of: "main.orders") == 9)
        let batch = try #require(try other.take(3, owner: "run-b"))
        #expect(try store.take(owner: "run-a")?.changes.count == 1)
        #expect(try store.status().inFlight == 4)
        try other.complete(
            batch: batch.id, outcomes: [batch.changes[0].key: .delivered(warning: nil)], log: F.logEntry(batch.id))
        #expect(try store.batches(of: "main.orders", limit: 5).map(\.batch) == [batch.id])
        #expect(try store.status().pending == 2)
    }

    @Test func twoStoresWritingAtOnceWaitForEachOther() throws {
        let stores = [store, try SQLiteDeliveryStore.open(dir)]
        let failures = F.Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            do {
                for round in 0..<100 {
                    try stores[worker].add(
                        [F.change(Int64(round))], to: "main.t\(worker)", through: Int64(round), now: F.t0)
                }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.messages.isEmpty)
        #expect(try store.status("main.t0").pending == 100)
        #expect(try store.status("main.t1").pending == 100)
    }

    @Test func aReaderOpensAndReadsWhileAWriteIsUnderway() throws {
        try store.add([F.change(1)], through: 1)
        let started = DispatchSemaphore(value: 0)
        let finish = DispatchSemaphore(value: 0)
        let failures = F.Failures()
        let writer = Thread { [store] in
            do {
                try store.enqueue(target: "main.orders", through: 2, replacing: false, now: F.t0) { writer in
                    try writer.write(F.change(2))
                    try writer.flush()
                    started.signal()
                    finish.wait()
                }
            } catch {
                failures.append("\(error)")
            }
            started.signal()
        }
        writer.start()
        started.wait()
        // The write holds SQLite's write lock: opening and reading do not wait for it (WAL), and
        // see the state before it.
        let reader = try SQLiteDeliveryStore.open(dir)
        #expect(try reader.watermark(of: "main.orders") == 1)
        #expect(try reader.status().pending == 1)
        finish.signal()
        started.wait()
        #expect(failures.messages.isEmpty)
        #expect(try reader.watermark(of: "main.orders") == 2)
        #expect(try reader.status().pending == 2)
    }

    @Test func stateSurvivesReopening() throws {
        try store.add([F.change(1)], through: 3)
        let batch = try #require(try store.take())
        try store.saveJob(batch: batch.id, job: "{}")
        let reopened = try SQLiteDeliveryStore.open(dir)
        #expect(try reopened.watermark(of: "main.orders") == 3)
        let status = try reopened.status()
        #expect(status.inFlight == 1 && status.openJobs == 1)
        #expect(FileManager.default.fileExists(atPath: dir.storePath.path + "-wal"))
    }
}

/// A large enqueue: 200,000 changes by default. `ONDATRA_STORE_SOAK=1` enqueues a million and
/// checks resident memory stays flat; that check is meaningful only when nothing else runs in the
/// process (`swift test --filter SQLiteDeliveryStoreSoakTests`), so the default run leaves it out
/// (`ondatra-bench sync` measures the whole sync's memory at 100k and 1M changes).
@Suite struct SQLiteDeliveryStoreSoakTests {
    @Test func enqueueingManyChangesKeepsMemoryFlat() throws {
        let soak = ProcessInfo.processInfo.environment["ONDATRA_STORE_SOAK"] != nil
        let count = soak ? 1_000_000 : 200_000
        let dir = try F.Directory()
        let store = try SQLiteDeliveryStore.open(dir)
        #if os(Linux)
            let before = try #require(F.Memory.residentBytes())
        #else
            // Elsewhere there is no /proc to read.
            guard let before = F.Memory.residentBytes() else { return }
        #endif
        let written = try store.enqueue(target: "main.big", through: 1_000, replacing: false, now: F.t0) { writer in
            for rowid in 0..<Int64(count) {
                try writer.write(F.change(rowid, .insert, rowid / 1_000))
            }
        }
        let after = try #require(F.Memory.residentBytes())
        #expect(written == count)
        print("enqueued \(count) changes; resident memory grew by \((after - before) >> 20) MiB")
        if soak { #expect(after - before < 100 << 20, "resident memory grew by \((after - before) >> 20) MiB") }
        #expect(try store.status("main.big").pending == count)
        let batch = try #require(
            try store.claim(target: "main.big", limit: 500, owner: "a", now: F.t0, leaseUntil: F.at(60)))
        #expect(batch.changes.first?.change == F.change(0, .insert, 0) && batch.changes.count == 500)
    }
}
