import RateLimit
import Testing

@Suite struct RateLimiterTests {
    let zero = ContinuousClock.now

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { zero + .milliseconds(milliseconds) }

    @Test func allowsABurstThenSpacesRequestsByTheWindow() {
        let limiter = RateLimiter(requests: 3, per: .seconds(1))
        #expect(limiter.reserve(at: at(0)) == at(0))
        #expect(limiter.reserve(at: at(10)) == at(10))
        #expect(limiter.reserve(at: at(20)) == at(20))
        // The fourth must wait until the first is a full second back.
        #expect(limiter.reserve(at: at(30)) == at(1000))
        #expect(limiter.reserve(at: at(30)) == at(1010))
        #expect(limiter.delay(at: at(1500)) == .zero)
        #expect(limiter.delay(at: at(1500)) == .milliseconds(500))
    }

    @Test func neverExceedsTheLimitInAnyWindow() {
        // Many concurrent callers arriving at random times: check every window of the schedule.
        let limiter = RateLimiter(requests: 5, per: .milliseconds(100))
        var generator = SystemRandomNumberGenerator()
        var arrivals = (0..<400).map { _ in Int.random(in: 0..<2000, using: &generator) }
        arrivals.sort()
        let starts = arrivals.map { limiter.reserve(at: at($0)) }.sorted()
        for (index, start) in starts.enumerated() where index + 5 < starts.count {
            // Any 6 consecutive starts span at least one full window.
            #expect(starts[index + 5] - start >= .milliseconds(100))
        }
        #expect(starts.count == 400)
    }

    @Test func quietPeriodsDoNotBuildUpCredit() {
        let limiter = RateLimiter(requests: 2, per: .seconds(1))
        _ = limiter.reserve(at: at(0))
        _ = limiter.reserve(at: at(0))
        // Long after, only two may start at once again: a burst is capped at the limit.
        #expect(limiter.reserve(at: at(60_000)) == at(60_000))
        #expect(limiter.reserve(at: at(60_000)) == at(60_000))
        #expect(limiter.reserve(at: at(60_000)) == at(61_000))
    }

    /// A request answered late (it waited for a connection) counts from its answer: the request
    /// a full window of slots later waits a period from then, not from its slot, so a server
    /// counting arrivals never sees more than the limit in one period.
    @Test func aRequestCountsFromItsAnswerWhenThatIsLater() {
        let limiter = RateLimiter(requests: 2, per: .seconds(1))
        let first = limiter.reserve(at: at(0))
        #expect(limiter.reserve(at: at(0)) == at(0))
        limiter.settle(first, at: at(30))
        #expect(limiter.reserve(at: at(40)) == at(1000))
        #expect(limiter.reserve(at: at(40)) == at(1030))
        // An earlier answer, or a slot no longer in the window, changes nothing.
        limiter.settle(at(1000), at: at(500))
        limiter.settle(first, at: at(5000))
        #expect(limiter.reserve(at: at(1100)) == at(2000))
    }
}
