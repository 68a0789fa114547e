import Foundation
import Ondatra
import Synchronization
import Testing

@Suite struct BlockingPoolTests {
    struct Boom: Error {}

    /// How many bodies run now, and the most that ever ran at once.
    final class Concurrency: Sendable {
        let state = Mutex((now: 0, most: 0))
        func enter() {
            state.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    @Test func runsAtMostItsSizeAtOnceAndReturnsEachResult() async throws {
        let pool = BlockingPool(size: 3, name: "test")
        defer { pool.shutdown() }
        let running = Concurrency()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<12 {
                group.addTask {
                    try await pool.run {
                        running.enter()
                        Thread.sleep(forTimeInterval: 0.01)
                        running.leave()
                        return index * 2
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<12).map { $0 * 2 })
        #expect(running.most <= 3)
        #expect(running.most >= 2)
    }

    @Test func bodiesRunOffTheCooperativePoolAndErrorsComeBack() async throws {
        let pool = BlockingPool(size: 1, name: "worker")
        defer { pool.shutdown() }
        let onPool = try await pool.run { BlockingPool.current === pool }
        #expect(onPool)
        #expect(BlockingPool.current == nil)
        await #expect(throws: Boom.self) { try await pool.run { throw Boom() } }
    }

    @Test func cancellingTheWaiterTellsTheBody() async throws {
        let pool = BlockingPool(size: 1, name: "cancel")
        defer { pool.shutdown() }
        final class Flag: Sendable { let raised = Atomic<Bool>(false) }
        let stop = Flag()
        let task = Task {
            try await pool.run(
                {
                    while !stop.raised.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.001) }
                    return "stopped"
                }, onCancel: { stop.raised.store(true, ordering: .relaxed) })
        }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        #expect(try await task.value == "stopped")
    }
}
