import Foundation

/// Judges what `push()` and `poll()` returned: which changes were delivered, which failed for now,
/// which were rejected for good, and what exactly was wrong with a reply that breaks the contract.
///
/// It knows nothing of attempts, backoff or time: ``DrainMachine`` turns its verdicts into
/// ``Disposition``s. Every message says what was returned and what to return instead, so a lib author
/// can fix the script from the message alone.
public enum StatusClassifier {
    /// One change's status text, parsed.
    public enum Status: Sendable, Equatable {
        /// `"ok"`.
        case ok
        /// `"warn: msg"`: delivered, with a warning.
        case warn(String)
        /// `"error: msg"`: a temporary failure.
        case error(String)
        /// `"reject: msg"`: a permanent failure.
        case reject(String)
    }

    /// What becomes of one change, before attempts and backoff apply.
    public enum RowVerdict: Sendable, Equatable {
        /// Delivered (`ok`, or `warn:` with its message).
        case delivered(warning: String?)
        /// Failed for now, with the message stored with the change: retried, or dead once out of attempts.
        case failed(String)
        /// Failed for good (`reject:`): moved to the dead letters.
        case rejected(String)
    }

    /// A judged reply: one verdict per change of the batch.
    public struct Verdict: Sendable, Equatable {
        /// One verdict for every change key of the batch, none for any other key.
        public var rows: [ChangeKey: RowVerdict]
        /// The message when the whole batch failed (an exception, a reply of the wrong kind, a poll
        /// timeout); nil when the reply judged its changes one by one.
        public var batchError: String?
        /// Whether the reply kept the contract: the right kind, a known status for every change of the
        /// batch. Per-change `error:` and `reject:` statuses keep it; missing keys and unknown statuses
        /// do not.
        public var wellFormed: Bool
        /// Problems with the reply that fail no change (keys that are not in the batch).
        public var warnings: [String]

        /// Creates a verdict.
        public init(
            rows: [ChangeKey: RowVerdict], batchError: String? = nil, wellFormed: Bool = true, warnings: [String] = []
        ) {
            self.rows = rows
            self.batchError = batchError
            self.wellFormed = wellFormed
            self.warnings = warnings
        }
    }

    /// What a `push()` reply means.
    public enum PushJudgement: Sendable, Equatable {
        /// The batch is settled by this verdict.
        case settled(Verdict)
        /// An async job reference (JSON text), to save and poll.
        case job(String)
    }

    /// What a `poll()` reply means.
    public enum PollJudgement: Sendable, Equatable {
        /// The job has not finished: poll again.
        case pending
        /// The batch is settled by this verdict.
        case settled(Verdict)
    }

    /// The status forms a reply may use, as messages list them.
    public static let allowedForms = #""ok", "warn: msg", "error: msg" or "reject: msg""#

    /// How many keys a message names before it says "and N more".
    public static let keysNamed = 5

    /// Parses one status: `"ok"`, or `"warn:"`, `"error:"`, `"reject:"` followed by a message (spaces
    /// around the text and the message are trimmed; an empty message reads "(no message)"). Nil for
    /// anything else.
    public static func parse(_ text: String) -> Status? {
        if text == "ok" { return .ok }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed == "ok" { return .ok }
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        var message = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        if message.isEmpty { message = "(no message)" }
        switch trimmed[..<colon] {
        case "warn": return .warn(message)
        case "error": return .error(message)
        case "reject": return .reject(message)
        default: return nil
        }
    }

    /// Judges a `push()` reply for a batch whose changes have `keys`, in `mode`.
    ///
    /// - sync: a dict of statuses is judged key by key; anything else fails every change.
    /// - atomic: `None` delivers every change; anything else fails every change.
    /// - async: a job reference is returned to be saved and polled; anything else fails every change.
    public static func judge(push reply: PushReply, mode: BatchMode, keys: [ChangeKey]) -> PushJudgement {
        // Only a reply that fails the batch is described (describing sorts a statuses dict).
        var returned: String { "push returned \(describe(reply))" }
        switch (mode, reply) {
        case (.sync, .statuses(let statuses)):
            return .settled(judge(statuses: statuses, keys: keys, call: "push"))
        case (.sync, .job):
            return .settled(failure("\(returned), not a dict of string statuses; \(statusesWanted(keys))", keys: keys))
        case (.sync, _):
            return .settled(failure("\(returned); \(statusesWanted(keys))", keys: keys))
        case (.atomic, .none):
            return .settled(
                Verdict(rows: Dictionary(uniqueKeysWithValues: keys.map { ($0, .delivered(warning: nil)) })))
        case (.atomic, _):
            return .settled(
                failure(
                    "\(returned); in atomic mode push returns None on success (and calls fail() to fail the batch)",
                    keys: keys))
        case (.async, .job(let job)):
            return .job(job)
        case (.async, _):
            return .settled(
                failure(
                    "\(returned); in async mode push must return a job reference dict, which is passed to poll(job_ref)",
                    keys: keys))
        }
    }

