/// What happened to one model in a run.
public struct ModelResult: Sendable {
    /// `ok`, `skip` or `error`.
    public enum Status: String, Sendable { case ok, skip, error }

    /// The model target.
    public let target: Target
    /// The kind the commit recorded.
    public let kind: ModelKind
    /// What the run does.
    public let runType: RunType
    /// Why, in a few words.
    public let reason: String
    /// Rows the commit wrote.
    public let rowsAffected: Int64
    /// Milliseconds spent.
    public let durationMs: Int
    /// Whether it ran, was skipped or failed.
    public let status: Status
    /// What went wrong.
    public let errors: [String]
    /// Checks whose failures are reported, not fatal.
    public let warnings: [String]
    /// How an incremental run read its inputs: `delta` (only the changed rows of one upstream),
    /// `affected keys` (only the groups the changes touch) or `full query`; nil otherwise.
    public var strategy: String? = nil
    /// What syncing the model's `@sink` did; nil for a model without one.
    public var sync: SyncSummary? = nil
    /// Whether the run made a DuckLake commit for the model.
    public var committed = false
    /// The models it reads.
    public var dependencies: [Target] = []
    /// The statements its run made, timed; empty unless the runner times them
    /// (``Runner/timesStatements``).
    public var statements: [StatementTiming] = []

    /// One line for the terminal: ``tag``, a space and ``summary``.
    public var line: String { "\(tag) \(summary)" }

    /// `[OK]`, `[SKIP]` or `[FAILED]`.
    public var tag: String {
        switch status {
        case .ok: "[OK]"
        case .skip: "[SKIP]"
        case .error: "[FAILED]"
        }
    }

    /// The line after its tag: `raw.countries (table, backfill, 53 rows, 1.1s) — first run` for a
    /// model that ran (the reason after the parenthesis), `staging.orders (table, skip: deps
    /// unchanged)` for a skip, `mart.revenue: <error>` for a failure; a sync's outcome comes last.
    public var summary: String {
        switch status {
        case .ok:
            let reasonSuffix = reason.isEmpty ? "" : " — \(reason)"
            return
                "\(target) (\(kind.rawValue), \(runType.rawValue), \(rowsAffected) rows, \(Self.seconds(durationMs)))"
                + reasonSuffix + (sync.map { (reason.isEmpty ? " " : "; ") + $0.line } ?? "")
        case .skip:
            return "\(target) (\(kind.rawValue), skip: \(reason))" + (sync.map { " \($0.line)" } ?? "")
        case .error:
            return "\(target): \(errors.first ?? "failed")"
        }
    }

    /// The `--json` object for this model.
    public var json: JSONValue {
        .object([
            "model": .string(target.description), "kind": .string(kind.rawValue), "run_type": .string(runType.rawValue),
            "run_reason": .string(reason), "rows_affected": .int(rowsAffected), "duration_ms": .int(Int64(durationMs)),
            "status": .string(status.rawValue), "errors": .array(errors.map(JSONValue.string)),
            "warnings": .array(warnings.map(JSONValue.string)),
            "strategy": strategy.map(JSONValue.string) ?? .null, "sync": sync?.json ?? .null,
        ])
    }

    /// The reason of a run that `--full-refresh` rebuilt.
    static let fullRefreshReason = "full refresh"

    static func seconds(_ milliseconds: Int) -> String {
        let tenths = (milliseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10)s"
    }
}

/// The outcome of a whole run.
public struct RunSummary: Sendable {
    /// One result per model, in run order.
    public let results: [ModelResult]
    /// Milliseconds spent.
    public let durationMs: Int

    /// Models that ran, were skipped and failed.
    public var ran: Int { results.filter { $0.status == .ok }.count }
    /// Models skipped.
    public var skipped: Int { results.filter { $0.status == .skip }.count }
    /// Models that failed.
    public var failed: Int { results.filter { $0.status == .error }.count }

    /// `Done: 2 ran, 1 skipped, 1 failed (53 rows, 1.4s)`.
    public var line: String {
        let rows = results.reduce(Int64(0)) { $0 + $1.rowsAffected }
        return
            "Done: \(ran) ran, \(skipped) skipped, \(failed) failed (\(rows) rows, \(ModelResult.seconds(durationMs)))"
    }
}
