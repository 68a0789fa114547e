import Foundation
import OndatraTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A project with a `@sink` model over a source table, run by the built `ondatrasql` binary as a
/// subprocess (so it can be killed for real), and a loopback server in the test process that
/// records every request the sink's lib makes.
///
/// The source `raw.src(id, val)` holds rows `1…count`; `val` is `v<id>`, or `w<id>` for the ids
/// a round changed. The sink model `sync.out` is a merge on `id` over it, so a later round pushes
/// `update_preimage`/`update_postimage` pairs and inserts.
final class SinkProject {
    /// One row as the server received it.
    struct Pushed: Hashable {
        let rowid: Int, type: String, id: Int, val: String

        /// `"<rowid>:<change_type>"`: the idempotency key.
        var key: String { "\(rowid):\(type)" }
        /// `"<id>:<change_type>:<val>"`: the change as the data says it, independent of row ids.
        var change: String { "\(id):\(type):\(val)" }
    }

    /// What `sync status --json` says about `sync.out`.
    struct Status: Equatable {
        var pending = 0, inFlight = 0, dead = 0, openJobs = 0
    }

    let sandbox: TemporaryProject
    let server: TestHTTPServer
    private let handler: Handler

    /// The project's folder.
    var root: URL { sandbox.directory.url }

    /// Starts the server answering with `answer` (changeable later with ``answer(_:)``).
    init(answer: @escaping @Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Response = { _ in .json("{}") })
        async throws
    {
        sandbox = try TemporaryProject()
        let handler = Handler(answer)
        server = try await TestHTTPServer.start { request in await handler.answer(request) }
        self.handler = handler
    }

    deinit { server.stop() }

    /// Holds the server's answer where its handler can read it.
    private final class Handler: Sendable {
        let box: Mutex<@Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Response>
        init(_ answer: @escaping @Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Response) {
            box = Mutex(answer)
        }
        func answer(_ request: TestHTTPServer.Request) async -> TestHTTPServer.Response {
            await box.withLock { $0 }(request)
        }
    }

    /// Changes how the server answers from now on.
    func answer(_ answer: @escaping @Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Response) {
        handler.box.withLock { $0 = answer }
    }

    func write(_ path: String, _ text: String) throws { try sandbox.write(path, text) }

    // MARK: - The project

    /// `val` of row `id` when the ids in `changed` were changed.
    static func value(_ id: Int, changed: Set<Int>) -> String { changed.contains(id) ? "w\(id)" : "v\(id)" }

    /// Writes `raw.src` with rows `1…count`, those in `changed` with their changed value.
    func source(count: Int, changed: Set<Int> = []) throws {
        let changedList = changed.isEmpty ? "NULL" : changed.sorted().map(String.init).joined(separator: ", ")
        try write(
            "models/raw/src.sql",
            """
            -- @kind: table
            SELECT i::INTEGER AS id, CASE WHEN i IN (\(changedList)) THEN 'w' ELSE 'v' END || i AS val
            FROM range(1, \(count + 1)) t(i)

            """)
    }

    /// Writes `raw.src` with exactly `rows` (id → val).
    func source(rows: [Int: String]) throws {
        let values = rows.sorted { $0.key < $1.key }.map { "(\($0.key), '\($0.value)')" }.joined(separator: ", ")
        try write("models/raw/src.sql", "-- @kind: table\nSELECT * FROM (VALUES \(values)) t(id, val)\n")
    }

    /// Writes the sink model `sync.out` pushing through `lib/<lib>.star`, and the lib.
    func sink(lib: String, source text: String) throws {
        try write("lib/\(lib).star", text)
        try write(
            "models/sync/out.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: \(lib)\nSELECT id, val FROM raw.src\n")
    }

    /// A lib posting each batch to `/batch` (one request per batch) and reporting every row `ok`.
    func batchLib(batchSize: Int, maxConcurrent: Int) -> String {
        """
        API = {
            "base_url": "\(server.baseURL)",
            "push": {"batch_size": \(batchSize), "max_concurrent": \(maxConcurrent)},
        }

        def push(rows):
            http.post("/batch", json=[{k: v for k, v in r.items()} for r in rows]).raise_for_status()
            return {str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]: "ok" for r in rows}

        """
    }

