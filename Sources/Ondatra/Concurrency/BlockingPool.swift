import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fixed set of threads of its own for work that blocks its thread: Starlark (whose `http`
/// calls and `sleep` wait synchronously) and anything else that must stay off Swift's cooperative
/// pool and off event loops. Async callers await ``run(_:)``; at most `threads` bodies run at
/// once, the rest wait in order of arrival. Threads start on first use and hold the pool until
/// ``shutdown()``.
public final class BlockingPool: @unchecked Sendable {
    // @unchecked: every stored mutable property is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var idle = 0
    private var threads: [Thread] = []
    private var shuttingDown = false
    /// How many bodies may run at once.
    public let size: Int
    /// Names the threads (`name-1`, `name-2`, …) for debuggers and logs.
    public let name: String

    /// Creates a pool of `size` threads (at least one), started on first use and named `name-N`.
    public init(size: Int, name: String) {
        self.size = max(1, size)
        self.name = name
    }

    /// Runs `body` on one of the pool's threads and returns what it returns.
    ///
    /// The body runs to its end even when the awaiting task is cancelled; `onCancel` is called
    /// (from another thread) so the body can be told to stop, for example by cancelling a
    /// Starlark thread.
    public func run<Result: Sendable>(
        _ body: @escaping @Sendable () throws -> Result, onCancel: @escaping @Sendable () -> Void = {}
    ) async throws -> Result {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enqueue { continuation.resume(with: Swift.Result { try body() }) }
            }
        } onCancel: {
            onCancel()
        }
    }

    /// The pool whose thread the caller runs on, if any: a check that blocking work stays off
    /// Swift's cooperative pool.
    public static var current: BlockingPool? {
        pthread_getspecific(threadKey).map { Unmanaged<BlockingPool>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Marks the pool's threads (``current``).
    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Stops the threads once the queued work is done; work submitted afterwards fails.
    public func shutdown() {
        condition.lock()
        shuttingDown = true
        condition.broadcast()
        condition.unlock()
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !shuttingDown else {
            // A pool that was shut down still finishes the job, on a thread of its own.
            Thread { job() }.start()
            return
        }
        queue.append(job)
        if idle > 0 {
            condition.signal()
        } else if threads.count < size {
            let threadName = "\(name)-\(threads.count + 1)"
            let thread = Thread {
                // Named from inside: on Linux a name given before start() is not applied.
                Thread.current.name = threadName
                self.work()
            }
            // Starlark recursion is deep on big inputs: give workers the main thread's stack size.
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
    }

    private func work() {
        // Unretained: the thread itself keeps the pool alive until it leaves this loop.
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.threadKey, nil) }
        condition.lock()
        while true {
            if let job = queue.first {
                queue.removeFirst()
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            if shuttingDown { break }
            idle += 1
            condition.wait()
            idle -= 1
        }
        condition.unlock()
    }
}
