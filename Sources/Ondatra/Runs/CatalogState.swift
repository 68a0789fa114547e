import DuckDB

/// What the catalog's snapshots say about the models: the last commit of each, read back from
/// the commit metadata (`commit_extra_info`). Nothing about a model's past lives elsewhere.
public struct CatalogState: Sendable {
    /// One model's last commit.
    public struct Commit: Sendable, Hashable {
        /// The snapshot of the commit.
        public let snapshot: Int64
        /// The newest snapshot the model is known to be up to date with: its commit, or a later
        /// run that read its inputs' changes and had nothing to write (a watermark).
        public internal(set) var processedThrough: Int64
        /// The fingerprint of the files the model read, or empty (see ``SourceFiles``).
        public internal(set) var filesFingerprint: String
        /// The model hash the model was last run with: the commit's, or a later run's that wrote nothing.
        public internal(set) var modelHash: String
        /// For a tracked Starlark model: the queries whose rows it saved (see ``CommitMetadata/savedQueries``).
        public internal(set) var savedQueries: [String]?
        /// What the commit recorded.
        public let metadata: CommitMetadata

        /// The kind the commit recorded.
        public var kind: String { metadata.kind }
        /// The run type of the commit.
        public var runType: String { metadata.runType }
        /// Rows the commit wrote.
        public var rowsAffected: Int64 { metadata.rowsAffected }
        /// Output column → source column, as recorded (see ``ColumnLineage``).
        public var lineage: [String: String] { metadata.lineage }
    }

    /// The last commit per model target.
    public private(set) var commits: [Target: Commit]
    /// Tables that exist in the catalog now.
    public private(set) var tables: Set<Target>
    /// The newest snapshot id.
    public private(set) var currentSnapshot: Int64

    /// Reads the state from the session's catalog.
    public static func load(_ session: Session) throws -> CatalogState {
        var commits: [Target: Commit] = [:]
        let snapshots = try session.snapshots()
        for snapshot in snapshots { take(snapshot, into: &commits) }
        return CatalogState(
            commits: commits, tables: try session.catalogTables(), currentSnapshot: snapshots.last?.id ?? 0)
    }

    /// Takes in the commit a model just made (the newest snapshot, read from the catalog when
    /// `snapshot` is nil), without reading everything again.
    public mutating func record(
        _ target: Target, commit: CommitMetadata, snapshot: Int64? = nil, session: Session
    ) throws {
        let id = try snapshot ?? session.currentSnapshot()
        currentSnapshot = id
        tables.insert(target)
        Self.take(commit, snapshot: id, into: &commits)
    }

    /// Takes in one snapshot, oldest first: a model's commit and the watermarks it carries.
    private static func take(_ snapshot: Snapshot, into commits: inout [Target: Commit]) {
        guard let metadata = CommitMetadata(snapshot: snapshot) else { return }
        take(metadata, snapshot: snapshot.id, into: &commits)
    }

    private static func take(_ metadata: CommitMetadata, snapshot: Int64, into commits: inout [Target: Commit]) {
        if let target = Target(parsing: metadata.model) {
            commits[target] = Commit(
                snapshot: snapshot, processedThrough: snapshot, filesFingerprint: metadata.sourceFiles ?? "",
                modelHash: metadata.modelHash, savedQueries: metadata.savedQueries, metadata: metadata)
        }
        for (name, watermark) in metadata.watermarks ?? [:] {
            guard let target = Target(parsing: name), var commit = commits[target],
                watermark.snapshot >= commit.processedThrough
            else { continue }
            commit.processedThrough = watermark.snapshot
            if let files = watermark.sourceFiles { commit.filesFingerprint = files }
            if let hash = watermark.modelHash { commit.modelHash = hash }
            if let queries = watermark.savedQueries { commit.savedQueries = queries }
            commits[target] = commit
        }
    }
}
