import Foundation

/// What one drain of a sink target did, as counted by ``DrainMachine``: the model line's
/// `sync: N ok, M failed, K rejected`, the warnings and errors to show, and how the drain ended.
///
/// Row counts are per settled batch, so a change that failed and was retried later in the same drain
/// is counted once in ``retried`` and once more for its later outcome; ``rows`` is always
/// ``delivered`` + ``retried`` + ``dead``.
public struct DrainReport: Sendable, Equatable {
    /// Changes delivered (`ok` or `warn:`), including ``warned``.
    public var delivered = 0
    /// Changes delivered with a warning (`warn: msg`).
    public var warned = 0
    /// Changes failed for now, to be tried again (`error:`, a failed call, a bad reply).
    public var retried = 0
    /// Changes moved to the dead letters (`reject:`, or out of attempts).
    public var dead = 0
    /// Batches settled.
    public var batches = 0
    /// Settled batches whose call failed or whose reply broke the contract (see
    /// ``DrainMachine`` on finalize).
    public var failedBatches = 0
    /// Changes settled: ``delivered`` + ``retried`` + ``dead``.
    public var rows = 0
    /// Batches given back unsettled because the drain was interrupted.
    public var released = 0
    /// Batches holding a saved async job left claimed when the drain was interrupted: a later run polls
    /// them again once it recovers them.
    public var openJobs = 0
    /// The first ``warningLimit`` warnings: `"<key>: message"` for a `warn:` status, or a problem with a
    /// reply that failed no change (keys not in the batch).
    public var warnings: [String] = []
    /// The first ``errorLimit`` distinct error messages, each after the change keys it applies to
    /// (`"12:insert, 13:insert: HTTP 500: …"`; five keys, then "and N more").
    public var errors: [String] = []
    /// Whether `finalize(succeeded, failed)` ran and returned.
    public var finalized = false
    /// Why `finalize` failed, when it did.
    public var finalizeError: String?
    /// Whether the drain was stopped (Ctrl-C) or a call was cancelled before the queue ran dry.
    public var interrupted = false
    /// From the drain's start to the latest event so far.
    public var duration = Duration.zero

    /// How many warnings are kept.
    public static let warningLimit = 20
    /// How many distinct error messages are kept.
    public static let errorLimit = 10

    /// An empty report.
    public init() {}
}

extension DrainMachine {
    /// The distinct error messages of a drain, each with the first keys it applies to and how many.
    struct ErrorLog: Sendable, Equatable {
        private struct Group: Sendable, Equatable {
            let message: String
            var keys: [ChangeKey]
            /// Every key the message was counted against (a change retried in the same drain
            /// counts once).
            var seen: Set<ChangeKey>
        }

        private var groups: [Group] = []

        /// Counts `message` against `key`; a message beyond the first ``DrainReport/errorLimit`` distinct
        /// ones is dropped.
        mutating func add(_ message: String, key: ChangeKey) {
            if let index = groups.firstIndex(where: { $0.message == message }) {
                guard groups[index].seen.insert(key).inserted else { return }
                if groups[index].keys.count < StatusClassifier.keysNamed { groups[index].keys.append(key) }
            } else if groups.count < DrainReport.errorLimit {
                groups.append(Group(message: message, keys: [key], seen: [key]))
            }
        }

        /// `"12:insert, 13:insert: message"`, one line per message.
        var lines: [String] {
            groups.map { group in
                let named = group.keys.map(\.description).joined(separator: ", ")
                let more = group.seen.count > group.keys.count ? " and \(group.seen.count - group.keys.count) more" : ""
                return "\(named)\(more): \(group.message)"
            }
        }
    }
}
