import ArgumentParser
import DuckDB
import Foundation

/// The same 50-model pipeline over a 1M-row source, run by `ondatrasql run` and by `dbt run`
/// (dbt-duckdb): first run, a run with no changes, and a run after 1% of the source rows changed.
struct DAGBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag", abstract: "A 50-model DAG: ondatrasql run vs. dbt run (dbt-duckdb).")

    @Option(help: "Rows in the source.")
    var rows = 1_000_000

    @Option(help: "The ondatrasql binary (build it with swift build -c release).")
    var ondatrasql = ".build/release/ondatrasql"

    @Option(help: "The Python environment with dbt-duckdb (scripts/bench-python sets it up).")
    var python = ".build-bench/dbt/bin/python"

    @Option(help: "Where the generated projects go (emptied first).")
    var directory = ".build-bench/dag"

    func run() throws {
        let root = URL(filePath: directory).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        _ = try Measurement.runProcess(python, ["Benchmarks/dag/generate.py", root.path, String(rows)])
        let dbt = URL(filePath: python).deletingLastPathComponent().appending(path: "dbt").path
        let ours = ["--project", root.appending(path: "ondatra").path, "run"]
        let theirs = [
            "run", "--project-dir", root.appending(path: "dbt").path, "--profiles-dir",
            root.appending(path: "dbt").path,
        ]

        var lines: [(String, Double, Double)] = []
        for phase in ["first run", "no change", "1% of rows changed"] {
            if phase.hasPrefix("1%") {
                _ = try Measurement.runProcess(python, ["Benchmarks/dag/change.py", root.path])
            }
            let mine = try Measurement.median(1) { _ = try Measurement.runProcess(ondatrasql, ours) }
            let peer = try Measurement.median(1) { _ = try Measurement.runProcess(dbt, theirs) }
            lines.append((phase, mine, peer))
        }
        let check = try checksums(root)
        print("50 models over \(rows) source rows, one run each phase (wall clock, processes included)")
        print("phase                    ondatrasql (s)   dbt run (s)   dbt / ondatrasql")
        for (phase, mine, peer) in lines {
            print(
                String(
                    format: "%@ %14.2f %13.2f %15.1fx", phase.padding(toLength: 22, withPad: " ", startingAt: 0), mine,
                    peer, peer / mine))
        }
        print(
            "mart.m01 sum(spend): ondatrasql \(check.ours), dbt \(check.dbt)\(check.ours == check.dbt ? " (equal)" : " (DIFFERENT)")"
        )
    }

    /// The same mart's total in both warehouses, to show both computed the same thing.
    private func checksums(_ root: URL) throws -> (ours: String, dbt: String) {
        let ours = try Measurement.runProcess(
            ondatrasql,
            [
                "--project", root.appending(path: "ondatra").path, "sql",
                "SELECT sum(spend)::VARCHAR AS s FROM mart.m01", "--format", "csv",
            ])
        let database = try Database(path: root.appending(path: "dbt/bench.duckdb").path)
        let theirs = try database.connect().scalar("SELECT sum(spend)::VARCHAR FROM m01")?.description ?? ""
        return (ours.split(separator: "\n").last.map(String.init) ?? "", theirs)
    }
}
