/// What a run does with a model.
public enum RunType: String, Sendable, Codable {
    /// Build from scratch: first run, `--full-refresh`, or a SQL, kind or key change of a kind
    /// that keeps nothing (table, partition).
    case backfill
    /// Run the full query: a `table` model rebuilds because something it reads changed; a kind
    /// that keeps history (merge, scd2, tracked, append) applies a changed query through its own
    /// write path, keeping what it holds.
    case full
    /// Process only what changed upstream.
    case incremental
    /// Nothing to do.
    case skip
    /// Move buffered events into an `events` model.
    case flush
}

/// A run type and the reason shown to the user.
public struct RunDecision: Sendable, Hashable {
    /// What an incremental run reads.
    public enum Reads: Sendable, Hashable {
        /// What changed in its dependencies since its last run.
        case changes
        /// The full query: a file it reads changed, or it reads something whose changes cannot be followed.
        case everything
    }

    /// What the run does.
    public let runType: RunType
    /// Why, in a few words.
    public let reason: String
    /// What an incremental run reads.
    public var reads: Reads = .changes

    /// A decision with its reason.
    public init(runType: RunType, reason: String, reads: Reads = .changes) {
        self.runType = runType
        self.reason = reason
        self.reads = reads
    }
}

/// Decides run types from recorded state, without I/O, so every rule is testable on its own.
public enum RunPlanner {
    /// What the last successful run of a model recorded.
    public struct Recorded: Sendable, Hashable {
        /// The newest snapshot the model is up to date with.
        public let snapshot: Int64
        /// The model hash the commit recorded.
        public let modelHash: String
        /// The fingerprint of the files the model read, or empty.
        public var filesFingerprint: String = ""
        /// The kind the model had; nil when not known (taken as unchanged).
        public var kind: ModelKind? = nil
        /// The `@unique_key` it had; nil when not recorded (taken as unchanged).
        public var uniqueKey: [String]? = nil
    }

    /// What the planner knows about a model now.
    public struct Inputs: Sendable {
        /// The model's kind.
        public var kind: ModelKind
        /// Its `@unique_key` columns.
        public var uniqueKey: [String] = []
        /// Its hash (see ``ModelHash``).
        public var hash: String
        /// Whether the target table is in the catalog.
        public var targetExists: Bool
        /// For each dependency, the snapshot of its last commit (nil if never built).
        public var dependencySnapshots: [(Target, Int64?)] = []
        /// It reads something whose changes cannot be seen before running: a lib function (an
        /// API), a Starlark model, or files it names through an expression or remotely.
        public var readsOutsideCatalog = false
        /// Every table it reads is a model or a fingerprinted local file, so nothing it reads can
        /// change unseen. When false, kinds other than `table` read everything on every run.
        public var readsOnlyFollowedInputs = true
        /// The fingerprint of the local files it reads (nil when it reads none).
        public var filesFingerprint: String? = nil
        /// `run --full-refresh` names it: rebuild from scratch.
        public var fullRefresh = false

        /// Creates the inputs.
        public init(kind: ModelKind, uniqueKey: [String] = [], hash: String, targetExists: Bool) {
            self.kind = kind
            self.uniqueKey = uniqueKey
            self.hash = hash
            self.targetExists = targetExists
        }
    }

    /// A change the planner refuses to apply without `--full-refresh`: the rebuild it needs would
    /// throw away what the table keeps.
    public struct Refusal: Error, Sendable, Hashable {
        /// What changed and what to run, for the user.
        public let message: String
    }

    /// The run type for one model.
    /// - Throws: ``Refusal`` when its kind or key changed and the old or new kind keeps history.
    public static func decide(_ inputs: Inputs, recorded: Recorded?, target: Target) throws -> RunDecision {
        let kind = inputs.kind
        guard inputs.targetExists else { return RunDecision(runType: .backfill, reason: "first run") }
        guard let recorded else {
            // The table exists but no commit of it is left (its snapshots were expired): what it
            // keeps stays, and the query goes through the kind's own path.
            if inputs.fullRefresh { return RunDecision(runType: .backfill, reason: ModelResult.fullRefreshReason) }
            return kind.keepsHistory && kind != .events
                ? RunDecision(runType: .full, reason: "no run recorded")
                : RunDecision(runType: .backfill, reason: "no run recorded")
        }
        if inputs.fullRefresh { return RunDecision(runType: .backfill, reason: ModelResult.fullRefreshReason) }
        if let change = definitionChange(inputs, recorded: recorded) {
            let oldKeepsHistory = recorded.kind?.keepsHistory ?? false
            guard !kind.keepsHistory && !oldKeepsHistory else {
                let consequence =
                    oldKeepsHistory
                    ? "a rebuild would throw away what the \(recorded.kind?.rawValue ?? "") table keeps"
                    : "the \(kind.rawValue) table would start its history from a rebuild"
                throw Refusal(
                    message:
                        "\(change): \(consequence); run `ondatrasql run --full-refresh \(target)` to rebuild it from scratch, or undo the change"
                )
            }
            return RunDecision(runType: .backfill, reason: change)
        }
        if recorded.modelHash != inputs.hash {
            return kind.keepsHistory && kind != .events
                ? RunDecision(runType: .full, reason: "sql changed")
                : RunDecision(runType: .backfill, reason: "sql changed")
        }
        if kind == .events { return RunDecision(runType: .flush, reason: "flush buffered events") }
        let changed = inputs.dependencySnapshots.filter { ($0.1 ?? 0) > recorded.snapshot }.map(\.0)
        let unchangedReason = inputs.dependencySnapshots.isEmpty ? "no dependencies" : "deps unchanged"
        let filesChanged = inputs.filesFingerprint.map { $0 != recorded.filesFingerprint } ?? false
        if kind == .table {
            if inputs.readsOutsideCatalog { return RunDecision(runType: .full, reason: "reads outside the catalog") }
            if filesChanged { return RunDecision(runType: .full, reason: "source files changed") }
            if let first = changed.first { return RunDecision(runType: .full, reason: "dep changed: \(first)") }
            return RunDecision(runType: .skip, reason: unchangedReason)
        }
        if inputs.readsOutsideCatalog {
            return RunDecision(runType: .incremental, reason: "reads outside the catalog", reads: .everything)
        }
        if !inputs.readsOnlyFollowedInputs {
            return RunDecision(runType: .incremental, reason: "reads tables that are not models", reads: .everything)
        }
        if filesChanged {
            return RunDecision(runType: .incremental, reason: "source files changed", reads: .everything)
        }
        if let first = changed.first { return RunDecision(runType: .incremental, reason: "dep changed: \(first)") }
        // Every input is known to be unchanged: the run would read nothing and write nothing, and
        // its watermark already covers every input, so there is nothing to record either.
        return RunDecision(runType: .skip, reason: unchangedReason)
    }

    /// "kind changed: merge → table" or "key changed: id → id, day", or nil.
    private static func definitionChange(_ inputs: Inputs, recorded: Recorded) -> String? {
        if let old = recorded.kind, old != inputs.kind {
            return "kind changed: \(old.rawValue) → \(inputs.kind.rawValue)"
        }
        if let old = recorded.uniqueKey, inputs.kind.requiresUniqueKey,
            old.map({ $0.lowercased() }) != inputs.uniqueKey.map({ $0.lowercased() })
        {
            return "key changed: \(old.joined(separator: ", ")) → \(inputs.uniqueKey.joined(separator: ", "))"
        }
        return nil
    }
}
