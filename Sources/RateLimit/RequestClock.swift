import Foundation

/// The time source request code waits on: the real clock in production, a manual one in tests,
/// so rate limits, backoff and `Retry-After` waits can be checked without sleeping.
public protocol RequestClock: Sendable {
    /// The current instant.
    var now: ContinuousClock.Instant { get }
    /// Blocks the calling thread until `deadline` (returns at once when it has passed).
    func sleep(until deadline: ContinuousClock.Instant)
}

/// The process's monotonic clock; `sleep` blocks the calling thread.
public struct SystemRequestClock: RequestClock {
    /// Creates the system clock.
    public init() {}

    /// `ContinuousClock.now`.
    public var now: ContinuousClock.Instant { ContinuousClock.now }

    /// Blocks until `deadline`.
    public func sleep(until deadline: ContinuousClock.Instant) {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return }
        let (seconds, attoseconds) = remaining.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
    }
}
