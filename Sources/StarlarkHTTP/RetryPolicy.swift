import Foundation

/// When an HTTP call is tried again and how long it waits first: retries on network errors, 429
/// and 5xx, exponential backoff with full jitter, and `Retry-After` as the least wait.
///
/// Pure arithmetic, so every rule is tested without a network or a clock.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt.
    public var retries: Int
    /// The backoff unit: attempt `n` (from 0) waits a random time in `0..<backoff * 2^n`.
    public var backoff: Duration
    /// The longest wait a `Retry-After` header can impose.
    public var maxRetryAfter: Duration

    /// Creates a policy.
    public init(retries: Int = 0, backoff: Duration = .seconds(1), maxRetryAfter: Duration = .seconds(300)) {
        self.retries = max(0, retries)
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// Whether a response with `status` (nil for a network error) is worth another attempt.
    public static func isRetryable(status: Int?) -> Bool {
        guard let status else { return true }
        return status == 429 || (500...599).contains(status)
    }

    /// The wait before retry number `attempt + 1`: full jitter (`random` in 0..<1 scales the
    /// exponential bound), but never less than the server's `Retry-After`, itself capped.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let exponent = min(max(attempt, 0), 30)
        // The exponential bound stops growing at the Retry-After cap (or the backoff unit, if larger).
        let bound = min(backoff * Double(1 << exponent), max(backoff, maxRetryAfter))
        let jittered = bound * min(max(random, 0), 1)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maxRetryAfter))
    }

    /// A `Retry-After` value: delay seconds, or an HTTP date (relative to `now`); nil when it is
    /// neither. Dates in the past mean no wait.
    public static func retryAfter(_ header: String, now: Date) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) { return .seconds(max(0, seconds)) }
        guard let date = httpDate(text) else { return nil }
        return .milliseconds(max(0, Int((date.timeIntervalSince(now) * 1000).rounded(.up))))
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders to use.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}
