import Synchronization

/// Limits how many requests start in any window of a given length: never more than `requests`
/// in any interval of `period`, however the requests are spread (a sliding window over the start
/// times of the last `requests` requests, so bursts at a window's edge cannot double the rate).
///
/// The limiter only does arithmetic on times it is given; waiting is the caller's job. That keeps
/// it usable from synchronous threads (Starlark's HTTP builtins) and from async code alike, and
/// testable with any clock:
///
/// ```swift
/// let limiter = RateLimiter(requests: 100, per: .seconds(10))
/// let start = limiter.reserve(at: clock.now)      // when this request may start
/// clock.sleep(until: start)
/// // … send it and read the answer …
/// limiter.settle(start, at: clock.now)            // count it from when it surely reached the server
/// ```
public final class RateLimiter: Sendable {
    private struct State {
        /// Start times of the most recent requests, oldest first; at most `requests` of them.
        var starts: [ContinuousClock.Instant] = []
    }

    /// The most requests that may start within one period.
    public let requests: Int
    /// The window length.
    public let period: Duration
    private let state = Mutex(State())

    /// Creates a limiter allowing `requests` starts per `period`; `requests` below 1 is treated as 1.
    public init(requests: Int, per period: Duration) {
        self.requests = max(1, requests)
        self.period = period
    }

    /// Reserves the next start and returns when it may happen: `now` when a slot is free, else the
    /// moment the oldest start in the window leaves it. Reservations are first come, first served.
    public func reserve(at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        state.withLock { state in
            var start = now
            if state.starts.count >= requests {
                // The request that started `requests` starts ago must be a full period back.
                let bound = state.starts[state.starts.count - requests] + period
                if bound > start { start = bound }
            }
            state.starts.append(start)
            if state.starts.count > requests { state.starts.removeFirst(state.starts.count - requests) }
            return start
        }
    }

    /// Counts the request reserved at `reserved` as started at `now` instead, when that is later:
    /// call it when the request has been answered (or has failed). A request can reach the server
    /// well after its slot (a new connection, a slow first request), so counting from its slot
    /// would let the requests `requests` slots later reach the server less than a period after
    /// it; counting from when it was answered, which it surely reached the server before, keeps
    /// the limit as the server sees it. A slot already out of the window, or never reserved, is ignored.
    public func settle(_ reserved: ContinuousClock.Instant, at now: ContinuousClock.Instant) {
        state.withLock { state in
            guard now > reserved, let index = state.starts.lastIndex(of: reserved) else { return }
            state.starts[index] = now
            state.starts.sort()
        }
    }

    /// How long a request arriving `now` must wait; reserves its slot.
    public func delay(at now: ContinuousClock.Instant) -> Duration {
        reserve(at: now) - now
    }
}
