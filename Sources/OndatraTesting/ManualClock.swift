import Foundation
import RateLimit
import Synchronization

/// A clock that never sleeps: a wait moves time forward to its deadline at once and is recorded,
/// so tests of rate limits, backoff, leases and poll intervals run instantly and can check every
/// wait. Both readings (`now` and `wallTime`) move together.
public final class ManualClock: RuntimeClock {
    private struct State {
        var now: ContinuousClock.Instant
        var wallTime: Date
        var wakeUps: [Duration] = []
    }

    private let state: Mutex<State>
    /// The monotonic instant the clock was made at.
    public let start: ContinuousClock.Instant

    /// Creates a clock reading `wallTime` (by default the real time at creation).
    public init(wallTime: Date = Date()) {
        let now = ContinuousClock.now
        start = now
        state = Mutex(State(now: now, wallTime: wallTime))
    }

    /// The current instant.
    public var now: ContinuousClock.Instant { state.withLock { $0.now } }
    /// The current wall-clock time.
    public var wallTime: Date { state.withLock { $0.wallTime } }
    /// How far from ``start`` each wait ended, in order.
    public var wakeUps: [Duration] { state.withLock { $0.wakeUps } }

    /// Moves time forward by `duration` without recording a wait.
    public func advance(by duration: Duration) {
        state.withLock { Self.move(&$0, to: $0.now + duration) }
    }

    /// Moves time forward to `deadline` (if it is ahead) and records the wait.
    public func sleep(until deadline: ContinuousClock.Instant) {
        record(until: deadline)
    }

    private func record(until deadline: ContinuousClock.Instant) {
        state.withLock { state in
            Self.move(&state, to: deadline)
            state.wakeUps.append(state.now - start)
        }
    }

    /// Moves time forward to `deadline` and records the wait, then lets other tasks run.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        record(until: deadline)
        await Task.yield()
    }

    private static func move(_ state: inout State, to instant: ContinuousClock.Instant) {
        guard instant > state.now else { return }
        let (seconds, attoseconds) = (instant - state.now).components
        state.wallTime = state.wallTime.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        state.now = instant
    }
}
