import Foundation
import OndatraSync
import Testing

private typealias F = StoreFixture

/// Settling a batch whose every change was delivered must treat a member with no outcome and a
/// superseded member exactly as a batch with mixed outcomes does.
@Suite struct SQLiteDeliveryStoreSettleTests {
    let dir: StoreFixture.Directory
    let store: SQLiteDeliveryStore

    init() throws {
        dir = try F.Directory()
        store = try .open(dir)
    }

    @Test func anAllDeliveredBatchRemovesEveryMember() throws {
        try store.add((1...3).map { F.change($0) }, through: 1)
        let batch = try #require(try store.take())
        try store.complete(
            batch: batch.id,
            outcomes: Dictionary(uniqueKeysWithValues: batch.changes.map { ($0.key, .delivered(warning: nil)) }),
            log: F.logEntry(batch.id, rows: 3, delivered: 3))
        let status = try store.status()
        #expect(status.pending == 0 && status.inFlight == 0 && status.dead == 0)
        #expect(try store.take() == nil)
    }

    @Test func aMemberWithNoOutcomeIsReleasedEvenWhenTheOthersWereAllDelivered() throws {
        try store.add((1...3).map { F.change($0) }, through: 1)
        let batch = try #require(try store.take())
        // As many outcomes as members, but one is for a change outside the batch.
        try store.complete(
            batch: batch.id,
            outcomes: [
                F.change(1).key: .delivered(warning: nil), F.change(2).key: .delivered(warning: nil),
                F.change(99).key: .delivered(warning: nil),
            ], log: F.logEntry(batch.id, rows: 3, delivered: 2))
        let again = try #require(try store.take())
        #expect(again.changes == [PendingChange(change: F.change(3))])
    }

    @Test func aSupersededMemberOfAnAllDeliveredBatchIsPushedAgain() throws {
        try store.add([F.change(1, .updatePostimage, 1), F.change(2, .updatePostimage, 1)], through: 1)
        let batch = try #require(try store.take())
        try store.add([F.change(1, .updatePostimage, 2)], through: 2, now: F.at(5))
        try store.complete(
            batch: batch.id,
            outcomes: [
                F.change(1, .updatePostimage).key: .delivered(warning: nil),
                F.change(2, .updatePostimage).key: .delivered(warning: nil),
            ], log: F.logEntry(batch.id, rows: 2, delivered: 2))
        let next = try #require(try store.take(now: F.at(5)))
        #expect(next.changes == [PendingChange(change: F.change(1, .updatePostimage, 2))])
        #expect(try store.status().pending == 0)
    }

    @Test func retryMakesReadyChangesQueuedForLaterDueToo() throws {
        try store.add([F.change(1)], through: 1, now: F.at(60))
        #expect(try store.take() == nil)
        #expect(try store.nextDue(target: "main.orders", after: F.t0) == F.at(60))
        #expect(try store.retry(target: "main.orders", includeDead: false, now: F.t0) == 1)
        #expect(try store.take()?.changes.map(\.key) == [F.change(1).key])
    }
}
