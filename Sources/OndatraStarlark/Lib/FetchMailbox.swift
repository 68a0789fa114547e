import Foundation
import Starlark

/// The hand-off between a fetch's Starlark thread and the thread that owns the session: pages of
/// rows go one way, at most `capacity` waiting at once (the Starlark thread blocks while the
/// writer catches up), and `query()` calls go the same way and wait for their answer, so the
/// session's DuckDB connection is only ever used by its own thread.
final class FetchMailbox: @unchecked Sendable {
    // @unchecked: every stored mutable property is guarded by `condition`.

    /// What the Starlark thread sends.
    enum Message: Sendable {
        /// One page's rows, values positional as ``RowCollector/columns`` numbers them.
        case rows([[Starlark.Value]])
        /// A `query(sql)` to run on the session; the answer goes to `reply`.
        case query(String, reply: Reply)
        /// The fetch ended: the inferred columns and types, or why it failed.
        case finished(Result<FetchShape, any Error>)
    }

    /// An answer one thread waits for and another gives.
    final class Reply: @unchecked Sendable {
        // @unchecked: `result` is guarded by `condition`.
        private let condition = NSCondition()
        private var result: Result<Starlark.Value, any Error>?

        /// Gives the answer and wakes the waiting thread.
        func resolve(_ result: Result<Starlark.Value, any Error>) {
            condition.lock()
            self.result = result
            condition.broadcast()
            condition.unlock()
        }

        /// Waits for the answer.
        func wait() throws -> Starlark.Value {
            condition.lock()
            defer { condition.unlock() }
            while result == nil { condition.wait() }
            return try result.map { try $0.get() } ?? .none
        }
    }

    /// Thrown to the Starlark thread when the writer stopped first (it failed): the fetch ends.
    struct Stopped: Error {}

    private let condition = NSCondition()
    private var messages: [Message] = []
    private var pagesWaiting = 0
    private var stopped = false
    /// The most pages waiting for the writer at once.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Sends a message, waiting while `capacity` pages are already waiting.
    /// - Throws: ``Stopped`` once the writer stopped.
    func send(_ message: Message) throws {
        condition.lock()
        defer { condition.unlock() }
        let isPage = if case .rows = message { true } else { false }
        while isPage && pagesWaiting >= capacity && !stopped { condition.wait() }
        if stopped, !isFinish(message) { throw Stopped() }
        if isPage { pagesWaiting += 1 }
        messages.append(message)
        condition.broadcast()
    }

    /// Runs `sql` on the writer's thread and returns its rows.
    func query(_ sql: String) throws -> Starlark.Value {
        let reply = Reply()
        try send(.query(sql, reply: reply))
        return try reply.wait()
    }

    /// The next message, waiting for one.
    func receive() -> Message {
        condition.lock()
        defer { condition.unlock() }
        while messages.isEmpty { condition.wait() }
        let message = messages.removeFirst()
        if case .rows = message { pagesWaiting -= 1 }
        condition.broadcast()
        return message
    }

    /// The writer gives up: pages and queries sent from now on fail with ``Stopped``.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func isFinish(_ message: Message) -> Bool {
        if case .finished = message { true } else { false }
    }
}

/// The columns a fetch's rows have, in the order they first appeared, with their inferred types.
struct FetchShape: Sendable {
    /// Column names as first written.
    var columns: [String]
    /// Each column's type, widened over every row.
    var types: [RowCollector.ColumnType]
}
