import DuckDB

/// One kind's rules, in one type per kind: the columns it adds, what its table keeps that a
/// rebuild would lose, how an incremental run reads its inputs, and how it creates and writes
/// its table. The ``Materializer`` builds the result and calls these; run planning reads
/// ``keepsHistory`` and ``followsChanges``.
protocol KindRules {
    /// Columns the kind adds to the model's own.
    static var addedColumns: [SchemaEvolution.Column] { get }
    /// The table holds what a rebuild would lose (rows merge never deletes, scd2 versions, what
    /// tracked and append pushed): a SQL change goes through the kind's own path, and a kind or key
    /// change needs `--full-refresh`.
    static var keepsHistory: Bool { get }
    /// The result must have one row per `@unique_key` value.
    static var oneRowPerKey: Bool { get }
    /// Builds the scratch tables the write compares with; runs after schema evolution.
    static func prepare(_ context: WriteContext) throws
    /// The rows a new table starts with (first run): a query whose columns are the table's.
    static func initialRows(_ context: WriteContext) throws -> String
    /// Writes the result into the existing table; returns the rows written.
    static func write(_ context: WriteContext) throws -> Int64
}

extension KindRules {
    static var addedColumns: [SchemaEvolution.Column] { [] }
    static var oneRowPerKey: Bool { false }

    /// An incremental run reads only what changed upstream (append, merge, partition: the kinds
    /// that are ``ChangeFollowingKind``s); the other kinds compare their full result with the table.
    static var followsChanges: Bool { self is any ChangeFollowingKind.Type }
    static func prepare(_ context: WriteContext) throws {}

    static func initialRows(_ context: WriteContext) throws -> String {
        "SELECT * FROM \(context.result)"
    }

    /// Replaces every row of the table with the result.
    static func replaceAll(_ context: WriteContext, from table: String? = nil) throws -> Int64 {
        try context.session.execute("DELETE FROM \(context.target)")
        return Int64(
            try context.session.execute(
                "INSERT INTO \(context.target) BY NAME SELECT * FROM \(table ?? context.result)"))
    }
}

/// A kind whose incremental runs read only what changed upstream (append, merge, partition).
protocol ChangeFollowingKind: KindRules {
    /// An incremental run may recompute only the groups whose keys the changes touch (the kind's
    /// key must then be a group key of an aggregate query).
    static var recomputesByKey: Bool { get }
    /// Whether a result with no rows leaves nothing to write (partition: it still empties the
    /// partitions it was built for).
    static var emptyResultWritesNothing: Bool { get }
    /// Builds the result of a delta run (``IncrementalStrategy/delta(_:)``).
    static func deltaResult(_ delta: DeltaRun) throws -> Materializer.BuiltResult
}

/// What a delta run works with: the model's query over the changed upstream's new rows and over
/// its old rows, and the materializer's ways of building the result from SQL.
struct DeltaRun {
    /// The query with the upstream replaced by its new rows.
    let overNewRows: String
    /// The query with the upstream replaced by its old rows (loaded when first asked for).
    let overOldRows: () throws -> String
    /// The model's query as written.
    let query: String
    /// The `@unique_key` columns.
    let keys: [String]
    /// Runs SQL into the result table; returns its row count.
    let createResult: (String) throws -> Int64
    /// Loads the keys a query finds, then the result of the query a restriction makes from the
    /// keys table's name (see ``Materializer/restricted(toKeys:restriction:)``).
    let restricted: (String, (String) throws -> String) throws -> Materializer.BuiltResult
}

extension ModelKind {
    /// The rules of this kind.
    var rules: any KindRules.Type {
        switch self {
        case .table: TableKind.self
        case .append: AppendKind.self
        case .merge: MergeKind.self
        case .tracked: TrackedKind.self
        case .scd2: SCD2Kind.self
        case .partition: PartitionKind.self
        case .events: EventsKind.self
        }
    }

    /// Whether the table holds what a rebuild would lose (see ``KindRules/keepsHistory``).
    public var keepsHistory: Bool { rules.keepsHistory }
}

/// What the result table holds, so the kind knows what to do with it.
enum ResultScope: Equatable {
    /// The full query's result.
    case whole
    /// Only the rows to add (append) or upsert (merge).
    case changedRows
    /// Every current row of the keys (partitions, groups) listed in this temporary table.
    case keys(String)
}

/// What a kind's writer works with: the session, the target, the temporary result and its columns.
struct WriteContext {
    let session: Session
    /// The qualified target table.
    let target: String
    /// The qualified temporary table holding the model's result.
    let result: String
    /// The result's columns (before any the kind adds).
    let columns: [SchemaEvolution.Column]
    /// The `@unique_key` columns.
    let keys: [String]
    let runType: RunType
    /// What the result holds.
    var scope: ResultScope = .whole
    /// For a Starlark `tracked` model: the keys its queries returned, with their content hashes.
    var queryHashes: String? = nil

    /// The table is rebuilt from the result (first run, `--full-refresh`, or a kind that always rebuilds).
    var rebuilds: Bool { runType == .backfill }

    /// `a.k IS NOT DISTINCT FROM b.k AND …` over the key columns.
    func keyMatch(_ a: String, _ b: String) -> String { ContentHash.keysMatch(keys, a, b) }

    /// The key column list, quoted, optionally qualified.
    func keyList(_ qualifier: String? = nil) -> String {
        keys.map { (qualifier.map { $0 + "." } ?? "") + SQLLiteral.identifier($0) }.joined(separator: ", ")
    }

    /// The non-key columns.
    var valueColumns: [SchemaEvolution.Column] {
        let keySet = Set(keys.map { $0.lowercased() })
        return columns.filter { !keySet.contains($0.name.lowercased()) }
    }

    /// `SELECT keys, hash FROM table GROUP BY keys`: the content hash of every group in `table`.
    func groupHashes(of table: String) -> String {
        ContentHash.groups(keys: keys, values: valueColumns.map(\.name), of: table)
    }

    /// A scratch temporary table name for this run, qualified.
    static func scratch(_ name: String) -> String { SQLLiteral.qualified(["temp", "main", scratchName(name)]) }

    /// A scratch temporary table name for this run, bare (for `CREATE TEMP TABLE`).
    static func scratchName(_ name: String) -> String { "__ondatra_" + name }

    /// The scratch tables the kinds' writers make, for cleaning up (the materializer's own are
    /// registered in ``ScratchTables``).
    static let scratchNames = ["groups", "prepared", "changed", "vanished", "scd2_changed", "scd2_vanished", "touched"]
}
