import ArgumentParser
import Foundation
import OndatraTesting
import Starlark
import StarlarkHTTP
import Synchronization

/// 200,000 rows over 200 pages from a local server into a table: `ondatrasql run` reading a lib
/// function vs. dlt's REST API source into DuckDB, with the server's own capacity (wrk) and our
/// HTTP client's page rate alongside.
struct IngestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "API ingestion: ondatrasql run vs. dlt (REST API source into DuckDB).")

    @Option(help: "Pages the server serves.")
    var pages = 200

    @Option(help: "Rows per page.")
    var rowsPerPage = 1000

    @Option(help: "Runs of each tool; the median is reported.")
    var repetitions = 3

    @Option(help: "The ondatrasql binary (build it with swift build -c release).")
    var ondatrasql = ".build/release/ondatrasql"

    @Option(help: "The Python environment with dlt (scripts/bench-python sets it up).")
    var python = ".build-bench/dlt/bin/python"

    @Option(help: "Where the projects and databases go (emptied first).")
    var directory = ".build-bench/ingest"

    func run() throws {
        let root = URL(filePath: directory).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let bodies = (0..<pages).map(page)
        let server = try blocking {
            try await TestHTTPServer.start { request in
                let index = Int(request.query["cursor"] ?? "0") ?? 0
                return .json(bodies.indices.contains(index) ? bodies[index] : #"{"items": [], "next": null}"#)
            }
        }
        defer { server.stop() }
        let total = pages * rowsPerPage

        let project = root.appending(path: "ondatra")
        try Measurement.runProcess(ondatrasql, ["init", project.path])
        try write(
            project.appending(path: "lib/bench_items.star"),
            """
            API = {"base_url": "\(server.baseURL)", "fetch": {}}

            def fetch(page):
                body = http.get("/items", params = {"cursor": page.cursor}).json
                return {"rows": body["items"], "next": body["next"]}
            """)
        try write(project.appending(path: "models/raw/items.sql"), "SELECT * FROM bench_items()")
        let ours = try Measurement.median(repetitions) {
            try Measurement.runProcess(ondatrasql, ["--project", project.path, "run"])
        }
        let loaded = try Measurement.runProcess(
            ondatrasql, ["--project", project.path, "sql", "SELECT count(*) FROM raw.items", "--format", "csv"])

        let dlt = try Measurement.median(repetitions) {
            try Measurement.runProcess(
                python,
                [
                    "Benchmarks/ingest/dlt_pipeline.py", server.baseURL, root.appending(path: "dlt.duckdb").path,
                    root.appending(path: "dlt-pipelines").path,
                ])
        }
        let client = try clientSeconds(server.baseURL)
        let capacity = try? serverCapacity(server.baseURL)

        print(
            "\(total) rows over \(pages) pages from a loopback server, median of \(repetitions) (wall clock, processes included)"
        )
        print("tool                                  seconds     rows/s   vs dlt")
        let line = { (name: String, seconds: Double) in
            print(
                String(
                    format: "%@ %9.2f %10.0f %7.1fx", name.padding(toLength: 36, withPad: " ", startingAt: 0), seconds,
                    Double(total) / seconds, dlt / seconds))
        }
        line("ondatrasql run (lib function)", ours)
        line("dlt rest_api_source → duckdb", dlt)
        line("our HTTP client alone (get + text)", client)
        if let capacity {
            print(
                String(
                    format: "server capacity (wrk, 4 connections): %.0f pages/s = %.0f rows/s", capacity,
                    capacity * Double(rowsPerPage)))
        } else {
            print("server capacity: wrk not found (apt-get install wrk)")
        }
        print("rows loaded by ondatrasql: \(loaded.split(separator: "\n").last.map(String.init) ?? "?")")
    }

    /// Page `index` as JSON: `rowsPerPage` items and the next cursor.
    private func page(_ index: Int) -> String {
        let items = (0..<rowsPerPage).map { offset -> String in
            let id = index * rowsPerPage + offset
            return
                #"{"id": \#(id), "name": "item-\#(id)", "category": "c\#(id % 7)", "amount": \#(Double(id) * 0.25), "created_at": "2026-01-01T00:00:00Z", "active": \#(id % 3 == 0)}"#
        }
        let next = index + 1 < pages ? "\"\(index + 1)\"" : "null"
        return #"{"items": [\#(items.joined(separator: ", "))], "next": \#(next)}"#
    }

    /// Seconds for our `http` module to fetch every page one after another (bodies read as text).
    private func clientSeconds(_ baseURL: String) throws -> Double {
        let module = HTTPModule(settings: HTTPSettings(baseURL: baseURL))
        let program = try StarlarkProgram(
            source: """
                def main():
                    n = 0
                    for i in range(\(pages)):
                        n += len(http.get("/items", params = {"cursor": str(i)}).text)
                    return n
                main()
                """, file: "client.star", predeclared: ["http": .object(module.value)], options: .all)
        return try Measurement.median(repetitions) { _ = try program.run(on: StarlarkThread()) }
    }

    /// Pages per second the server answers under `wrk` with 4 connections for 3 seconds.
    private func serverCapacity(_ baseURL: String) throws -> Double {
        let output = try Measurement.runProcess(
            "/usr/bin/wrk", ["-t", "2", "-c", "4", "-d", "3s", baseURL + "/items?cursor=7"])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { throw ValidationError("could not read wrk's output") }
        return value
    }
}
