import CDuckDB

/// How far the query running on a connection has come, as DuckDB estimates it.
///
/// DuckDB computes it only on a connection with `SET enable_progress_bar = true` (add
/// `SET enable_progress_bar_print = false` so it prints nothing itself).
public struct QueryProgress: Sendable, Hashable {
    /// Percent done, 0 to 100; nil when DuckDB cannot tell (no query, or a plan it cannot estimate).
    public let percentage: Double?
    /// Rows the query's pipelines have processed.
    public let rowsProcessed: UInt64
    /// Rows they will process in all, as estimated.
    public let totalRowsToProcess: UInt64

    /// Creates a progress report.
    public init(percentage: Double?, rowsProcessed: UInt64, totalRowsToProcess: UInt64) {
        self.percentage = percentage
        self.rowsProcessed = rowsProcessed
        self.totalRowsToProcess = totalRowsToProcess
    }
}

/// Reads the progress of whatever a connection is running; safe to use from any thread, while
/// the connection runs a query on its own.
public struct QueryProgressHandle: Sendable {
    let handle: ConnectionHandle

    /// The progress of the running query (or the last one, once it ended).
    public var progress: QueryProgress {
        // DuckDB keeps the figures in atomics a query's workers update; reading them never waits.
        let raw = duckdb_query_progress(handle.raw)
        return QueryProgress(
            percentage: raw.percentage < 0 ? nil : min(raw.percentage, 100), rowsProcessed: raw.rows_processed,
            totalRowsToProcess: raw.total_rows_to_process)
    }
}

extension Connection {
    /// A handle that reads this connection's query progress from any thread.
    public var progressHandle: QueryProgressHandle { QueryProgressHandle(handle: handle) }
}
