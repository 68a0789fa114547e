import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Places where crash tests kill the process, named by `ONDATRA_FAULT` (`after-commit`,
/// `after-enqueue`, `mid-batch`, `after-push`, `mid-flush`, `after-flush-commit`, optionally `:N`
/// for the Nth time the point is reached, e.g. `after-push:3`). Without the variable nothing happens: the check is one
/// dictionary lookup made when the process starts.
public enum FaultPoint: String, Sendable, CaseIterable {
    /// After a sink model's DuckLake commit, before its changes are queued.
    case afterCommit = "after-commit"
    /// After the changes and the new watermark are committed to the delivery store, before the drain.
    case afterEnqueue = "after-enqueue"
    /// After a batch is claimed, before `push` is called.
    case midBatch = "mid-batch"
    /// After `push` returned, before its statuses are committed to the delivery store.
    case afterPush = "after-push"
    /// During an events flush, after the buffer segments are claimed and inserted, before the
    /// DuckLake commit.
    case midFlush = "mid-flush"
    /// After an events flush committed a batch to DuckLake, before its buffer segments are
    /// acknowledged (deleted): the next flush must recognise the batch and not insert it again.
    case afterFlushCommit = "after-flush-commit"

    /// The point and the count the environment asks for, if any.
    private static let armed: (point: FaultPoint, count: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["ONDATRA_FAULT"], !text.isEmpty else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let point = FaultPoint(rawValue: parts[0]) else { return nil }
        return (point, parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()

    private static let reached = Counter()

    /// A thread-safe count of how often the armed point was reached.
    private final class Counter: @unchecked Sendable {
        // @unchecked: `value` is only touched under `lock`.
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    /// Kills the process with SIGKILL (no cleanup, like a crash or `kill -9`) when this point is armed and reached
    /// for the armed time.
    public func reach() {
        guard let armed = Self.armed, armed.point == self else { return }
        guard Self.reached.next() == armed.count else { return }
        FileHandle.standardError.write(Data("ONDATRA_FAULT: killed at \(rawValue)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
