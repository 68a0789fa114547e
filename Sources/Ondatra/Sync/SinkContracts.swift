import DuckDB
import OndatraSync

/// A model's `@sink`, validated before anything runs: which lib pushes, with which settings and
/// arguments.
public struct SinkDefinition: Sendable {
    /// The lib function's name (`hubspot_push`).
    public let lib: String
    /// Its file, project-relative (`lib/hubspot_push.star`).
    public let libPath: String
    /// Batching, mode, concurrency, retries and polling.
    public let settings: DrainSettings
    /// The values of `@sink: name('a', 2)`, by the names `API["push"]["args"]` gives them.
    public let arguments: [(name: String, value: DuckDB.Value)]

    /// Creates a definition.
    public init(lib: String, libPath: String, settings: DrainSettings, arguments: [(name: String, value: DuckDB.Value)])
    {
        self.lib = lib
        self.libPath = libPath
        self.settings = settings
        self.arguments = arguments
    }
}

/// The rows of one batch as `push` receives them: every column of the target, then
/// `__ondatra_rowid` and `__ondatra_change_type`.
public struct SinkBatch: Sendable {
    /// Column names, in order.
    public let columns: [String]
    /// One array of values per row, in `columns` order.
    public let rows: [[DuckDB.Value]]
    /// The batch's number in this run, from 1.
    public let number: Int

    /// Creates a batch.
    public init(columns: [String], rows: [[DuckDB.Value]], number: Int) {
        self.columns = columns
        self.rows = rows
        self.number = number
    }
}

/// What the model being synced is, for `push`'s `kind` and `key_columns` parameters.
public struct SinkModelInfo: Sendable {
    /// The model's target.
    public let target: Target
    /// Its kind.
    public let kind: ModelKind
    /// Its `@unique_key` columns.
    public let keyColumns: [String]
    /// Its file, for messages.
    public let path: String

    /// Creates the info.
    public init(target: Target, kind: ModelKind, keyColumns: [String], path: String) {
        self.target = target
        self.kind = kind
        self.keyColumns = keyColumns
        self.path = path
    }
}

/// Calls a sink's lib functions (`push`, `poll`, `finalize`), each call on a thread of its own
/// (at most the sink's `max_concurrent` at once), never on the caller's.
///
/// Calls throw only ``PushFailure``, so the drain can tell a network failure, an HTTP status,
/// `fail()` and a script error apart; every message is redacted.
public protocol SinkCaller: Sendable {
    /// Calls `push` with the batch (and the keyword arguments it declares).
    func push(_ batch: SinkBatch) async throws -> PushReply
    /// Calls `poll(job_ref)` with the job reference `push` returned (JSON text).
    func poll(job: String) async throws -> PollReply
    /// Calls `finalize(succeeded, failed)` if the lib defines it.
    func finalize(succeeded: Int, failed: Int) async throws
    /// Stops calls in progress (Ctrl-C): a request in flight is cancelled, the call fails with
    /// ``PushFailure/cancelled``.
    func cancel()
    /// Lets the caller's threads go once the drain is over.
    func close()
    /// `text` with every secret the lib can see hidden (`.env` values, its auth settings, OAuth
    /// tokens): statuses and payloads pass through it before they are stored or shown.
    func redact(_ text: String) -> String
}
