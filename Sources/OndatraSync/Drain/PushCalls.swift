import Foundation

/// How a sink's batches report back (`API["push"]["batch_mode"]`).
public enum BatchMode: String, Sendable, CaseIterable {
    /// `push` returns a status per row.
    case sync
    /// `push` returns `None` on success; any error fails the whole batch.
    case atomic
    /// `push` returns a job reference, polled with `poll(job_ref)` until it reports per-row statuses.
    case async
}

/// What a `push()` call returned, converted from Starlark but not yet judged.
public enum PushReply: Sendable, Equatable {
    /// `None`.
    case none
    /// A dict with string keys and string values (sync mode's statuses).
    case statuses([String: String])
    /// A dict (async mode's job reference), as JSON text.
    case job(String)
    /// Anything else: its type name and a short repr, for the message.
    case other(type: String, repr: String)
}

/// What a `poll(job_ref)` call returned.
public enum PollReply: Sendable, Equatable {
    /// Not done yet.
    case pending
    /// `{"done": True, "per_row": {…}}`.
    case done([String: String])
    /// Anything else: what was wrong with it.
    case invalid(String)
}

/// Why a `push`, `poll` or `finalize` call failed, told apart so messages and retries can differ.
public enum PushFailure: Error, Sendable, Equatable {
    /// A request never got an answer (connection refused, timeout, reset), retries spent.
    case network(String)
    /// The script stopped on an HTTP status (`response.raise_for_status()`).
    case httpStatus(Int, String)
    /// The script called `fail()`.
    case failed(String)
    /// The script hit a runtime error (a bad key, a type error…).
    case scriptError(String)
    /// The run was interrupted (Ctrl-C) while the call ran: the batch is released, not failed.
    case cancelled

    /// The message stored with the changes, redacted by whoever made the failure.
    public var message: String {
        switch self {
        case .network(let text): "network error: \(text)"
        case .httpStatus(let status, let text): "HTTP \(status): \(text)"
        case .failed(let text): text
        case .scriptError(let text): "script error: \(text)"
        case .cancelled: "interrupted"
        }
    }
}

/// A sink's delivery settings: the lib's `API["push"]` with defaults applied.
public struct DrainSettings: Sendable, Equatable {
    /// Changes per `push()` call.
    public var batchSize = 1
    /// How batches report back.
    public var mode = BatchMode.sync
    /// Batches in flight at once (sync mode).
    public var maxConcurrent = 1
    /// Failed deliveries after which a change moves to the dead letters.
    public var maxAttempts = 20
    /// The wait before the first retry; doubled for each further one, up to ``maxBackoff``.
    public var retryBackoff = Duration.seconds(1)
    /// The longest wait between retries.
    public var maxBackoff = Duration.seconds(3600)
    /// How often an async job is polled.
    public var pollInterval = Duration.seconds(5)
    /// How long an async job may take before its batch fails (and is retried).
    public var pollTimeout = Duration.seconds(3600)
    /// How long a claim holds before another runner may take the batch back.
    public var lease = Duration.seconds(600)
    /// Retries due within this much time of the queue running dry are waited for in the same
    /// run; later ones are left to a later run.
    public var retryHorizon = Duration.seconds(10)
    /// Whether the lib defines `finalize(succeeded, failed)`.
    public var hasFinalize = false

    /// Creates the defaults.
    public init() {}

    /// The wait before retry number `attempts` (1 for the first retry): ``retryBackoff`` doubled
    /// `attempts - 1` times, at most ``maxBackoff``.
    public func backoff(afterAttempts attempts: Int) -> Duration {
        var delay = retryBackoff
        for _ in 1..<max(1, min(attempts, 64)) {
            delay = delay * 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }
}
