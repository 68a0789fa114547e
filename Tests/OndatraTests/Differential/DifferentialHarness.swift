import Foundation
import Ondatra
import OndatraTesting

/// One differential run: a project holding every shape of ``ShapeCatalogue`` over seeded sources,
/// a first run, then rounds of seeded source changes each followed by a run, and after every run
/// each model's table checked by its ``ModelOracle``.
///
/// A model is reported once, at its first divergence, and not checked after that (its expected
/// state no longer means anything); models downstream of it go on being checked against its
/// actual table.
final class DifferentialHarness {
    /// One model that went wrong: the first divergence or run error of that model.
    struct Failure {
        var model: Target
        var round: Int
        /// The whole failure, ready to print.
        var text: String
    }

    /// The outcome of a run.
    struct Report {
        var seed: UInt64
        var rounds: Int
        var models: Int
        var seconds: Double
        var failures: [Failure]
        /// Models no longer checked because a model upstream failed to run.
        var notes: [String]

        /// One line per failing model, by first failing round.
        var summary: String {
            var lines = [
                "differential seed \(DifferentialHarness.hex(seed)): \(rounds) round(s) after the first run, \(models) models, \(String(format: "%.1f", seconds)) s, \(failures.count) model(s) diverged"
            ]
            for failure in failures.sorted(by: { ($0.round, $0.model) < ($1.round, $1.model) }) {
                lines.append("  round \(failure.round): \(failure.text.split(separator: "\n").first ?? "")")
            }
            lines += notes.map { "  " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    let seed: UInt64
    let rounds: Int
    /// Rows shown per side of a divergence.
    var shownRows = 6

    private let sandbox: TemporaryProject
    private var rng: SplitMix64
    private var world: SourceWorld
    private let shapes: [ModelShape]
    private var oracles: [Target: ModelOracle] = [:]
    /// The models each model reads.
    private var upstream: [Target: [Target]] = [:]
    /// Each model's last observation, reused while neither it nor anything it reads was written.
    private var lastObservations: [Target: Observation] = [:]
    private var stopped: Set<Target> = []
    private var failures: [Failure] = []
    private var notes: [String] = []

    /// Sets up the project: source files with the first rows, every model file, and DuckDB's
    /// thread count (`threads`; nil leaves DuckDB's default, one per core).
    init(seed: UInt64, rounds: Int, threads: Int? = nil) throws {
        self.seed = seed
        self.rounds = rounds
        sandbox = try TemporaryProject()
        rng = SplitMix64(seed: seed)
        world = SourceWorld(rng: &rng)
        shapes = ShapeCatalogue.all(projectRoot: sandbox.project.root.path)
        precondition(Set(shapes.map(\.target.table)).count == shapes.count, "table names must be unique")
        for shape in shapes {
            try sandbox.write(shape.file, shape.text)
            oracles[shape.target] = ModelOracle(shape: shape)
            upstream[shape.target] = shapes.map(\.target).filter { $0 != shape.target && shape.reads($0) }
        }
        for source in SourceTable.allCases { try writeFile(source) }
        if let threads { try sandbox.write("config/settings.sql", "SET threads = \(threads);\n") }
    }

    static func hex(_ seed: UInt64) -> String { "0x" + String(seed, radix: 16, uppercase: true) }

    /// Runs the first run and every round, checking after each.
    func run() throws -> Report {
        let started = Date()
        let plans = ChangePlan.schedule(rounds: rounds, rng: &rng)
        var before: Int64?
        for round in 0...rounds {
            var situation = "first run (backfill)"
            var rewritten: Set<SourceTable> = []
            if round > 0 {
                let plan = plans[round - 1]
                let changes = world.apply(plan, rng: &rng)
                for source in SourceTable.allCases where plan.rewritesUnchangedFiles || plan.sources.contains(source) {
                    try writeFile(source)
                    rewritten.insert(source)
                }
                situation = "\(plan): \(changes)"
            }
            // One session per run, as the command line has it; the checks read through it afterwards.
            let session = try Session(project: sandbox.project, environment: [:])
            let summary = try Runner(project: sandbox.project, session: session).run()
            before = try check(
                round: round, situation: situation, results: summary.results, reader: CatalogReader(session: session),
                changesAfter: before, rewritten: rewritten)
        }
        return Report(
            seed: seed, rounds: rounds, models: shapes.count, seconds: Date().timeIntervalSince(started),
            failures: failures, notes: notes)
    }

    /// Rewrites a source's file atomically (a new file, so its size, time or file number changes).
    private func writeFile(_ source: SourceTable) throws {
        let url = sandbox.project.root.appending(path: source.file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(source.csv(world.rows(of: source)).utf8).write(to: url, options: .atomic)
    }

    /// Checks every model after a run.
    /// - Returns: the catalog's newest snapshot, which the next round's changes come after.
    private func check(
        round: Int, situation: String, results: [ModelResult], reader: CatalogReader, changesAfter: Int64?,
        rewritten: Set<SourceTable>
    ) throws -> Int64 {
        let through = try reader.currentSnapshot()
        let written = try changesAfter.map { try reader.tablesWritten(after: $0, through: through) }
        let byTarget = Dictionary(results.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
        for shape in shapes where !stopped.contains(shape.target) {
            guard let result = byTarget[shape.target] else {
                fail(
                    shape, round: round, situation: situation, "  the run reported nothing for it", what: "was not run")
                continue
            }
            if result.status == .error {
                fail(
                    shape, round: round, situation: situation, "  run error: \(result.errors.joined(separator: "; "))",
                    what: "failed to run")
                continue
            }
            if result.status == .skip && result.reason.hasPrefix("upstream model failed: ") {
                stopped.insert(shape.target)
                notes.append("\(shape.target): not checked from round \(round) on: an upstream model failed")
                continue
            }
            do {
                let observation = try observe(
                    shape, result: result, reader: reader, changesAfter: changesAfter, through: through,
                    written: written, rewritten: rewritten)
                guard var oracle = oracles[shape.target] else { continue }
                let divergences = oracle.check(observation)
                oracles[shape.target] = oracle
                if !divergences.isEmpty {
                    fail(shape, round: round, situation: situation, describe(divergences, result: result))
                }
            } catch {
                fail(
                    shape, round: round, situation: situation, "  could not read it: \(error)",
                    what: "could not be read")
            }
        }
        return through
    }

    /// The model's observation: read from the catalog, or, when neither its table, nor a table
    /// it reads, nor its file changed in this run, the last one again (the same SQL over the same
    /// inputs gives the same result, and an unwritten table holds the same rows), with no changes.
    private func observe(
        _ shape: ModelShape, result: ModelResult, reader: CatalogReader, changesAfter: Int64?, through: Int64,
        written: Set<String>?, rewritten: Set<SourceTable>
    ) throws -> Observation {
        let tableWritten = written?.contains(shape.target.table) ?? true
        let inputsWritten =
            written.map { tables in (upstream[shape.target] ?? []).contains { tables.contains($0.table) } } ?? true
        let fileRewritten = shape.source.map(rewritten.contains) ?? false
        if !tableWritten, !inputsWritten, !fileRewritten, var last = lastObservations[shape.target] {
            last.changedKeys = CatalogReader.recordsChangedKeys(shape.kind) ? [] : nil
            last.rowsAffected = result.rowsAffected
            return last
        }
        let observation = try reader.observe(
            shape, result: result, changesAfter: changesAfter, through: through, written: tableWritten)
        lastObservations[shape.target] = observation
        return observation
    }

    private func describe(_ divergences: [Divergence], result: ModelResult) -> String {
        var lines: [String] = []
        for divergence in divergences {
            lines.append("  \(divergence.check): \(divergence.detail)")
            let label =
                divergence.check == "changed keys"
                ? ("changed but should not", "should change but did not")
                : ("in the table, not expected", "expected, not in the table")
            if !divergence.unexpected.isEmpty {
                lines.append("    \(label.0): " + shown(divergence.unexpected))
            }
            if !divergence.missing.isEmpty {
                lines.append("    \(label.1): " + shown(divergence.missing))
            }
        }
        lines.append("  run: \(result.line)" + (result.warnings.isEmpty ? "" : " warnings: \(result.warnings)"))
        return lines.joined(separator: "\n")
    }

    private func shown(_ rows: [Row]) -> String {
        rows.prefix(shownRows).map(\.description).joined(separator: " ")
            + (rows.count > shownRows ? " … (\(rows.count - shownRows) more)" : "")
    }

    private func fail(
        _ shape: ModelShape, round: Int, situation: String, _ details: String,
        what: String = "diverged from a full recompute"
    ) {
        stopped.insert(shape.target)
        let text = """
            \(shape.target) (\(shape.kind.rawValue); \(shape.shape)) \(what) in round \(round) of seed \(Self.hex(seed))
              round \(round): \(situation)
            \(details)
              model: \(shape.sql.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "))
              reproduce: ONDATRA_DIFFERENTIAL_SEED=\(Self.hex(seed)) ONDATRA_DIFFERENTIAL_ROUNDS=\(rounds) swift test --skip-build --filter DifferentialTests
            """
        failures.append(Failure(model: shape.target, round: round, text: text))
    }
}
