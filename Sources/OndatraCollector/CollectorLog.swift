import Foundation
import Synchronization

/// Where the collector tells its operator about trouble, at most one line per interval per
/// message kind, so a full disk under load does not flood the log.
public final class CollectorLog: Sendable {
    private let write: @Sendable (String) -> Void
    private let interval: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// A log that hands each line to `write` (the command writes to stderr).
    public init(interval: Duration = .seconds(10), write: @escaping @Sendable (String) -> Void) {
        self.write = write
        self.interval = interval
    }

    /// A log that says nothing (tests).
    public static let silent = CollectorLog { _ in }

    /// Reports `message` unless a trouble line was written within the interval.
    func trouble(_ message: String) {
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
        if due { write(message) }
    }
}