    /// The changes a round must push: every row inserted when `before` is nil (the first sync is
    /// a backfill), else the updates (a pre- and a postimage) of the rows whose value differs
    /// from `before`'s and the inserts of the rows added since.
    static func expected(
        count: Int, changed: Set<Int>, before: (count: Int, changed: Set<Int>)? = nil
    ) -> Set<String> {
        var changes: Set<String> = []
        for id in 1...count {
            let value = Self.value(id, changed: changed)
            guard let before, id <= before.count else {
                changes.insert("\(id):insert:\(value)")
                continue
            }
            let old = Self.value(id, changed: before.changed)
            if old != value {
                changes.insert("\(id):update_preimage:\(old)")
                changes.insert("\(id):update_postimage:\(value)")
            }
        }
        return changes
    }

    // MARK: - Running the binary

    /// Starts `ondatrasql ARGUMENTS --project ROOT` in the background; `ONDATRA_FAULT` is set
    /// only when `environment` sets it.
    func start(_ arguments: [String] = ["run"], environment: [String: String] = [:]) throws -> Subprocess {
        try Subprocess(arguments: arguments + ["--project", root.path], environment: environment)
    }

    /// Runs `ondatrasql ARGUMENTS` to its end.
    func run(_ arguments: [String] = ["run"], environment: [String: String] = [:]) async throws -> Subprocess.Exit {
        try await start(arguments, environment: environment).exit()
    }

    /// Runs with the fault point `fault` armed; records an issue unless the process killed itself there.
    func runKilled(at fault: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let exit = try await run(environment: ["ONDATRA_FAULT": fault])
        #expect(exit.killed, "not killed at \(fault): \(exit)", sourceLocation: sourceLocation)
        #expect(
            exit.stderr.contains("ONDATRA_FAULT: killed at \(fault.split(separator: ":")[0])"), "\(exit)",
            sourceLocation: sourceLocation)
    }

    /// Runs without a fault; records an issue unless it exits 0.
    @discardableResult
    func runClean(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Subprocess.Exit {
        let exit = try await run()
        #expect(exit.status == 0 && !exit.signaled, "\(exit)", sourceLocation: sourceLocation)
        return exit
    }

    /// `sync status --json` for `sync.out`; nil when there is no sync state yet.
    func status(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Status? {
        let exit = try await run(["sync", "status", "--json"])
        #expect(exit.status == 0, "\(exit)", sourceLocation: sourceLocation)
        for line in exit.stdout.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["target"] as? String == "sync.out"
            else { continue }
            func count(_ name: String) -> Int { (object[name] as? NSNumber)?.intValue ?? -1 }
            return Status(
                pending: count("pending"), inFlight: count("in_flight"), dead: count("dead"),
                openJobs: count("open_jobs"))
        }
        return nil
    }

    /// The rows of `sql` through `ondatrasql sql --format json`.
    func query(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[String: Any]] {
        let exit = try await run(["sql", sql, "--format", "json"])
        #expect(exit.status == 0, "\(exit)", sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(exit.stdout.utf8)) as? [[String: Any]] ?? []
    }

    /// `sync.out`'s rows as `"<id>:<val>"`, in id order (an id held twice shows twice).
    func table() async throws -> [String] {
        try await query("SELECT id, val FROM sync.out ORDER BY id").map { row in
            "\((row["id"] as? NSNumber)?.intValue ?? -1):\(row["val"] as? String ?? "?")"
        }
    }

    /// The table `sync.out` should hold after a round.
    static func tableRows(count: Int, changed: Set<Int>) -> [String] {
        (1...count).map { "\($0):\(value($0, changed: changed))" }
    }

    // MARK: - What the server received

    /// Every row posted to `path`, in order, from request number `first` on.
    func pushed(since first: Int = 0, path: String = "/batch") -> [Pushed] {
        server.requests.dropFirst(first).filter { $0.method == "POST" && $0.path == path }.flatMap {
            request -> [Pushed] in
            let rows = (try? JSONSerialization.jsonObject(with: Data(request.body.utf8))) as? [[String: Any]] ?? []
            return rows.map { row in
                Pushed(
                    rowid: (row["__ondatra_rowid"] as? NSNumber)?.intValue ?? -1,
                    type: row["__ondatra_change_type"] as? String ?? "?",
                    id: (row["id"] as? NSNumber)?.intValue ?? -1, val: row["val"] as? String ?? "?")
            }
        }
    }

    /// Checks that `pushed` delivered each of `expected` at least once, nothing else, one
    /// idempotency key per change; returns how many pushes were repeats. `note` goes with any failure.
    @discardableResult
    static func check(
        _ pushed: [Pushed], delivered expected: Set<String>, note: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Int {
        let changes = Set(pushed.map(\.change))
        let missing = expected.subtracting(changes)
        let extra = changes.subtracting(expected)
        #expect(missing.isEmpty, "\(note): changes never pushed: \(missing.sorted())", sourceLocation: sourceLocation)
        #expect(
            extra.isEmpty, "\(note): changes pushed that were not made: \(extra.sorted())",
            sourceLocation: sourceLocation)
        let keys = Set(pushed.map(\.key))
        #expect(
            keys.count == changes.count && Set(pushed).count == keys.count,
            "\(note): each change has one rowid:change_type key (\(keys.count) keys, \(changes.count) changes)",
            sourceLocation: sourceLocation)
        return pushed.count - keys.count
    }
}

