import Foundation
import StarlarkHTTP
import Testing

@Suite struct RetryPolicyTests {
    @Test func retriesNetworkErrorsRateLimitsAndServerErrorsOnly() {
        #expect(RetryPolicy.isRetryable(status: nil))
        #expect(RetryPolicy.isRetryable(status: 429))
        #expect(RetryPolicy.isRetryable(status: 500))
        #expect(RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 200))
        #expect(!RetryPolicy.isRetryable(status: 404))
        #expect(!RetryPolicy.isRetryable(status: 401))
    }

    @Test func backoffDoublesWithFullJitter() {
        let policy = RetryPolicy(retries: 5, backoff: .seconds(1))
        #expect(policy.delay(afterAttempt: 0, retryAfter: nil, random: 0.999) < .seconds(1))
        #expect(policy.delay(afterAttempt: 0, retryAfter: nil, random: 0) == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0.5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 0.5) == .seconds(4))
        // Growth stops at the Retry-After cap (5 minutes), and huge attempt numbers do not overflow.
        #expect(policy.delay(afterAttempt: 12, retryAfter: nil, random: 1) == .seconds(300))
        #expect(policy.delay(afterAttempt: 1_000, retryAfter: nil, random: 1) == .seconds(300))
    }

    @Test func retryAfterIsTheLeastWaitAndIsCapped() {
        let policy = RetryPolicy(retries: 3, backoff: .milliseconds(100), maxRetryAfter: .seconds(60))
        #expect(policy.delay(afterAttempt: 0, retryAfter: .seconds(2), random: 0.5) == .seconds(2))
        #expect(policy.delay(afterAttempt: 10, retryAfter: .seconds(2), random: 1) > .seconds(2))
        #expect(policy.delay(afterAttempt: 0, retryAfter: .seconds(3600), random: 0) == .seconds(60))
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "1994-11-06T08:49:30Z"))
        #expect(RetryPolicy.retryAfter("7", now: now) == .seconds(7))
        #expect(RetryPolicy.retryAfter(" 0 ", now: now) == .zero)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .seconds(7))
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
    }
}
