import DuckDB
import Ondatra
import Starlark

/// `query(sql)`: a read-only query on the pipeline's session, returned as a list of dicts.
///
/// In a `tracked` model, every query whose result holds the `@unique_key` columns has each of its
/// groups' content hash kept, and its rows traced to the rows the script saves
/// (``SavedRowOrigins``). Only the queries the model's saved rows came from on its last run are
/// filtered: once the model's table exists, they return only the groups that are new or whose
/// hash differs from the one the table keeps. Any other query (a lookup) returns all its rows.
final class QueryFunction: @unchecked Sendable {
    /// What a tracked model's queries are filtered by.
    struct Tracking {
        /// The model's table, qualified; nil before its first run.
        let target: String?
        /// The `@unique_key` columns.
        let keys: [String]
        /// Fingerprints (``SavedRowOrigins/fingerprint(_:)``) of the queries to filter; nil when
        /// no run recorded them, and then every query returning the keys is filtered.
        let filtered: Set<String>?
    }

    let session: Session
    let tracking: Tracking?
    /// Where a tracked model's saved rows come from.
    let origins: SavedRowOrigins?
    /// The groups and content hashes every query returning the keys produced, in one table per
    /// type of the key columns, with the query's fingerprint and the call's number.
    private var seenTables: [String: String] = [:]
    private var calls = 0
    private var fingerprintsRun: Set<String> = []

    static let hashesTable = "__ondatra_query_hashes"
    static let scratchTable = "__ondatra_query"
    static let groupsTable = "__ondatra_query_groups"
    static let seenTable = "__ondatra_query_seen_"
    private static let callColumn = "__ondatra_call"
    private static let fingerprintColumn = "__ondatra_fingerprint"

    init(session: Session, tracking: Tracking?) {
        self.session = session
        self.tracking = tracking
        origins = tracking.map { SavedRowOrigins(keys: $0.keys) }
    }

    var builtin: Builtin { Self.builtin { [self] in try run($0) } }

    /// `query(sql)` answered by `run` (on whichever thread owns the session).
    static func builtin(_ run: @escaping @Sendable (String) throws -> Starlark.Value) -> Builtin {
        Builtin("query") { _, builtin, arguments in
            let bound = try arguments.bind(builtin.name, ["sql"])
            guard case .string(let sql) = bound[0] ?? .none else {
                throw StarlarkError("query: sql must be a string, got \(bound[0]?.typeName ?? "NoneType")")
            }
            return try run(sql)
        }
    }

    func run(_ sql: String) throws -> Starlark.Value {
        do {
            let statement = try session.connection.prepare(sql)
            guard statement.isSelect else {
                throw StarlarkError("query: only SELECT statements may run here (query() is read-only)")
            }
            guard let tracking else { return try rows(of: statement.execute()) }
            try session.execute("CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.scratchTable)) AS \(sql)")
            let scratch = SQLLiteral.qualified(["temp", "main", Self.scratchTable])
            var columns: [String] = []
            var types: [String: String] = [:]
            for row in try session.query("SELECT name, type FROM pragma_table_info(\(SQLLiteral.quote(scratch)))")
                .allRows()
            {
                guard let name = row.first?.string else { continue }
                columns.append(name)
                types[name.lowercased()] = row.count > 1 ? row[1].string : nil
            }
            let keyTypes = tracking.keys.map { types[$0.lowercased()] }
            guard keyTypes.allSatisfy({ $0 != nil }) else {
                return try rows(of: session.query("SELECT * FROM \(scratch)"))
            }
            let fingerprint = SavedRowOrigins.fingerprint(sql)
            let result = try groups(
                of: scratch, columns: columns, keyTypes: keyTypes.compactMap { $0 }, fingerprint: fingerprint,
                tracking: tracking)
            origins?.returned(result, fingerprint: fingerprint)
            return result
        } catch let error as DuckDBError {
            throw StarlarkError("query: \(session.queryError(error).message)")
        }
    }

