import ArgumentParser
import Foundation
import OndatraTesting
import Starlark
import StarlarkHTTP
import Synchronization

/// 200,000 rows over 200 pages from a local server into a table: `ondatrasql run` reading a lib
/// function vs. dlt's REST API source into DuckDB, with the server's own capacity (wrk) and our
/// HTTP client's page rate alongside; and the peak memory of the run at 200,000 and 1,000,000
/// rows, which streaming pages into a staging table keeps flat.
struct IngestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "API ingestion: ondatrasql run vs. dlt (REST API source into DuckDB).")

    @Option(help: "Pages the server serves.")
    var pages = 200

    @Option(help: "Rows per page.")
    var rowsPerPage = 1000

    @Option(help: "Pages of the memory run, whose peak RSS is reported beside the main run's.")
    var bigPages = 1000

    @Option(help: "Runs of each tool; the median is reported.")
    var repetitions = 3

    @Option(help: "The ondatrasql binary (build it with swift build -c release).")
    var ondatrasql = ".build/release/ondatrasql"

    @Option(help: "The Python environment with dlt (scripts/bench-python sets it up); without it dlt is left out.")
    var python = ".build-bench/dlt/bin/python"

    @Option(help: "Where the projects and databases go (emptied first).")
    var directory = ".build-bench/ingest"

    func run() throws {
        let root = URL(filePath: directory).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let bodies = (0..<pages).map { page($0, of: pages) }
        let (rowsPerPage, bigPages) = (rowsPerPage, bigPages)
        let server = try blocking {
            try await TestHTTPServer.start { request in
                let index = Int(request.query["cursor"] ?? "0") ?? 0
                // The memory run's pages are made as they are asked for.
                if request.path == "/big" {
                    return .json(Self.page(index, of: bigPages, rowsPerPage: rowsPerPage))
                }
                return .json(bodies.indices.contains(index) ? bodies[index] : #"{"items": [], "next": null}"#)
            }
        }
        defer { server.stop() }
        let total = pages * rowsPerPage

        let project = try makeProject(root.appending(path: "ondatra"), path: "/items", baseURL: server.baseURL)
        var peaks: [Int] = []
        let ours = try Measurement.median(repetitions) {
            peaks.append(
                try Measurement.runMeasured(
                    ondatrasql, ["--project", project.path, "run"], directory: root.appending(path: "logs")
                ).peakRSS)
        }
        let loaded = try count(project)
        let bigProject = try makeProject(root.appending(path: "ondatra-big"), path: "/big", baseURL: server.baseURL)
        let big = try Measurement.runMeasured(
            ondatrasql, ["--project", bigProject.path, "run"], directory: root.appending(path: "logs-big"))
        let bigLoaded = try count(bigProject)

        // dlt is optional: without it the run still reports our figures and memory.
        let dlt: Double? =
            FileManager.default.isExecutableFile(atPath: python)
            ? try Measurement.median(repetitions) {
                try Measurement.runProcess(
                    python,
                    [
                        "Benchmarks/ingest/dlt_pipeline.py", server.baseURL, root.appending(path: "dlt.duckdb").path,
                        root.appending(path: "dlt-pipelines").path,
                    ])
            } : nil
        let client = try clientSeconds(server.baseURL)
        let capacity = try? serverCapacity(server.baseURL)

        print(
            "\(total) rows over \(pages) pages from a loopback server, median of \(repetitions) (wall clock, processes included)"
        )
        print("tool                                  seconds     rows/s   vs dlt")
        let line = { (name: String, seconds: Double) in
            let ratio = dlt.map { String(format: "%7.1fx", $0 / seconds) } ?? "       -"
            print(
                String(
                    format: "%@ %9.2f %10.0f %@", name.padding(toLength: 36, withPad: " ", startingAt: 0), seconds,
                    Double(total) / seconds, ratio))
        }
        line("ondatrasql run (lib function)", ours)
        if let dlt {
            line("dlt rest_api_source → duckdb", dlt)
        } else {
            print("dlt: not found at \(python) (scripts/bench-python sets it up)")
        }
        line("our HTTP client alone (get + text)", client)
        if let capacity {
            print(
                String(
                    format: "server capacity (wrk, 4 connections): %.0f pages/s = %.0f rows/s", capacity,
                    capacity * Double(rowsPerPage)))
        } else {
            print("server capacity: wrk not found (apt-get install wrk)")
        }
        print("rows loaded by ondatrasql: \(loaded)")
        let bigTotal = bigPages * rowsPerPage
        print(
            String(
                format: "peak RSS of ondatrasql run: %d MiB at %d rows (highest of %d runs), %d MiB at %d rows",
                (peaks.max() ?? 0) >> 20, total, peaks.count, big.peakRSS >> 20, bigTotal))
        print(
            String(
                format: "%d rows over %d pages in one run: %.2f s = %.0f rows/s, rows loaded: %@", bigTotal, bigPages,
                big.seconds, Double(bigTotal) / big.seconds, bigLoaded))
    }

    /// An `ondatrasql init` project in `directory` whose model reads every page of `path`.
    private func makeProject(_ directory: URL, path: String, baseURL: String) throws -> URL {
        try Measurement.runProcess(ondatrasql, ["init", directory.path])
        try write(
            directory.appending(path: "lib/bench_items.star"),
            """
            API = {"base_url": "\(baseURL)", "fetch": {}}

            def fetch(page):
                body = http.get("\(path)", params = {"cursor": page.cursor}).json
                return {"rows": body["items"], "next": body["next"]}
            """)
        try write(directory.appending(path: "models/raw/items.sql"), "SELECT * FROM bench_items()")
        return directory
    }

    /// The rows `raw.items` of `project` holds, as `ondatrasql sql` prints them.
    private func count(_ project: URL) throws -> String {
        let output = try Measurement.runProcess(
            ondatrasql, ["--project", project.path, "sql", "SELECT count(*) FROM raw.items", "--format", "csv"])
        return output.split(separator: "\n").last.map(String.init) ?? "?"
    }

    /// Page `index` of `pages` as JSON: `rowsPerPage` items and the next cursor.
    private func page(_ index: Int, of pages: Int) -> String {
        Self.page(index, of: pages, rowsPerPage: rowsPerPage)
    }

    /// Page `index` of `pages` as JSON: `rowsPerPage` items and the next cursor.
    private static func page(_ index: Int, of pages: Int, rowsPerPage: Int) -> String {
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
