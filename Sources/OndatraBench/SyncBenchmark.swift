import ArgumentParser
import Foundation
import Synchronization

/// Outbound sync: the changed rows of a merge model pushed by `ondatrasql run` (`@sink`,
/// `batch_size` 500, one POST per batch) to a loopback server, beside dlt pushing the same rows
/// through a custom destination to the same server, and the server's own capacity for the same
/// requests (wrk). Also the peak resident memory of `ondatrasql run` at `--rows` and `--big-rows`.
struct SyncBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Outbound sync: ondatrasql run (@sink) vs. dlt (custom destination) vs. the server's capacity (wrk).",
        discussion: """
            Uses the project in Benchmarks/sync (copied for each run) and Benchmarks/sync/dlt_push.py.
            With --serve PORT it only runs the loopback server, for running the tools by hand.
            """)

    @Option(help: "Changed rows pushed in the compared runs.")
    var rows = 100_000

    @Option(help: "Rows of the memory run (0: skip it).")
    var bigRows = 1_000_000

    @Option(help: "Runs of ondatrasql at --rows and of dlt; the median is reported.")
    var repetitions = 3

    @Option(help: "The sink's max_concurrent (default: the lib's, 4).")
    var maxConcurrent: Int?

    @Option(help: "wrk's connections.")
    var wrkConnections = 4

    @Option(help: "wrk's threads.")
    var wrkThreads = 2

    @Option(help: "Seconds wrk runs.")
    var wrkSeconds = 5

    @Flag(help: "Measure ondatrasql only (no dlt, no wrk).")
    var oursOnly = false

    @Option(help: "Only run the loopback server on this port, until interrupted.")
    var serve: Int?

    @Option(help: "The ondatrasql binary (build it with swift build -c release).")
    var ondatrasql = ".build/release/ondatrasql"

    @Option(help: "The Python environment with dlt (scripts/bench-python sets it up).")
    var python = ".build-bench/dlt/bin/python"

    @Option(help: "The benchmark project and dlt script.")
    var benchmark = "Benchmarks/sync"

    @Option(help: "Where the projects, dlt's state and the logs go (emptied first).")
    var directory = ".build-bench/sync"

    /// One `ondatrasql run` that materialized and pushed the rows.
    struct OurRun {
        var rows: Int
        /// The drain alone, from the model's `sync` object in `run --json`.
        var syncSeconds: Double
        /// The whole process.
        var wallSeconds: Double
        var peakRSS: Int
    }

    /// The same work in two processes: `run --no-sync` (materialize and queue), then `run`, which
    /// skips the unchanged models and drains the queue: the second is the sync's memory alone.
    struct SplitRun {
        var rows: Int
        var queuePeakRSS: Int
        var drainPeakRSS: Int
        var drainSeconds: Double
    }

    /// One dlt pipeline run.
    struct PeerRun {
        var rows: Int
        /// `pipeline.run()`: extract, normalize and load.
        var seconds: Double
        /// The load step alone (the POSTs).
        var loadSeconds: Double
        var peakRSS: Int
    }

    func run() throws {
        let server = try blocking { try await CountingServer.start(port: serve ?? 0) }
        defer { server.stop() }
        if serve != nil { try serveForever(server) }
        let root = URL(filePath: directory).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        var ours: [OurRun] = []
        for repetition in 0..<max(1, repetitions) {
            ours.append(try runOurs(rows: rows, name: "ours-\(rows)-\(repetition + 1)", server: server, root: root))
        }
        let big = bigRows > 0 ? try runOurs(rows: bigRows, name: "ours-\(bigRows)", server: server, root: root) : nil
        var splits = [try runSplit(rows: rows, name: "split-\(rows)", server: server, root: root)]
        if bigRows > 0 {
            splits.append(try runSplit(rows: bigRows, name: "split-\(bigRows)", server: server, root: root))
        }
        var peers: [PeerRun] = []
        var capacity: Double?
        if !oursOnly {
            for repetition in 0..<max(1, repetitions) {
                peers.append(try runDlt(name: "dlt-\(rows)-\(repetition + 1)", server: server, root: root))
            }
            capacity = try serverCapacity(server: server, root: root, sample: "/ours-\(rows)-1")
        }
        report(ours: ours, big: big, splits: splits, peers: peers, capacity: capacity, server: server)
    }

    // MARK: - The tools

    /// Copies the project, sets its row count, runs `ondatrasql run --json` against `/NAME` on
    /// the server and checks that every row arrived.
    private func runOurs(rows: Int, name: String, server: CountingServer, root: URL) throws -> OurRun {
        let project = try makeProject(rows: rows, name: name, root: root)
        let finished = try Measurement.runMeasured(
            ondatrasql, ["--project", project.path, "run", "--json"],
            environment: ["BENCH_URL": server.baseURL + "/" + name], directory: root.appending(path: "logs/\(name)"))
        let seconds = try drained(finished.output, rows: rows, name: name, server: server)
        return OurRun(rows: rows, syncSeconds: seconds, wallSeconds: finished.seconds, peakRSS: finished.peakRSS)
    }

    /// `run --no-sync`, then `run` (which only drains), on a project of its own.
    private func runSplit(rows: Int, name: String, server: CountingServer, root: URL) throws -> SplitRun {
        let project = try makeProject(rows: rows, name: name, root: root)
        let environment = ["BENCH_URL": server.baseURL + "/" + name]
        let queued = try Measurement.runMeasured(
            ondatrasql, ["--project", project.path, "run", "--no-sync"], environment: environment,
            directory: root.appending(path: "logs/\(name)-queue"))
        let drain = try Measurement.runMeasured(
            ondatrasql, ["--project", project.path, "run", "--json"], environment: environment,
            directory: root.appending(path: "logs/\(name)-drain"))
        let seconds = try drained(drain.output, rows: rows, name: name, server: server)
        return SplitRun(
            rows: rows, queuePeakRSS: queued.peakRSS, drainPeakRSS: drain.peakRSS, drainSeconds: seconds)
    }

    /// The drain's seconds from `run --json` output, after checking that every row was pushed
    /// and reached the server on `/NAME`.
    private func drained(_ output: String, rows: Int, name: String, server: CountingServer) throws -> Double {
        let sync = try syncObject(output, model: "sync.pushed")
        let ok = sync["ok"] as? Int ?? -1
        let milliseconds = sync["duration_ms"] as? Int ?? 0
        let received = server.counts("/" + name).rows
        guard ok == rows, received == rows, (sync["failed"] as? Int) == 0 else {
            throw ValidationError(
                "\(name): \(ok) rows ok, \(received) received by the server, expected \(rows); sync: \(sync)")
        }
        return Double(milliseconds) / 1000
    }

    /// A copy of the benchmark project in `root/NAME` whose source makes `rows` rows.
    private func makeProject(rows: Int, name: String, root: URL) throws -> URL {
        let project = root.appending(path: name)
        try FileManager.default.copyItem(at: URL(filePath: benchmark), to: project)
        for state in ["lake.sqlite", "lake.files", ".ondatra", "dlt_push.py", "README.md"] {
            try? FileManager.default.removeItem(at: project.appending(path: state))
        }
        try write(
            project.appending(path: "config/variables/bench.sql"), "SET VARIABLE bench_rows = \(rows);\n")
        if let maxConcurrent {
            let lib = project.appending(path: "lib/bench_push.star")
            let text = try String(contentsOf: lib, encoding: .utf8)
            guard let range = text.range(of: #""max_concurrent": \d+"#, options: .regularExpression) else {
                throw ValidationError("lib/bench_push.star has no max_concurrent to change")
            }
            try write(lib, text.replacingCharacters(in: range, with: "\"max_concurrent\": \(maxConcurrent)"))
        }
        return project
    }

    /// The `sync` object of `model`'s line in `run --json` output.
    private func syncObject(_ output: String, model: String) throws -> [String: Any] {
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["model"] as? String == model
            else { continue }
            guard let sync = object["sync"] as? [String: Any] else {
                throw ValidationError("\(model) has no sync object: \(line)")
            }
            return sync
        }
        throw ValidationError("no line for \(model) in run --json output:\n\(output)")
    }

    /// Runs Benchmarks/sync/dlt_push.py against `/NAME` and checks that every row arrived.
    private func runDlt(name: String, server: CountingServer, root: URL) throws -> PeerRun {
        let finished = try Measurement.runMeasured(
            python,
            [
                "\(benchmark)/dlt_push.py", server.baseURL + "/" + name, String(rows),
                root.appending(path: "dlt-pipelines/\(name)").path,
            ],
            // No telemetry calls to the network while it is timed.
            environment: ["RUNTIME__DLTHUB_TELEMETRY": "false"], directory: root.appending(path: "logs/\(name)"))
        guard
            let line = finished.output.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let seconds = object["seconds"] as? Double
        else { throw ValidationError("\(name): could not read dlt_push.py's output:\n\(finished.output)") }
        let received = server.counts("/" + name).rows
        guard received == rows else {
            throw ValidationError("\(name): \(received) rows received by the server, expected \(rows)")
        }
        return PeerRun(
            rows: rows, seconds: seconds, loadSeconds: object["load_seconds"] as? Double ?? seconds,
            peakRSS: finished.peakRSS)
    }

    /// Requests per second the server answers when wrk POSTs the first body ondatrasql sent
    /// (`sample`'s), over `wrkConnections` connections for `wrkSeconds` seconds.
    private func serverCapacity(server: CountingServer, root: URL, sample: String) throws -> Double? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { return nil }
        guard let body = server.counts(sample).sample else { throw ValidationError("no request arrived on \(sample)") }
        let bodyFile = root.appending(path: "wrk-body.json")
        try Data(body).write(to: bodyFile)
        let script = root.appending(path: "wrk-post.lua")
        try write(
            script,
            """
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            local file = io.open("\(bodyFile.path)", "rb")
            wrk.body = file:read("*a")
            file:close()

            """)
        let output = try Measurement.runProcess(
            "/usr/bin/wrk",
            [
                "-t", String(wrkThreads), "-c", String(wrkConnections), "-d", "\(wrkSeconds)s", "-s", script.path,
                server.baseURL + "/wrk",
            ])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { throw ValidationError("could not read wrk's output:\n\(output)") }
        let counted = server.counts("/wrk")
        let perRequest = server.counts(sample).rows / max(1, server.counts(sample).requests)
        guard counted.requests > 0, counted.rows == counted.requests * perRequest else {
            throw ValidationError("the server counted \(counted.rows) rows in \(counted.requests) wrk requests")
        }
        return value
    }

    // MARK: - Report

    private func report(
        ours: [OurRun], big: OurRun?, splits: [SplitRun], peers: [PeerRun], capacity: Double?,
        server: CountingServer
    ) {
        let mine = ours.sorted { $0.syncSeconds < $1.syncSeconds }[ours.count / 2]
        let mineRate = Double(rows) / mine.syncSeconds
        let batch = 500
        print(
            "Sync: \(rows) changed rows of a merge model, batch_size \(batch), one POST per batch to a loopback "
                + "server, max_concurrent \(maxConcurrent.map(String.init) ?? libMaxConcurrent()); median of \(ours.count) runs"
        )
        print(
            "tool".padding(toLength: 52, withPad: " ", startingAt: 0)
                + "   seconds      rows/s   ours vs it")
        func line(_ name: String, _ seconds: Double?, _ rate: Double, ratio: Bool = true) {
            let time = seconds.map { String(format: "%10.2f", $0) } ?? String(repeating: " ", count: 10)
            let versus = ratio ? String(format: "%12.2fx", mineRate / rate) : ""
            print(
                String(
                    format: "%@%@ %11.0f%@", name.padding(toLength: 52, withPad: " ", startingAt: 0), time, rate,
                    versus))
        }
        line("ondatrasql: the drain (the model's sync: figures)", mine.syncSeconds, mineRate, ratio: false)
        line(
            "ondatrasql: whole run (materialize, queue, push)", mine.wallSeconds, Double(rows) / mine.wallSeconds,
            ratio: false)
        if !peers.isEmpty {
            let peer = peers.sorted { $0.seconds < $1.seconds }[peers.count / 2]
            line("dlt: pipeline.run (extract, normalize, load)", peer.seconds, Double(rows) / peer.seconds)
            line("dlt: its load step alone (the POSTs)", peer.loadSeconds, Double(rows) / peer.loadSeconds)
        }
        if let capacity {
            line(
                "server capacity (wrk, \(wrkThreads) threads, \(wrkConnections) connections)", nil,
                capacity * Double(batch))
        } else if !oursOnly {
            print("server capacity: wrk not found (apt-get install wrk)")
        }
        if let big {
            line(
                "ondatrasql at \(big.rows) rows: the drain", big.syncSeconds, Double(big.rows) / big.syncSeconds,
                ratio: false)
        }
        let mib = { (bytes: Int) in String(format: "%.1f", Double(bytes) / 1_048_576) }
        print("")
        let sizes = splits.map(\.rows)
        var header = "peak RSS (MiB)".padding(toLength: 52, withPad: " ", startingAt: 0)
        for size in sizes { header += Self.right("\(size) rows", 14) }
        if sizes.count == 2 { header += "    difference" }
        print(header)
        func memory(_ name: String, _ values: [Int]) {
            var text = name.padding(toLength: 52, withPad: " ", startingAt: 0)
            for value in values { text += Self.right(mib(value), 14) }
            if values.count == 2 { text += Self.right("+" + mib(values[1] - values[0]), 14) }
            print(text)
        }
        memory("ondatrasql run (materialize, queue, push)", [mine.peakRSS] + (big.map { [$0.peakRSS] } ?? []))
        memory("  run --no-sync (materialize, queue)", splits.map(\.queuePeakRSS))
        memory("  then run (the drain alone)", splits.map(\.drainPeakRSS))
        if let peer = peers.first { memory("dlt (Python), pipeline.run", [peer.peakRSS]) }
        print(
            "drain alone (second run): "
                + splits.map { String(format: "%.0f rows/s at %d rows", Double($0.rows) / $0.drainSeconds, $0.rows) }
                .joined(separator: ", "))
        let sampleOurs = server.counts("/ours-\(rows)-1")
        var shapes = "bytes per request: ondatrasql \(sampleOurs.bytes / max(1, sampleOurs.requests))"
        if !peers.isEmpty {
            let sampleDlt = server.counts("/dlt-\(rows)-1")
            shapes += ", dlt \(sampleDlt.bytes / max(1, sampleDlt.requests))"
            shapes += "; same keys in each row: \(sameKeys(sampleOurs.sample, sampleDlt.sample) ? "yes" : "NO")"
        }
        print(shapes)
    }

    /// The `max_concurrent` written in the benchmark's lib.
    private func libMaxConcurrent() -> String {
        let text = (try? String(contentsOf: URL(filePath: "\(benchmark)/lib/bench_push.star"), encoding: .utf8)) ?? ""
        guard let range = text.range(of: #""max_concurrent": \d+"#, options: .regularExpression) else { return "?" }
        return String(text[range].split(separator: " ").last ?? "?")
    }

    /// `text` right-aligned in `width` columns.
    private static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(1, width - text.count)) + text
    }

    /// Whether the first rows of two bodies have the same keys.
    private func sameKeys(_ first: [UInt8]?, _ second: [UInt8]?) -> Bool {
        func keys(_ body: [UInt8]?) -> [String]? {
            guard let body, let rows = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
                return nil
            }
            return rows.first.map { $0.keys.sorted() }
        }
        guard let left = keys(first) else { return false }
        return left == keys(second)
    }

    // MARK: - Helpers

    /// Runs the server until the process is interrupted, printing what each path received.
    private func serveForever(_ server: CountingServer) throws -> Never {
        print(
            "listening on \(server.baseURL) (Ctrl-C stops); set BENCH_URL=\(server.baseURL)/ours for lib/bench_push.star"
        )
        var shown = ""
        while true {
            Thread.sleep(forTimeInterval: 2)
            let text = server.allCounts().sorted { $0.key < $1.key }.map {
                "\($0.key): \($0.value.requests) requests, \($0.value.rows) rows"
            }.joined(separator: "; ")
            if text != shown {
                print(text)
                shown = text
            }
        }
    }
}