    /// Records every group's content hash; returns the rows, only those of new or changed groups
    /// when this query is one to filter.
    private func groups(
        of scratch: String, columns: [String], keyTypes: [String], fingerprint: String, tracking: Tracking
    ) throws -> Starlark.Value {
        let keySet = Set(tracking.keys.map { $0.lowercased() })
        let values = columns.filter { !keySet.contains($0.lowercased()) }
        let groups = SQLLiteral.qualified(["temp", "main", Self.groupsTable])
        // Each group hashed once, for the record and for the filter.
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.groupsTable)) AS
            \(ContentHash.groups(keys: tracking.keys, values: values, of: scratch))
            """)
        let signature = keyTypes.joined(separator: ", ")
        let seen: String
        if let existing = seenTables[signature] {
            seen = existing
        } else {
            let name = Self.seenTable + String(seenTables.count)
            try session.execute(
                """
                CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(name)) AS
                SELECT *, 0::BIGINT AS \(Self.callColumn), ''::VARCHAR AS \(Self.fingerprintColumn) FROM \(groups) LIMIT 0
                """)
            seen = SQLLiteral.qualified(["temp", "main", name])
            seenTables[signature] = seen
        }
        try session.execute(
            "INSERT INTO \(seen) SELECT *, \(calls), \(SQLLiteral.quote(fingerprint)) FROM \(groups)")
        calls += 1
        fingerprintsRun.insert(fingerprint)
        let filters = tracking.filtered?.contains(fingerprint) ?? true
        guard filters, let target = tracking.target else {
            return try rows(of: session.query("SELECT * FROM \(scratch)"))
        }
        let match = { ContentHash.keysMatch(tracking.keys, $0, $1) }
        let hash = SQLLiteral.identifier(ContentHash.column)
        return try rows(
            of: session.query(
                """
                SELECT q.* FROM \(scratch) q JOIN \(groups) h ON (\(match("q", "h")))
                WHERE NOT EXISTS (SELECT 1 FROM \(target) t WHERE \(match("t", "h")) AND t.\(hash) = h.\(hash))
                """))
    }

    /// A temporary table of every key the queries of `fingerprints` (nil: every query that
    /// returned the keys) returned, with its group's content hash; a key two calls returned keeps
    /// the hash of the first. Nil when none of those queries ran.
    func hashes(of fingerprints: Set<String>?) throws -> String? {
        guard let tracking else { return nil }
        let wanted = fingerprints.map { $0.intersection(fingerprintsRun) } ?? fingerprintsRun
        guard !wanted.isEmpty else { return nil }
        let stored = SQLLiteral.qualified(["temp", "main", Self.hashesTable])
        let keyList = tracking.keys.map(SQLLiteral.identifier).joined(separator: ", ")
        let hash = SQLLiteral.identifier(ContentHash.column)
        let list = wanted.sorted().map(SQLLiteral.quote).joined(separator: ", ")
        for (index, seen) in seenTables.values.sorted().enumerated() {
            let select = """
                SELECT \(keyList), arg_min(\(hash), \(Self.callColumn)) AS \(hash) FROM \(seen)
                WHERE \(Self.fingerprintColumn) IN (\(list)) GROUP BY ALL
                """
            if index == 0 {
                try session.execute(
                    "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.hashesTable)) AS \(select)")
            } else {
                try session.execute(
                    """
                    INSERT INTO \(stored) SELECT n.* FROM (\(select)) n
                    WHERE NOT EXISTS (SELECT 1 FROM \(stored) s WHERE \(ContentHash.keysMatch(tracking.keys, "s", "n")))
                    """)
            }
        }
        return stored
    }

    /// Drops the scratch tables the queries made (not the one ``hashes(of:)`` returned).
    func dropScratch() {
        guard tracking != nil else { return }
        let tables =
            [Self.scratchTable, Self.groupsTable].map { SQLLiteral.qualified(["temp", "main", $0]) }
            + seenTables.values
        _ = try? session.execute(tables.map { "DROP TABLE IF EXISTS \($0);" }.joined(separator: " "))
        seenTables = [:]
    }

    private func rows(of result: QueryResult) throws -> Starlark.Value {
        let names = result.columnNames.map(Starlark.Value.string)
        var rows: [Starlark.Value] = []
        for row in try result.allRows() {
            rows.append(try Starlark.Value.dict(zip(names, row.map(\.starlark)).map { ($0, $1) }))
        }
        return .list(rows)
    }
}
