import Foundation

/// How long one statement took, its SQL on one line with secrets redacted.
public struct StatementTiming: Sendable, Hashable {
    /// The statement, whitespace collapsed, secrets redacted.
    public let sql: String
    /// Milliseconds it took (until its result was ready to stream, for a query).
    public let durationMs: Int
}

/// Collects the timings of the statements a session runs, while it is set as the session's
/// ``Session/statementLog`` (`run --verbose`).
public final class StatementLog {
    /// The statements timed so far, in the order they ran.
    public private(set) var timings: [StatementTiming] = []

    /// Creates an empty log.
    public init() {}

    /// Records `sql`, which started at `started`.
    func record(_ sql: String, started: ContinuousClock.Instant, redactor: SecretRedactor) {
        let elapsed = ContinuousClock.now - started
        let (seconds, attoseconds) = elapsed.components
        let milliseconds = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
        // Redacted before the white space is collapsed: a secret may hold some.
        let oneLine = redactor.redact(sql).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        timings.append(StatementTiming(sql: oneLine, durationMs: milliseconds))
    }
}
