/// Bounds on the waits and timeouts scripts and `API` dicts may ask for, so no conversion to a
/// `Duration` or a deadline can overflow.
public enum HTTPLimits {
    /// The longest timeout, backoff or sleep, in seconds: one day.
    public static let maxSeconds: Double = 86_400

    /// `seconds` (clamped to 0...maxSeconds) as a duration, to the millisecond.
    public static func duration(seconds: Double) -> Duration {
        let clamped = seconds.isNaN ? 0 : min(max(seconds, 0), maxSeconds)
        return .milliseconds(Int64((clamped * 1000).rounded()))
    }
}
