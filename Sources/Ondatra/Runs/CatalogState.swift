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
        /// The model hash the commit recorded.
        public let modelHash: String
        /// The kind the commit recorded.
        public let kind: String
        /// What the run does.
        public let runType: String
        /// Rows the commit wrote.
        public let rowsAffected: Int64
        /// The fingerprint of the files the model read, or empty (see ``SourceFiles``).
        public internal(set) var filesFingerprint: String
        /// Output column → source column, as recorded (see ``ColumnLineage``).
        public let lineage: [String: String]
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
        _ target: Target, commit: CommitMessage, snapshot: Int64? = nil, session: Session
    ) throws {
        let id = try snapshot ?? session.currentSnapshot()
        currentSnapshot = id
        tables.insert(target)
        let snapshot = Snapshot(
            id: id, time: .null, changes: .null, author: commit.author, message: commit.message,
            extraInfo: JSONValue.object(commit.extraInfo).text)
        Self.take(snapshot, into: &commits)
    }

    /// The commit metadata key of watermarks: models that ran since their last commit, wrote
    /// nothing, and are up to date with the given snapshot. They ride on the next commit of the
    /// run, so a model whose inputs' changes filter to nothing does not read them again.
    static let watermarksKey = "watermarks"

    /// A model that ran and wrote nothing: up to date with `snapshot` and, when it reads files,
    /// with files of this fingerprint.
    public struct Watermark: Sendable, Hashable {
        /// The newest snapshot the run read changes up to.
        public let snapshot: Int64
        /// The fingerprint of the files the run read, if it reads files.
        public let filesFingerprint: String?

        var json: JSONValue {
            var object: [String: JSONValue] = ["snapshot": .int(snapshot)]
            if let filesFingerprint { object["source_files"] = .string(filesFingerprint) }
            return .object(object)
        }
    }

    /// Takes in one snapshot, oldest first: a model's commit and the watermarks it carries.
    private static func take(_ snapshot: Snapshot, into commits: inout [Target: Commit]) {
        guard snapshot.author == CommitMessage.author, let text = snapshot.extraInfo,
            let info = try? JSONValue.parse(text)
        else { return }
        if let (target, commit) = parse(info, snapshot: snapshot.id) { commits[target] = commit }
        for (name, value) in info[watermarksKey]?.objectValue ?? [:] {
            guard let target = Target(parsing: name), let through = value["snapshot"]?.intValue,
                var commit = commits[target], through >= commit.processedThrough
            else { continue }
            commit.processedThrough = through
            if let files = value["source_files"]?.stringValue { commit.filesFingerprint = files }
            commits[target] = commit
        }
    }

    private static func parse(_ info: JSONValue, snapshot: Int64) -> (Target, Commit)? {
        guard let name = info["model"]?.stringValue, let target = Target(parsing: name) else { return nil }
        return (
            target,
            Commit(
                snapshot: snapshot, processedThrough: snapshot, modelHash: info["model_hash"]?.stringValue ?? "",
                kind: info["kind"]?.stringValue ?? "",
                runType: info["run_type"]?.stringValue ?? "", rowsAffected: info["rows_affected"]?.intValue ?? 0,
                filesFingerprint: info["source_files"]?.stringValue ?? "",
                lineage: (info["lineage"]?.objectValue ?? [:]).compactMapValues(\.stringValue))
        )
    }
}
