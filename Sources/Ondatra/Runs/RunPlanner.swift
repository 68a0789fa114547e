/// What a run does with a model.
public enum RunType: String, Sendable, Codable {
    /// Build from scratch: first run, or the model changed.
    case backfill
    /// Rebuild a `table` model because something it reads changed.
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
        /// What changed in its first dependency since its last run (or everything when it has none).
        case changes
        /// Nothing: every input is known to be unchanged, so the run writes nothing.
        case nothing
        /// The full query: a file it reads changed.
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
        /// The snapshot of the commit.
        public let snapshot: Int64
        /// The model hash the commit recorded.
        public let modelHash: String
        /// The fingerprint of the files the model read, or empty.
        public var filesFingerprint: String = ""
    }

    /// The run type for one model.
    ///
    /// - Parameters:
    ///   - targetExists: whether the target table is in the catalog.
    ///   - recorded: the model's last commit, if any.
    ///   - dependencySnapshots: for each dependency, the snapshot of its last commit (nil if never built).
    ///   - readsOutsideCatalog: the model reads a lib function or is a Starlark model.
    ///   - filesFingerprint: the fingerprint of the files the model reads, when it reads only
    ///     models and local files named literally (nil otherwise: the model then follows the rules
    ///     for its catalog dependencies alone). When the files and the dependencies are unchanged,
    ///     a `table` model skips and other kinds run with nothing to read.
    public static func decide(
        kind: ModelKind, hash: String, targetExists: Bool, recorded: Recorded?,
        dependencySnapshots: [(Target, Int64?)], readsOutsideCatalog: Bool, filesFingerprint: String? = nil
    ) -> RunDecision {
        guard targetExists, let recorded else { return RunDecision(runType: .backfill, reason: "first run") }
        guard recorded.modelHash == hash else { return RunDecision(runType: .backfill, reason: "sql changed") }
        if kind == .events { return RunDecision(runType: .flush, reason: "flush buffered events") }
        let changed = dependencySnapshots.filter { ($0.1 ?? 0) > recorded.snapshot }.map(\.0)
        let unchangedReason = dependencySnapshots.isEmpty ? "no dependencies" : "deps unchanged"
        let filesKnown = filesFingerprint != nil
        let filesChanged = filesKnown && filesFingerprint != recorded.filesFingerprint
        if kind == .table {
            if readsOutsideCatalog { return RunDecision(runType: .full, reason: "reads outside the catalog") }
            if filesChanged { return RunDecision(runType: .full, reason: "source files changed") }
            if let first = changed.first { return RunDecision(runType: .full, reason: "dep changed: \(first)") }
            return RunDecision(runType: .skip, reason: unchangedReason)
        }
        if filesChanged {
            return RunDecision(runType: .incremental, reason: "source files changed", reads: .everything)
        }
        if let first = changed.first { return RunDecision(runType: .incremental, reason: "dep changed: \(first)") }
        return RunDecision(
            runType: .incremental, reason: unchangedReason,
            reads: filesKnown && !readsOutsideCatalog ? .nothing : .changes)
    }
}
