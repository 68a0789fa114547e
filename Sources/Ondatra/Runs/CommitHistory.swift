import DuckDB

/// The runs recorded in the catalog's commits, as a temporary table for `history`, `describe`
/// and `stats` to query. The commit metadata is read through ``CommitMetadata`` only.
public enum CommitHistory {
    /// The temporary table, qualified: `snapshot, time, model, kind, run_type, rows, ms`, one row
    /// per model commit.
    public static let table = SQLLiteral.qualified(["temp", "main", "__ondatra_history"])

    /// Loads every model commit of the session's catalog into ``table`` (replacing what it held).
    public static func load(_ session: Session) throws {
        try session.execute(
            """
            CREATE OR REPLACE TEMP TABLE __ondatra_history (snapshot BIGINT, "time" TIMESTAMP WITH TIME ZONE,
            model VARCHAR, kind VARCHAR, run_type VARCHAR, "rows" BIGINT, ms BIGINT)
            """)
        let appender = try Appender(connection: session.connection, table: "__ondatra_history", catalog: "temp")
        for snapshot in try session.snapshots() {
            guard let metadata = CommitMetadata(snapshot: snapshot),
                Target(parsing: metadata.model)?.schema != Session.internalSchema
            else { continue }
            try appender.appendRow([
                .bigint(snapshot.id), snapshot.time, .varchar(metadata.model), .varchar(metadata.kind),
                .varchar(metadata.runType), .bigint(metadata.rowsAffected), .bigint(metadata.durationMs),
            ])
        }
        try appender.close()
    }
}
