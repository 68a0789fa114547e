import Testing

@testable import Ondatra

/// The flush plan decides, without I/O, what a flush inserts and what it only acknowledges.
@Suite struct EventsFlushPlanTests {
    typealias Segment = EventsFlushPlan.Segment

    func segment(_ id: String, bytes: Int = 100, events: Int = 1) -> Segment {
        Segment(id: id, bytes: bytes, events: events)
    }

    @Test func nothingClaimedPlansNothing() {
        #expect(
            EventsFlushPlan.make(claimed: [], committed: [], maxBatchBytes: 1_000)
                == EventsFlushPlan(alreadyCommitted: [], batches: []))
    }

    @Test func segmentsAreGroupedInBufferOrderUpToTheByteLimit() {
        let claimed = [
            segment("a", bytes: 400), segment("b", bytes: 400), segment("c", bytes: 400), segment("d", bytes: 100),
        ]
        let plan = EventsFlushPlan.make(claimed: claimed, committed: [], maxBatchBytes: 1_000)
        #expect(plan.batches.map { $0.map(\.id) } == [["a", "b"], ["c", "d"]])
        #expect(plan.alreadyCommitted.isEmpty)
    }

    @Test func aSegmentLargerThanTheLimitIsABatchOfItsOwn() {
        let claimed = [segment("a", bytes: 10), segment("big", bytes: 5_000), segment("c", bytes: 10)]
        let plan = EventsFlushPlan.make(claimed: claimed, committed: [], maxBatchBytes: 1_000)
        #expect(plan.batches.map { $0.map(\.id) } == [["a"], ["big"], ["c"]])
    }

    @Test func segmentsACrashedFlushCommittedAreOnlyAcknowledged() {
        let claimed = [segment("a"), segment("b"), segment("c")]
        let plan = EventsFlushPlan.make(claimed: claimed, committed: ["b", "zz"], maxBatchBytes: 1_000)
        #expect(plan.alreadyCommitted == ["b"])
        #expect(plan.batches.map { $0.map(\.id) } == [["a", "c"]])
    }

    @Test func emptySegmentsAreAcknowledgedWithoutACommit() {
        let plan = EventsFlushPlan.make(
            claimed: [segment("empty", bytes: 0, events: 0)], committed: [], maxBatchBytes: 1_000)
        #expect(plan.alreadyCommitted == ["empty"])
        #expect(plan.batches.isEmpty)
    }

    @Test func everyClaimedSegmentIsEitherAcknowledgedOrInsertedOnce() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let claimed = (0..<Int.random(in: 0...30, using: &generator)).map {
                segment(
                    "s\($0)", bytes: Int.random(in: 0...600, using: &generator),
                    events: Int.random(in: 0...3, using: &generator))
            }
            let committed = Set(claimed.filter { _ in Bool.random(using: &generator) }.map(\.id))
            let plan = EventsFlushPlan.make(claimed: claimed, committed: committed, maxBatchBytes: 1_000)
            let inserted = plan.batches.flatMap { $0.map(\.id) }
            #expect(Set(inserted).isDisjoint(with: plan.alreadyCommitted))
            #expect((inserted + plan.alreadyCommitted).sorted() == claimed.map(\.id).sorted())
            #expect(inserted == claimed.filter { !committed.contains($0.id) && $0.events > 0 }.map(\.id))
            for batch in plan.batches where batch.count > 1 {
                #expect(batch.reduce(0) { $0 + $1.bytes } <= 1_000)
            }
        }
    }
}
