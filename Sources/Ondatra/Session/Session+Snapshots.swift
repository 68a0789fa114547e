import DuckDB
import Foundation

/// One DuckLake snapshot: a committed version of the catalog.
public struct Snapshot: Sendable, Hashable {
    /// The snapshot id; increases with every commit.
    public let id: Int64
    /// When it was committed.
    public let time: Value
    /// What it changed, as DuckLake lists it (`tables_created`, `inlined_insert`, …).
    public let changes: Value
    /// The author given to `set_commit_message`, if any.
    public let author: String?
    /// The commit message, if any.
    public let message: String?
    /// The JSON text stored as `extra_info`, if any.
    public let extraInfo: String?
}

/// The metadata written with a commit, read back from `snapshots()`.
public struct CommitMessage: Sendable, Hashable {
    /// The author OndatraSQL writes its commits with.
    public static let author = "ondatrasql"

    /// Who wrote the commit.
    public var author: String
    /// A one-line summary.
    public var message: String
    /// Structured data (a JSON object) about the commit.
    public var extraInfo: [String: JSONValue]

    /// Creates commit metadata.
    public init(author: String = CommitMessage.author, message: String, extraInfo: [String: JSONValue] = [:]) {
        self.author = author
        self.message = message
        self.extraInfo = extraInfo
    }
}

extension Session {
    /// Every snapshot of the catalog, oldest first.
    public func snapshots() throws -> [Snapshot] {
        let sql = """
            SELECT snapshot_id, snapshot_time, changes, author, commit_message, commit_extra_info
            FROM \(SQLLiteral.identifier(catalog)).snapshots() ORDER BY snapshot_id
            """
        return try query(sql).allRows().map { row in
            Snapshot(
                id: row[0].int64 ?? 0, time: row[1], changes: row[2], author: row[3].string, message: row[4].string,
                extraInfo: row[5].string)
        }
    }

    /// The tables in the catalog now.
    public func catalogTables() throws -> Set<Target> {
        // DuckLake attaches its metadata store as `__ducklake_metadata_<catalog>`. Reading the
        // table list there takes a few milliseconds; `duckdb_tables()` loads every table's
        // columns and statistics first (about 0.1 s for 50 tables).
        let metadata = SQLLiteral.identifier("__ducklake_metadata_" + catalog)
        let listed = """
            SELECT s.schema_name, t.table_name FROM \(metadata).ducklake_table t
            JOIN \(metadata).ducklake_schema s ON s.schema_id = t.schema_id
            WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL
            """
        let everything = "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?"
        let rows: [[Value]]
        if let found = try? connection.rows(listed) {
            rows = found
        } else {
            // A metadata store laid out differently (another DuckLake version or schema).
            rows = try query(everything, [.varchar(catalog)]).allRows()
        }
        return Set(
            rows.compactMap { row -> Target? in
                guard let schema = row[0].string, let table = row[1].string else { return nil }
                return Target(schema: schema, table: table)
            })
    }

    /// The id of the newest snapshot.
    public func currentSnapshot() throws -> Int64 {
        let value = try connection.scalar("SELECT id FROM \(SQLLiteral.identifier(catalog)).current_snapshot()")
        return value?.int64 ?? 0
    }

    /// Runs `body` in one transaction whose commit carries `commit` as its snapshot metadata.
    ///
    /// When `body` throws, everything it did is rolled back and no snapshot is made. A
    /// transaction that changes nothing makes no snapshot either (DuckLake skips empty commits).
    @discardableResult
    public func transaction<Result>(_ commit: CommitMessage, _ body: (Session) throws -> Result) throws -> Result {
        var results: [Result] = []
        try transaction { session in
            results.append(try body(session))
            return commit
        }
        guard let result = results.first else { throw OndatraError(.query, "transaction body produced no result") }
        return result
    }

    /// Runs `body` in one transaction; the commit carries the metadata `body` returns, so it can
    /// report what the transaction did (rows written, …). `body` returns nil when it wrote nothing.
    /// - Returns: the snapshot the commit made, or nil when the transaction changed nothing and
    ///   DuckLake made no snapshot (so there is no commit to record).
    @discardableResult
    public func transaction(committing body: (Session) throws -> CommitMessage?) throws -> Int64? {
        var before: Int64 = 0
        var committed = false
        do {
            try connection.transaction { _ in
                // Read inside the transaction: its first catalog read fetches the snapshot anyway.
                before = try currentSnapshot()
                if let commit = try body(self) {
                    try setCommitMessage(commit)
                    committed = true
                }
            }
        } catch let error as DuckDBError {
            throw queryError(error)
        }
        // A body that wrote nothing made no snapshot: no need to ask.
        guard committed else { return nil }
        let after = try currentSnapshot()
        return after == before ? nil : after
    }

    /// Sets the metadata of the current transaction's commit.
    func setCommitMessage(_ commit: CommitMessage) throws {
        try connection.execute(
            """
            CALL \(SQLLiteral.identifier(catalog)).set_commit_message(\(SQLLiteral.quote(commit.author)), \
            \(SQLLiteral.quote(commit.message)), extra_info => \(SQLLiteral.quote(JSONValue.object(commit.extraInfo).text)))
            """)
    }
}
