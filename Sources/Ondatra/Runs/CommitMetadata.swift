import Foundation

/// What a model's commit records about the run, stored as the snapshot's `commit_extra_info`
/// JSON. Written and read only through this type: history, skip decisions, schema evolution and
/// key checks all read it back from `snapshots()`.
public struct CommitMetadata: Codable, Sendable, Hashable {
    /// A column of the model's table, as recorded.
    public struct Column: Codable, Sendable, Hashable {
        /// The column name.
        public var name: String
        /// DuckDB's type name.
        public var type: String
    }

    /// A model that ran after its last commit and wrote nothing: it is up to date with `snapshot`
    /// (and, when it reads files, with files of this fingerprint). Carried by the run's next commit.
    public struct Watermark: Codable, Sendable, Hashable {
        /// The newest snapshot the run read changes up to.
        public var snapshot: Int64
        /// The fingerprint of the files the run read, if it reads files.
        public var sourceFiles: String?
        /// The model hash the run used, when it differs from the last commit's (a SQL change that
        /// wrote nothing new is still taken in).
        public var modelHash: String?
        /// A tracked Starlark model's saved queries, when a run that wrote nothing changed them.
        public var savedQueries: [String]?

        /// Creates a watermark.
        public init(snapshot: Int64, sourceFiles: String?, modelHash: String? = nil, savedQueries: [String]? = nil) {
            self.snapshot = snapshot
            self.sourceFiles = sourceFiles
            self.modelHash = modelHash
            self.savedQueries = savedQueries
        }

        enum CodingKeys: String, CodingKey {
            case snapshot
            case sourceFiles = "source_files"
            case modelHash = "model_hash"
            case savedQueries = "saved_queries"
        }
    }

    /// The model target, `schema.table`.
    public var model: String
    /// The model hash (SQL, directives, `config/`).
    public var modelHash: String
    /// The kind the model had.
    public var kind: String
    /// The `@unique_key` columns the model had; nil in commits written before keys were recorded.
    public var uniqueKey: [String]?
    /// The run type.
    public var runType: String
    /// Rows written.
    public var rowsAffected: Int64
    /// The table's columns after the run (the model's own plus those its kind adds).
    public var columns: [Column]
    /// Output column → source column, for telling a renamed column from a dropped one.
    public var lineage: [String: String]
    /// The model targets it read.
    public var dependencies: [String]
    /// The run that made the commit.
    public var runID: String
    /// Milliseconds the model took.
    public var durationMs: Int64
    /// The fingerprint of the local files it read, if it reads files.
    public var sourceFiles: String?
    /// Models of the same run that wrote nothing, with what they are up to date with.
    public var watermarks: [String: Watermark]?
    /// For a tracked Starlark model: fingerprints of the queries whose rows it saved (only those are
    /// filtered to changed groups next run; see ``ScriptModelOutcome/savedQueries``).
    public var savedQueries: [String]?
    /// For an `events` model's flush: the ids of the buffer segments whose events this commit
    /// inserted. A flush that finds a claimed segment's id here does not insert it again.
    public var eventSegments: [String]?

    enum CodingKeys: String, CodingKey {
        case model
        case modelHash = "model_hash"
        case kind
        case uniqueKey = "unique_key"
        case runType = "run_type"
        case rowsAffected = "rows_affected"
        case columns, lineage, dependencies
        case runID = "run_id"
        case durationMs = "duration_ms"
        case sourceFiles = "source_files"
        case watermarks
        case savedQueries = "saved_queries"
        case eventSegments = "event_segments"
    }

    /// Creates metadata for a commit.
    public init(
        model: String, modelHash: String, kind: String, uniqueKey: [String]?, runType: String, rowsAffected: Int64,
        columns: [Column], lineage: [String: String], dependencies: [String], runID: String, durationMs: Int64,
        sourceFiles: String? = nil, watermarks: [String: Watermark]? = nil, savedQueries: [String]? = nil
    ) {
        self.model = model
        self.modelHash = modelHash
        self.kind = kind
        self.uniqueKey = uniqueKey
        self.runType = runType
        self.rowsAffected = rowsAffected
        self.columns = columns
        self.lineage = lineage
        self.dependencies = dependencies
        self.runID = runID
        self.durationMs = durationMs
        self.sourceFiles = sourceFiles
        self.watermarks = watermarks
        self.savedQueries = savedQueries
    }

    /// Reads metadata leniently: commits of older versions may lack fields, which then take
    /// neutral values; only `model` is required.
    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        model = try values.decode(String.self, forKey: .model)
        modelHash = try values.decodeIfPresent(String.self, forKey: .modelHash) ?? ""
        kind = try values.decodeIfPresent(String.self, forKey: .kind) ?? ""
        uniqueKey = try values.decodeIfPresent([String].self, forKey: .uniqueKey)
        runType = try values.decodeIfPresent(String.self, forKey: .runType) ?? ""
        rowsAffected = try values.decodeIfPresent(Int64.self, forKey: .rowsAffected) ?? 0
        columns = (try? values.decodeIfPresent([Column].self, forKey: .columns)) ?? []
        lineage = (try? values.decodeIfPresent([String: String].self, forKey: .lineage)) ?? [:]
        dependencies = (try? values.decodeIfPresent([String].self, forKey: .dependencies)) ?? []
        runID = try values.decodeIfPresent(String.self, forKey: .runID) ?? ""
        durationMs = try values.decodeIfPresent(Int64.self, forKey: .durationMs) ?? 0
        sourceFiles = try values.decodeIfPresent(String.self, forKey: .sourceFiles)
        watermarks = try? values.decodeIfPresent([String: Watermark].self, forKey: .watermarks)
        savedQueries = try? values.decodeIfPresent([String].self, forKey: .savedQueries)
        eventSegments = try? values.decodeIfPresent([String].self, forKey: .eventSegments)
    }

    /// The metadata as commit `extra_info`.
    public var commitMessage: CommitMessage {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = (try? encoder.encode(self)).flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) }
        return CommitMessage(message: "\(model) \(runType)", extraInfo: object?.objectValue ?? [:])
    }

    /// Reads the metadata of a snapshot written by OndatraSQL; nil for other snapshots.
    public init?(snapshot: Snapshot) {
        guard snapshot.author == CommitMessage.author, let text = snapshot.extraInfo,
            let decoded = try? JSONDecoder().decode(CommitMetadata.self, from: Data(text.utf8))
        else { return nil }
        self = decoded
    }
}
