import Foundation
import OndatraSync

/// What syncing one model did in a run: changes queued, then pushed (unless `run --no-sync`).
public struct SyncSummary: Sendable, Equatable {
    /// Changes queued by this run.
    public var queued = 0
    /// Whether the queue was replaced by the table's current rows (first sync, rebuilt table,
    /// expired watermark).
    public var backfill = false
    /// Whether the queue was drained (false with `run --no-sync`).
    public var pushed = false
    /// Changes delivered (`ok` and `warn:`).
    public var ok = 0
    /// Changes that failed for now and stay queued for a retry.
    public var failed = 0
    /// Changes moved to the dead letters (`reject:`, or out of attempts).
    public var rejected = 0
    /// `push` calls made.
    public var batches = 0
    /// Time spent draining.
    public var durationMs = 0
    /// Warnings from the statuses (`warn:`) and the queue (an expired watermark).
    public var warnings: [String] = []
    /// Why changes failed, a few distinct messages with the keys they apply to.
    public var errors: [String] = []
    /// Whether Ctrl-C stopped the drain.
    public var interrupted = false
    /// Changes settled (delivered, retried or dead) by this run's pushes.
    public var settled = 0
    /// Changes waiting in the queue after this run (with `--no-sync`: all that wait to be pushed).
    public var pending = 0

    /// Creates an empty summary.
    public init() {}

    /// Whether any change failed or was rejected, or the sync itself failed.
    public var hasFailures: Bool { failed > 0 || rejected > 0 || !errors.isEmpty }

    /// Changes settled per second of draining.
    public var rowsPerSecond: Int {
        durationMs > 0 && settled > 0 ? Int((Double(settled) * 1000 / Double(durationMs)).rounded()) : 0
    }

    /// `sync: 3 ok, 0 failed, 0 rejected (1 batches, 120 rows/s)`, or `sync: 3 queued` with `--no-sync`.
    public var line: String {
        guard pushed else {
            let waiting = pending > queued ? " (\(pending) pending)" : ""
            return "sync: \(queued) queued\(waiting), not pushed (--no-sync)"
        }
        if batches == 0 && ok == 0 && failed == 0 && rejected == 0 && errors.isEmpty && !interrupted {
            return "sync: nothing to push"
        }
        var text =
            "sync: \(ok) ok, \(failed) failed, \(rejected) rejected (\(batches) batches, \(rowsPerSecond) rows/s)"
        if interrupted { text += ", interrupted" }
        return text
    }

    /// The `sync` object of `run --json`.
    public var json: JSONValue {
        .object([
            "queued": .int(Int64(queued)), "backfill": .bool(backfill), "pushed": .bool(pushed), "ok": .int(Int64(ok)),
            "failed": .int(Int64(failed)), "rejected": .int(Int64(rejected)), "batches": .int(Int64(batches)),
            "duration_ms": .int(Int64(durationMs)), "rows_per_second": .int(Int64(rowsPerSecond)),
            "interrupted": .bool(interrupted), "pending": .int(Int64(pending)),
            "warnings": .array(warnings.map(JSONValue.string)),
            "errors": .array(errors.map(JSONValue.string)),
        ])
    }

    /// Adds what a drain did.
    mutating func add(_ report: DrainReport) {
        pushed = true
        ok += report.delivered
        failed += report.retried
        rejected += report.dead
        batches += report.batches
        settled += report.rows
        let (seconds, attoseconds) = report.duration.components
        durationMs += Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
        warnings += report.warnings
        errors += report.errors
        if let error = report.finalizeError { errors.append("finalize: \(error)") }
        interrupted = interrupted || report.interrupted
    }
}
