import Foundation

/// The time source request code waits on: the real clock in production, a manual one in tests,
/// so rate limits, backoff and `Retry-After` waits can be checked without sleeping.
public protocol RequestClock: Sendable {
    /// The current instant.
    var now: ContinuousClock.Instant { get }
    /// Blocks the calling thread until `deadline` (returns at once when it has passed).
    func sleep(until deadline: ContinuousClock.Instant)

    /// Blocks until `deadline`, calling `check` before and while waiting; stops early when it throws.
    func sleep(until deadline: ContinuousClock.Instant, checking check: () throws -> Void) throws
}

extension RequestClock {
    /// Checks, sleeps the whole wait, and checks again.
    public func sleep(until deadline: ContinuousClock.Instant, checking check: () throws -> Void) throws {
        try check()
        sleep(until: deadline)
        try check()
    }
}

/// The process's monotonic clock; `sleep` blocks the calling thread.
public struct SystemRequestClock: RequestClock {
    /// Creates the system clock.
    public init() {}

    /// `ContinuousClock.now`.
    public var now: ContinuousClock.Instant { ContinuousClock.now }

    /// Waits in steps of at most 100 ms, so a cancelled caller stops within one step.
    public func sleep(until deadline: ContinuousClock.Instant, checking check: () throws -> Void) throws {
        try check()
        while now < deadline {
            sleep(until: min(deadline, now + .milliseconds(100)))
            try check()
        }
    }

    /// Blocks until `deadline`.
    public func sleep(until deadline: ContinuousClock.Instant) {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return }
        let (seconds, attoseconds) = remaining.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
    }
}