/// The `ondatrasql` binary running in the background, its output going to files.
final class Subprocess: @unchecked Sendable {
    // @unchecked: `process` is only read (`isRunning`, its pid and termination) after `run()`.

    /// How a run ended.
    struct Exit: CustomStringConvertible {
        /// The exit status, or the signal's number when ``signaled``.
        let status: Int32
        /// Whether a signal ended it.
        let signaled: Bool
        let stdout: String
        let stderr: String

        /// Whether it died of SIGKILL.
        var killed: Bool { signaled && status == SIGKILL }

        var description: String {
            "\(signaled ? "signal" : "exit") \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
        }
    }

    private let process = Process()
    private let capture: TemporaryDirectory

    /// The process id.
    var pid: Int32 { process.processIdentifier }
    /// Whether it has not ended yet.
    var isRunning: Bool { process.isRunning }

    init(arguments: [String], environment: [String: String]) throws {
        let binary = CLIRunner.binary
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path),
            "\(binary.path) is missing: build it with `swift build` before `swift test`")
        capture = try TemporaryDirectory()
        process.executableURL = binary
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment
        inherited["ONDATRA_FAULT"] = nil
        process.environment = inherited.merging(environment) { _, new in new }
        for name in ["stdout", "stderr"] {
            _ = FileManager.default.createFile(atPath: capture.url.appending(path: name).path, contents: nil)
        }
        process.standardOutput = try FileHandle(forWritingTo: capture.url.appending(path: "stdout"))
        process.standardError = try FileHandle(forWritingTo: capture.url.appending(path: "stderr"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// What it has written to stdout so far (it may still be running).
    var stdoutSoFar: String {
        (try? String(contentsOf: capture.url.appending(path: "stdout"), encoding: .utf8)) ?? ""
    }

    /// Sends `signal` (SIGKILL, SIGINT) if it is still running.
    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to end (polling, so no thread is blocked) and returns how it ended.
    /// After `limit` it is killed and an issue recorded: a hung run fails the test, not the suite.
    func exit(limit: Duration = .seconds(600)) async throws -> Exit {
        let deadline = ContinuousClock.now + limit
        var overdue = false
        while process.isRunning {
            if !overdue, ContinuousClock.now > deadline {
                overdue = true
                Issue.record("ondatrasql \(process.arguments ?? []) did not end within \(limit); killed")
                send(SIGKILL)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Exit(
            status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
            stdout: try String(contentsOf: capture.url.appending(path: "stdout"), encoding: .utf8),
            stderr: try String(contentsOf: capture.url.appending(path: "stderr"), encoding: .utf8))
    }

    /// Waits until `condition` holds or the process ends; returns whether it holds.
    func wait(until condition: () -> Bool, limit: Duration = .seconds(600)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !condition() && process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
