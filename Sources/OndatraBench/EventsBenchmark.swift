import ArgumentParser
import Foundation

/// Events: how many events a second the collector (`ondatrasql events`, the release binary, in a
/// process of its own) durably accepts from wrk, one event per POST and 100 per POST; then how
/// long one `ondatrasql run` takes to flush an exact number of buffered events (1,000,000 by
/// default) into the DuckLake table, with its peak memory, checked by counting the table.
struct EventsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Events: the collector's durable events/s, single and batched (wrk), and run's flush of 1M events.",
        discussion: """
            Uses the project in Benchmarks/events (copied for each phase), its wrk scripts single.lua and
            batch.lua, the release binary of ondatrasql and wrk (apt-get install wrk). Every 202 the
            collector answers means the event was written and fdatasync'd into the buffer.
            """)

    @Option(help: "Seconds each wrk run lasts.")
    var seconds = 10

    @Option(help: "wrk's connections.")
    var connections = 64

    @Option(help: "wrk's threads.")
    var threads = 2

    @Option(help: "Events buffered (1,000 a request) and then flushed by one run (0: skip the flush).")
    var flushEvents = 1_000_000

    @Option(help: "The ondatrasql binary (build it with swift build -c release).")
    var ondatrasql = ".build/release/ondatrasql"

    @Option(help: "The wrk binary.")
    var wrk = "/usr/bin/wrk"

    @Option(help: "The benchmark project and wrk scripts.")
    var benchmark = "Benchmarks/events"

    @Option(help: "Where the projects and logs go (emptied first).")
    var directory = ".build-bench/events"

    /// Events per request in `batch.lua`.
    static let eventsPerBatch = 100
    /// Events per request when filling the buffer for the flush, and requests in flight.
    static let fillBatch = 1_000
    static let fillInFlight = 4
    /// The model every phase posts to.
    static let model = "raw.page_views"

    /// One wrk run against a fresh collector.
    struct Load {
        /// `single` or `batched`.
        var name: String
        var eventsPerRequest: Int
        var wrk: WrkRun
        /// The collector's counters after the run.
        var metrics: EventsHTTP.Metrics
        /// The collector process, from its SIGTERM stop.
        var collector: ChildProcess.Exit
        /// Bytes in the buffer when the collector stopped.
        var bufferBytes: Int

        /// Events per second: requests per second times events per request.
        var eventsPerSecond: Double { wrk.requestsPerSecond * Double(eventsPerRequest) }
    }

    /// The flush of `events` buffered events by one `ondatrasql run`.
    struct Flush {
        var events: Int
        var fill: EventsHTTP.Fill
        /// The buffer before the flush: bytes on disk and segment files.
        var bufferBytes: Int
        var segments: Int
        /// The whole `run` process: wall time and peak RSS.
        var run: Measurement.Finished
        /// The model's `duration_ms` and `run_type` from `run --json`.
        var modelSeconds: Double
        var runType: String
        /// `count(*)` and `count(DISTINCT user_id)` of the table afterwards.
        var counted: Int
        var distinctUsers: Int
        /// Segment files left in the buffer afterwards.
        var segmentsAfter: Int
    }

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard threads > 0, connections >= threads else {
            throw ValidationError("--threads must be positive and --connections at least --threads")
        }
        guard flushEvents >= 0 else { throw ValidationError("--flush-events must be 0 or more") }
    }

    func run() throws {
        for (name, path) in [("ondatrasql", ondatrasql), ("wrk", wrk)]
        where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("no \(name) at \(path) (see Benchmarks/events/README.md)")
        }
        let root = URL(filePath: directory).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let single = try load(name: "single", script: "single.lua", eventsPerRequest: 1, root: root)
        let batched = try load(
            name: "batched", script: "batch.lua", eventsPerRequest: Self.eventsPerBatch, root: root)
        let flush = flushEvents > 0 ? try flushPhase(root: root) : nil
        let problems = report(single: single, batched: batched, flush: flush)
        guard problems.isEmpty else {
            print("\nFAILED: " + problems.joined(separator: "; "))
            throw ExitCode.failure
        }
    }

    // MARK: - The phases

    /// Starts a collector on a fresh copy of the project, runs wrk with `script` against it, reads
    /// its metrics and stops it with SIGTERM. The copy (and its buffer) is removed afterwards.
    private func load(name: String, script: String, eventsPerRequest: Int, root: URL) throws -> Load {
        let project = try makeProject(name: name, root: root)
        let logs = root.appending(path: "logs")
        let collector = try CollectorUnderTest.start(
            ondatrasql: absolute(ondatrasql), project: project, logs: logs, name: "\(name)-collector")
        defer { collector.kill() }
        let run = try WrkRun.run(
            wrk: wrk, script: URL(filePath: benchmark).appending(path: script).standardizedFileURL.path,
            url: collector.baseURL, threads: threads, connections: connections, seconds: seconds, logs: logs,
            name: "\(name)-wrk")
        let baseURL = collector.baseURL
        let metrics = try blocking { try await EventsHTTP.metrics(baseURL: baseURL, target: Self.model) }
        let exit = try collector.stop()
        let buffer = try bufferState(project)
        try? FileManager.default.removeItem(at: project)
        return Load(
            name: name, eventsPerRequest: eventsPerRequest, wrk: run, metrics: metrics, collector: exit,
            bufferBytes: buffer.bytes)
    }

    /// Creates the table with a first `run`, buffers exactly `flushEvents` events through a
    /// collector (every answer checked), stops it, then times the `run` that flushes them and
    /// counts the table.
    private func flushPhase(root: URL) throws -> Flush {
        let project = try makeProject(name: "flush", root: root)
        let logs = root.appending(path: "logs")
        let binary = absolute(ondatrasql)
        // The timed run then flushes into an existing table, as every run after the first does.
        _ = try Measurement.runMeasured(
            binary, ["--project", project.path, "run", "--json"], directory: logs.appending(path: "flush-create"))
        let collector = try CollectorUnderTest.start(
            ondatrasql: binary, project: project, logs: logs, name: "flush-collector")
        defer { collector.kill() }
        let (baseURL, events) = (collector.baseURL, flushEvents)
        let fill = try blocking {
            try await EventsHTTP.fill(
                baseURL: baseURL, events: events, perBatch: Self.fillBatch, inFlight: Self.fillInFlight)
        }
        let metrics = try blocking { try await EventsHTTP.metrics(baseURL: baseURL, target: Self.model) }
        guard metrics.accepted == events, metrics.buffered == events, metrics.rejected == 0 else {
            throw ValidationError("after the fill the collector counts \(metrics), expected \(events) accepted")
        }
        try collector.stop()
        let before = try bufferState(project)
        let flushed = try Measurement.runMeasured(
            binary, ["--project", project.path, "run", "--json"], directory: logs.appending(path: "flush-run"))
        let line = try modelLine(flushed.output)
        guard line["status"] as? String == "ok", line["rows_affected"] as? Int == events else {
            throw ValidationError("the flush did not insert \(events) rows: \(line)")
        }
        let counts = try countTable(project, binary: binary)
        guard counts.rows == events, counts.users == events else {
            throw ValidationError(
                "after the flush the table has \(counts.rows) rows and \(counts.users) user ids, expected \(events)")
        }
        let after = try bufferState(project)
        return Flush(
            events: events, fill: fill, bufferBytes: before.bytes, segments: before.segments, run: flushed,
            modelSeconds: Double(line["duration_ms"] as? Int ?? 0) / 1000, runType: line["run_type"] as? String ?? "?",
            counted: counts.rows, distinctUsers: counts.users, segmentsAfter: after.segments)
    }

    // MARK: - Helpers

    /// A copy of the benchmark project in `root/NAME`, without state, README or scripts.
    private func makeProject(name: String, root: URL) throws -> URL {
        let project = root.appending(path: name)
        try FileManager.default.copyItem(at: URL(filePath: benchmark), to: project)
        for extra in [
            "lake.sqlite", "lake.sqlite.wal", "lake.files", ".ondatra", "README.md", "single.lua", "batch.lua",
        ] {
            try? FileManager.default.removeItem(at: project.appending(path: extra))
        }
        return project
    }

    /// `path` made absolute against the current directory (the children get absolute paths).
    private func absolute(_ path: String) -> String {
        URL(filePath: path).standardizedFileURL.path
    }

    /// The bytes of every file under the project's `.ondatra/events/`, and its segment files.
    private func bufferState(_ project: URL) throws -> (bytes: Int, segments: Int) {
        let root = project.appending(path: ".ondatra/events")
        guard
            let files = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        else { return (0, 0) }
        var bytes = 0
        var segments = 0
        for case let file as URL in files {
            let values = try file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            guard values.isRegularFile == true else { continue }
            bytes += values.fileSize ?? 0
            if file.lastPathComponent.hasSuffix(".ndjson") { segments += 1 }
        }
        return (bytes, segments)
    }

    /// The benchmark model's object in `run --json` output.
    private func modelLine(_ output: String) throws -> [String: Any] {
        for line in output.split(separator: "\n") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["model"] as? String == Self.model
            {
                return object
            }
        }
        throw ValidationError("no line for \(Self.model) in run --json output:\n\(output)")
    }

    /// `count(*)` and `count(DISTINCT user_id)` of the model's table, through `ondatrasql sql`.
    private func countTable(_ project: URL, binary: String) throws -> (rows: Int, users: Int) {
        let output = try Measurement.runProcess(
            binary,
            [
                "--project", project.path, "sql",
                "SELECT count(*) AS events, count(DISTINCT user_id) AS users FROM \(Self.model)", "--format", "csv",
            ])
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let values = last.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 2 else { throw ValidationError("could not read the count from:\n\(output)") }
        return (values[0], values[1])
    }
}
