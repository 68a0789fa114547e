import DuckDB
import OndatraSync

/// A model's incremental cursor (`@incremental`, `@incremental_initial`): what SQL reads as
/// `getvariable('incremental_…')` and Starlark as the `incremental` module.
public struct IncrementalState: Sendable {
    /// The cursor column.
    public let cursor: String
    /// Whether this run rebuilds the model (first run, or its SQL changed).
    public let isBackfill: Bool
    /// The cursor column's largest value in the table before this run; nil on a backfill or an
    /// empty table (then `initialValue` is the place to start).
    public let lastValue: DuckDB.Value?
    /// When the model last committed, as DuckLake recorded it; nil before its first run.
    public let lastRun: DuckDB.Value?
    /// `@incremental_initial`, as written.
    public let initialValue: String?

    /// Creates a state.
    public init(
        cursor: String, isBackfill: Bool, lastValue: DuckDB.Value?, lastRun: DuckDB.Value?, initialValue: String?
    ) {
        self.cursor = cursor
        self.isBackfill = isBackfill
        self.lastValue = lastValue
        self.lastRun = lastRun
        self.initialValue = initialValue
    }

    /// The SQL variables, set before the model's query runs.
    var variables: [(String, DuckDB.Value)] {
        [
            ("incremental_cursor", .varchar(cursor)), ("incremental_is_backfill", .boolean(isBackfill)),
            ("incremental_last_value", lastValue ?? .null), ("incremental_last_run", lastRun ?? .null),
            ("incremental_initial_value", initialValue.map(DuckDB.Value.varchar) ?? .null),
        ]
    }
}

/// What the runner hands a Starlark model's run.
public struct ScriptModelRun {
    /// The model.
    public let model: Model
    /// The session (and transaction) the model runs in; `query()` reads through it.
    public let session: Session
    /// The temporary table (in `temp.main`) the saved rows go into.
    public let resultTable: String
    /// For a `tracked` model whose table exists: that table, qualified. The queries of
    /// ``savedQueries`` then return only the groups that are new or whose content changed since
    /// the model last saved them.
    public let trackedTarget: String?
    /// The model's incremental cursor, when it declares one.
    public let incremental: IncrementalState?
    /// For a `tracked` model: the ``ScriptModelOutcome/savedQueries`` its last commit recorded;
    /// nil when it recorded none (a table from before they were kept, or no table yet).
    public var savedQueries: [String]? = nil
}

/// What a Starlark model's run produced.
public struct ScriptModelOutcome {
    /// Rows saved (and left in the result table).
    public var rows: Int64
    /// The script called `abort()`: nothing is written.
    public var aborted = false
    /// For tracked models: a temporary table of every key the queries of ``savedQueries``
    /// returned, changed or not, with the content hash of its rows (stored as `_content_hash`);
    /// groups of the target missing from it have vanished. Nil when none of them ran.
    public var queryHashes: String?
    /// For tracked models: fingerprints of the `query()` calls (their SQL, normalized) the saved
    /// rows came from, sorted; the next run filters only those queries to new and changed groups.
    /// Carried over from ``ScriptModelRun/savedQueries`` when the run saved nothing. To be kept
    /// in the commit metadata and passed back next run.
    public var savedQueries: [String]?

    /// Creates an outcome.
    public init(rows: Int64, aborted: Bool = false, queryHashes: String? = nil, savedQueries: [String]? = nil) {
        self.rows = rows
        self.aborted = aborted
        self.queryHashes = queryHashes
        self.savedQueries = savedQueries
    }
}

/// Runs models and lib functions written in Starlark. The `OndatraStarlark` module provides it; this module only
/// calls it, so the pipeline core does not depend on the interpreter.
public protocol ScriptHost: AnyObject {
    /// The SQL of every string-literal `query("…")` in the model, for its dependencies.
    /// - Throws: ``OndatraError`` naming the file and line of a syntax error.
    func queries(in model: Model) throws -> [String]

    /// Runs the model's top-level code and leaves the rows it saved in `run.resultTable` (not
    /// created when it saved none).
    func run(_ run: ScriptModelRun) throws -> ScriptModelOutcome

    /// The lib functions SQL models can read like tables, names lowercased.
    var libFunctions: Set<String> { get }

    /// Calls lib function `name` page by page and loads its rows into `table` of the attached
    /// database `catalog` (the model run's staging file), a table or a view.
    /// - Parameters:
    ///   - arguments: the call's arguments, evaluated.
    ///   - model: the model whose SQL calls it (for messages).
    ///   - incremental: the calling model's incremental cursor, for the `incremental` module.
    /// - Returns: the rows loaded, or nil when the function called `abort()` (nothing is written).
    func fetch(
        _ name: String, arguments: [DuckDB.Value], session: Session, into table: String, catalog: String,
        model: Model, incremental: IncrementalState?
    ) throws -> Int64?

    /// Checks a model's `@sink` without running anything: the lib exists, has a `push` section
    /// and function (and `poll` in async mode), the call's arguments match `API["push"]["args"]`.
    /// `variables` are the project's (`.env` and the environment): the lib's credentials must be set.
    /// - Throws: ``OndatraError`` naming the model, the lib and the key at fault.
    func sink(for model: Model, variables: [String: String]) throws -> SinkDefinition

    /// A caller of `definition`'s lib for one drain of `model`, with up to the sink's
    /// `max_concurrent` calls at once.
    func sinkCaller(for definition: SinkDefinition, model: SinkModelInfo, context: ProjectContext) throws
        -> any SinkCaller
}

/// The content hash the `tracked` kind keeps per group, as SQL shared by the kind's writer and by
/// Starlark's `query()` (which must compute it the same way to find changed groups).
public enum ContentHash {
    /// The column the hash is kept in.
    public static let column = "_content_hash"

    /// `a.k IS NOT DISTINCT FROM b.k AND …` over the key columns `keys`, for tables aliased `a` and `b`.
    public static func keysMatch(_ keys: [String], _ a: String, _ b: String) -> String {
        keys.map { "\(a).\(SQLLiteral.identifier($0)) IS NOT DISTINCT FROM \(b).\(SQLLiteral.identifier($0))" }
            .joined(separator: " AND ")
    }

    /// `SELECT keys, _content_hash FROM table GROUP BY keys`: each group's hash over its `values`
    /// columns, independent of row order, NULL distinct from '' and 'NULL'.
    public static func groups(keys: [String], values: [String], of table: String) -> String {
        let keyList = keys.map(SQLLiteral.identifier).joined(separator: ", ")
        let hash = SQLLiteral.identifier(column)
        guard !values.isEmpty else {
            // A group with only key columns has a constant hash.
            return "SELECT DISTINCT \(keyList), md5('') AS \(hash) FROM \(table)"
        }
        let fields = values.map { "\(SQLLiteral.identifier($0)) := \(SQLLiteral.identifier($0))" }
            .joined(separator: ", ")
        // JSON keeps NULL, '' and 'NULL' apart; sorting makes the hash independent of row order.
        return """
            SELECT \(keyList), md5(string_agg(row_text, chr(10) ORDER BY row_text)) AS \(hash)
            FROM (SELECT \(keyList), to_json(struct_pack(\(fields)))::VARCHAR AS row_text FROM \(table))
            GROUP BY \(keyList)
            """
    }
}
