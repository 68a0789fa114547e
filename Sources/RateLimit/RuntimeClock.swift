import Foundation

/// The one time source of the runtime: the rate limiter, HTTP retries and `Retry-After`, Starlark's
/// `sleep` and `time.now()`, OAuth token expiry, sync leases, retry times and poll intervals all
/// read and wait on it. Production uses ``SystemClock``; tests use the manual clock in
/// `OndatraTesting`, so waits can be checked without sleeping.
///
/// Two readings: ``now``, monotonic, for waits inside one process; ``wallTime``, for times that
/// are stored or compared across processes (a lease, a retry due time, an HTTP date).
public protocol RuntimeClock: Sendable {
    /// The current monotonic instant.
    var now: ContinuousClock.Instant { get }
    /// The current wall-clock time.
    var wallTime: Date { get }
    /// Blocks the calling thread until `deadline` (returns at once when it has passed).
    func sleep(until deadline: ContinuousClock.Instant)

    /// Blocks until `deadline`, calling `check` before and while waiting; stops early when it throws.
    func sleep(until deadline: ContinuousClock.Instant, checking check: () throws -> Void) throws

    /// Suspends the calling task until `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

extension RuntimeClock {
    /// Checks, sleeps the whole wait, and checks again.
    public func sleep(until deadline: ContinuousClock.Instant, checking check: () throws -> Void) throws {
        try check()
        sleep(until: deadline)
        try check()
    }

    /// Sleeps the task with the continuous clock until the deadline this clock's `now` puts it at.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let remaining = deadline - now
        if remaining > .zero { try await Task.sleep(for: remaining) } else { try Task.checkCancellation() }
    }

    /// The wall-clock time `duration` from now.
    public func wallTime(after duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return wallTime.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// The process's clocks: `ContinuousClock` and `Date()`; `sleep` blocks the calling thread.
public struct SystemClock: RuntimeClock {
    /// Creates the system clock.
    public init() {}

    /// `ContinuousClock.now`.
    public var now: ContinuousClock.Instant { ContinuousClock.now }

    /// `Date()`.
    public var wallTime: Date { Date() }

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

    /// Sleeps the task on the continuous clock.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}
