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
    /// What the run does.
    public let runType: RunType
    /// Why, in a few words.
    public let reason: String
}

/// Decides run types from recorded state, without I/O, so every rule is testable on its own.
public enum RunPlanner {
    /// What the last successful run of a model recorded.
    public struct Recorded: Sendable, Hashable {
        /// The snapshot of the commit.
        public let snapshot: Int64
        /// The model hash the commit recorded.
        public let modelHash: String
    }

    /// The run type for one model.
    ///
    /// - Parameters:
    ///   - targetExists: whether the target table is in the catalog.
    ///   - recorded: the model's last commit, if any.
    ///   - dependencySnapshots: for each dependency, the snapshot of its last commit (nil if never built).
    ///   - readsOutsideCatalog: the model reads a lib function or is a Starlark model.
    public static func decide(
        kind: ModelKind, hash: String, targetExists: Bool, recorded: Recorded?,
        dependencySnapshots: [(Target, Int64?)], readsOutsideCatalog: Bool
    ) -> RunDecision {
        guard targetExists, let recorded else { return RunDecision(runType: .backfill, reason: "first run") }
        guard recorded.modelHash == hash else { return RunDecision(runType: .backfill, reason: "sql changed") }
        if kind == .events { return RunDecision(runType: .flush, reason: "flush buffered events") }
        let changed = dependencySnapshots.filter { ($0.1 ?? 0) > recorded.snapshot }.map(\.0)
        if kind == .table {
            if readsOutsideCatalog { return RunDecision(runType: .full, reason: "reads outside the catalog") }
            if let first = changed.first { return RunDecision(runType: .full, reason: "dep changed: \(first)") }
            return RunDecision(
                runType: .skip, reason: dependencySnapshots.isEmpty ? "no dependencies" : "deps unchanged")
        }
        if let first = changed.first { return RunDecision(runType: .incremental, reason: "dep changed: \(first)") }
        return RunDecision(
            runType: .incremental, reason: dependencySnapshots.isEmpty ? "no dependencies" : "deps unchanged")
    }
}