    /// Judges a `poll(job_ref)` reply for a batch whose changes have `keys`: `done` is judged like sync
    /// statuses; `invalid` fails every change with its message.
    public static func judge(poll reply: PollReply, keys: [ChangeKey]) -> PollJudgement {
        switch reply {
        case .pending: .pending
        case .done(let statuses): .settled(judge(statuses: statuses, keys: keys, call: "poll"))
        case .invalid(let message): .settled(failure(message, keys: keys))
        }
    }

    /// Judges a dict of statuses keyed `"<rowid>:<change_type>"` for a batch whose changes have `keys`.
    ///
    /// A change whose key is missing, or whose status is not one of ``allowedForms``, fails with a message
    /// saying so (and the reply is not ``Verdict/wellFormed``); keys that are not in the batch fail
    /// nothing and give a warning naming them.
    /// - Parameter call: the function that returned the dict (`push` or `poll`), for the messages.
    public static func judge(statuses: [String: String], keys: [ChangeKey], call: String) -> Verdict {
        var rows: [ChangeKey: RowVerdict] = [:]
        rows.reserveCapacity(keys.count)
        var missing: [String] = []
        var wellFormed = true
        for key in keys {
            guard let text = statuses[key.description] else {
                missing.append(key.description)
                continue
            }
            switch parse(text) {
            case .ok: rows[key] = .delivered(warning: nil)
            case .warn(let message): rows[key] = .delivered(warning: message)
            case .error(let message): rows[key] = .failed(message)
            case .reject(let message): rows[key] = .rejected(message)
            case nil:
                wellFormed = false
                rows[key] = .failed("\(call) returned unknown status \(quoted(text)) for \(key); use \(allowedForms)")
            }
        }
        // The batch's keys that have a status, each matching one status.
        let found = rows.count
        if !missing.isEmpty {
            wellFormed = false
            let message =
                "\(call) returned no status for \(list(missing)); return one status per row keyed \"<rowid>:<change_type>\""
            for key in keys where rows[key] == nil { rows[key] = .failed(message) }
        }
        // With no more statuses than keys found, none is extra.
        var extra: [String] = []
        if statuses.count > found {
            let batchKeys = Set(keys.map(\.description))
            extra = statuses.keys.filter { !batchKeys.contains($0) }.sorted().map(quoted)
        }
        let warnings = extra.isEmpty ? [] : ["\(call) returned statuses for keys not in the batch: \(list(extra))"]
        return Verdict(rows: rows, wellFormed: wellFormed, warnings: warnings)
    }

    /// A verdict failing every change of `keys` with `message`: the whole batch failed.
    public static func failure(_ message: String, keys: [ChangeKey]) -> Verdict {
        Verdict(
            rows: Dictionary(uniqueKeysWithValues: keys.map { ($0, .failed(message)) }), batchError: message,
            wellFormed: false)
    }

    /// A reply as messages name it: `None`, `dict {…}`, or the type name and short repr of anything else.
    public static func describe(_ reply: PushReply) -> String {
        switch reply {
        case .none:
            return "None"
        case .statuses(let statuses):
            let shown = statuses.sorted { $0.key < $1.key }.prefix(3).map { "\(quoted($0.key)): \(quoted($0.value))" }
            let more = statuses.count > shown.count ? ", …" : ""
            return "dict {\(shown.joined(separator: ", "))\(more)}"
        case .job(let json):
            return "dict \(clipped(json))"
        case .other(let type, let repr):
            return "\(type) \(clipped(repr))"
        }
    }

    /// What a sync-mode push must return, with an example key from the batch.
    private static func statusesWanted(_ keys: [ChangeKey]) -> String {
        let example = keys.first?.description ?? "12:insert"
        return "return a dict of statuses keyed \"<rowid>:<change_type>\" (e.g. {\"\(example)\": \"ok\"})"
    }

    /// The first ``keysNamed`` items, then "and N more".
    static func list(_ items: [String]) -> String {
        let named = items.prefix(keysNamed).joined(separator: ", ")
        return items.count > keysNamed ? "\(named) and \(items.count - keysNamed) more" : named
    }

    private static func quoted(_ text: String) -> String {
        "\"\(clipped(text, to: 80))\""
    }

    private static func clipped(_ text: String, to limit: Int = 200) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
