import DuckDB
import Testing

@testable import Ondatra
@testable import OndatraCLI

/// The formatting of `run`'s lines, colours, verbosity and progress, and of fitted tables,
/// tested as functions (a terminal cannot be faked through a pipe).
@Suite struct RunReportTests {
    private func result(
        _ status: ModelResult.Status, runType: RunType = .full, reason: String = "dep changed: raw.a",
        errors: [String] = [], warnings: [String] = []
    ) -> ModelResult {
        ModelResult(
            target: Target(schema: "mart", table: "x"), kind: .merge, runType: runType, reason: reason,
            rowsAffected: 3, durationMs: 1149, status: status, errors: errors, warnings: warnings)
    }

    @Test func statusWordsAreColouredOnlyWhenAsked() {
        let coloured = RunReport(colour: true)
        #expect(
            coloured.text(for: result(.ok))
                == "\u{1B}[32m[OK]\u{1B}[0m mart.x (merge, full, 3 rows, 1.1s) — dep changed: raw.a\n")
        #expect(
            coloured.text(for: result(.skip, runType: .skip, reason: "deps unchanged"))
                == "\u{1B}[33m[SKIP]\u{1B}[0m mart.x (merge, skip: deps unchanged)\n")
        #expect(
            coloured.text(for: result(.error, errors: ["models/mart/x.sql: boom"]))
                == "\u{1B}[31m[FAILED]\u{1B}[0m mart.x: models/mart/x.sql: boom\n")
        let plain = RunReport(colour: false)
        #expect(plain.text(for: result(.ok)) == "[OK] mart.x (merge, full, 3 rows, 1.1s) — dep changed: raw.a\n")
    }

    @Test func colourNeedsATerminalAndNoOptOut() {
        #expect(Terminal.usesColour(noColorFlag: false, environment: [:], isTerminal: true))
        #expect(!Terminal.usesColour(noColorFlag: false, environment: [:], isTerminal: false))
        #expect(!Terminal.usesColour(noColorFlag: true, environment: [:], isTerminal: true))
        #expect(!Terminal.usesColour(noColorFlag: false, environment: ["NO_COLOR": "1"], isTerminal: true))
        // NO_COLOR set but empty does not count (no-color.org).
        #expect(Terminal.usesColour(noColorFlag: false, environment: ["NO_COLOR": ""], isTerminal: true))
    }

    @Test func quietKeepsFailuresAndWarningsOnly() {
        let quiet = RunReport(verbosity: .quiet)
        #expect(quiet.text(for: result(.ok)).isEmpty)
        #expect(quiet.text(for: result(.skip, runType: .skip, reason: "deps unchanged")).isEmpty)
        #expect(quiet.text(for: result(.error, errors: ["boom"])) == "[FAILED] mart.x: boom\n")
        #expect(
            quiet.text(for: result(.ok, warnings: ["check x failed"]))
                == "[OK] mart.x (merge, full, 3 rows, 1.1s) — dep changed: raw.a\n  warning: check x failed\n")
        var failing = result(.skip, runType: .skip, reason: "deps unchanged")
        var sync = SyncSummary()
        sync.pushed = true
        sync.failed = 1
        sync.batches = 1
        failing.sync = sync
        #expect(quiet.text(for: failing).hasPrefix("[SKIP] mart.x (merge, skip: deps unchanged) sync: 0 ok, 1 failed"))
    }

    @Test func verboseAddsStrategyReadsAndTheSlowestStatements() {
        var ran = result(.ok)
        ran.strategy = "delta"
        ran.dependencies = [Target(schema: "raw", table: "a"), Target(schema: "raw", table: "b")]
        ran.statements = [
            StatementTiming(sql: "BEGIN TRANSACTION", durationMs: 0),
            StatementTiming(sql: "CREATE TEMP TABLE r AS SELECT " + String(repeating: "x", count: 200), durationMs: 40),
            StatementTiming(sql: "INSERT INTO t SELECT * FROM r", durationMs: 12),
            StatementTiming(sql: "DELETE FROM t WHERE false", durationMs: 1),
            StatementTiming(sql: "COMMIT", durationMs: 5),
        ]
        let lines = RunReport(verbosity: .verbose).text(for: ran).split(separator: "\n").map(String.init)
        #expect(lines.count == 7, "\(lines)")
        #expect(lines[1] == "  strategy: delta")
        #expect(lines[2] == "  reads: raw.a, raw.b")
        #expect(lines[3] == "  sql: 5 statement(s), 58 ms; slowest:")
        // The three slowest, in the order they ran, cut to 100 characters.
        #expect(lines[4].hasPrefix("    40 ms  CREATE TEMP TABLE r AS SELECT xxx") && lines[4].hasSuffix("x…"))
        #expect(lines[4].count == "    40 ms  ".count + RunReport.statementWidth)
        #expect(lines[5] == "    12 ms  INSERT INTO t SELECT * FROM r")
        #expect(lines[6] == "    5 ms  COMMIT")
    }

    @Test func theModelProgressLine() {
        let target = Target(schema: "mart", table: "big")
        let known = QueryProgress(percentage: 45.6, rowsProcessed: 10, totalRowsToProcess: 22)
        #expect(
            ProgressLine.modelText(target, elapsed: .milliseconds(12_340), progress: known) == "  mart.big: 12.3s, 45%")
        let unknown = QueryProgress(percentage: nil, rowsProcessed: 0, totalRowsToProcess: 0)
        #expect(ProgressLine.modelText(target, elapsed: .seconds(2), progress: unknown) == "  mart.big: 2.0s")
    }

    @Test func tablesFitTheTerminalByCuttingTheWidestColumns() {
        #expect(TableWriter.fitted([3, 40, 10], into: 100) == [3, 40, 10])
        #expect(TableWriter.fitted([3, 40, 10], into: 30) == [3, 17, 10])
        #expect(TableWriter.fitted([3, 40, 30], into: 30) == [3, 13, 13])
        // Never below five characters, even when that does not fit.
        #expect(TableWriter.fitted([3, 40, 30], into: 4) == [3, 5, 5])
        #expect(TableWriter.truncated("abcdefgh", to: 5) == "abcd…")
        #expect(TableWriter.truncated("abcde", to: 5) == "abcde")
    }
}
