import DuckDB
import Ondatra
import Starlark

/// `query(sql)`: a read-only query on the pipeline's session, returned as a list of dicts.
///
/// In a `tracked` model, a query whose result holds the `@unique_key` columns has every key it
/// returned and each group's content hash kept for the write (vanished groups, the stored
/// `_content_hash`); once the model's table exists, it returns only the groups that are new or
/// whose hash differs from the one the table keeps.
final class QueryFunction: @unchecked Sendable {
    let session: Session
    /// For a tracked model: its table (nil before its first run) and keys.
    let tracked: (target: String?, keys: [String])?
    /// Every key the filtering queries returned with its group's content hash (a temporary
    /// table), once one ran.
    private(set) var queryHashes: String?

    static let hashesTable = "__ondatra_query_hashes"
    static let scratchTable = "__ondatra_query"
    static let groupsTable = "__ondatra_query_groups"

    init(session: Session, tracked: (target: String?, keys: [String])?) {
        self.session = session
        self.tracked = tracked
    }

    var builtin: Builtin {
        Builtin("query") { [self] _, builtin, arguments in
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
            guard let tracked else { return try rows(of: statement.execute()) }
            try session.execute("CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.scratchTable)) AS \(sql)")
            let scratch = SQLLiteral.qualified(["temp", "main", Self.scratchTable])
            let columns = try session.query("SELECT name FROM pragma_table_info(\(SQLLiteral.quote(scratch)))")
                .allRows().compactMap { $0.first?.string }
            let lowered = Set(columns.map { $0.lowercased() })
            guard tracked.keys.allSatisfy({ lowered.contains($0.lowercased()) }) else {
                return try rows(of: session.query("SELECT * FROM \(scratch)"))
            }
            return try changedGroups(of: scratch, columns: columns, tracked: tracked)
        } catch let error as DuckDBError {
            throw StarlarkError("query: \(session.queryError(error).message)")
        }
    }

    /// The rows of groups that are new or changed; records every key and hash seen.
    private func changedGroups(of scratch: String, columns: [String], tracked: (target: String?, keys: [String]))
        throws -> Starlark.Value
    {
        let keySet = Set(tracked.keys.map { $0.lowercased() })
        let values = columns.filter { !keySet.contains($0.lowercased()) }
        let groups = SQLLiteral.qualified(["temp", "main", Self.groupsTable])
        let stored = SQLLiteral.qualified(["temp", "main", Self.hashesTable])
        let match = { ContentHash.keysMatch(tracked.keys, $0, $1) }
        // Each group hashed once, for the record and for the filter.
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.groupsTable)) AS
            \(ContentHash.groups(keys: tracked.keys, values: values, of: scratch))
            """)
        if queryHashes == nil {
            try session.execute(
                "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.hashesTable)) AS SELECT * FROM \(groups) LIMIT 0"
            )
            queryHashes = stored
        }
        // A key two queries returned keeps the hash of the first.
        try session.execute(
            "INSERT INTO \(stored) SELECT h.* FROM \(groups) h WHERE NOT EXISTS (SELECT 1 FROM \(stored) s WHERE \(match("s", "h")))"
        )
        guard let target = tracked.target else { return try rows(of: session.query("SELECT * FROM \(scratch)")) }
        let hash = SQLLiteral.identifier(ContentHash.column)
        return try rows(
            of: session.query(
                """
                SELECT q.* FROM \(scratch) q JOIN \(groups) h ON (\(match("q", "h")))
                WHERE NOT EXISTS (SELECT 1 FROM \(target) t WHERE \(match("t", "h")) AND t.\(hash) = h.\(hash))
                """))
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
