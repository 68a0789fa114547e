import AsyncHTTPClient
import Foundation
import NIOCore
import Ondatra
import OndatraCollector
import OndatraTesting

/// A project with events models, its collector running in this process on a free loopback port,
/// an HTTP client, and runs made in-process on threads of their own (a run blocks its thread;
/// the collector's handlers need the concurrency threads).
final class CollectorFixture: Sendable {
    /// The page-view model of docs/events.md.
    static let pageViews = """
        -- @kind: events
        -- @description: page views from the site
        event_name VARCHAR NOT NULL,
        page_url VARCHAR,
        user_id BIGINT,
        received_at TIMESTAMPTZ
        """

    // Written once in `init`; only its folder is used after (the tasks read `project`).
    nonisolated(unsafe) let sandbox: TemporaryProject
    let project: Project
    let collector: EventCollector
    /// The process-wide client: it needs no shutdown, so a test that throws before
    /// ``shutdown()`` fails as itself instead of crashing the test process in the client's deinit.
    var client: HTTPClient { HTTPClient.shared }

    /// Writes `models` (path → text; the page-view model by default), then starts the collector.
    init(
        models: [String: String] = ["models/raw/page_views.sql": CollectorFixture.pageViews],
        settings: CollectorSettings = CollectorSettings(port: 0)
    ) async throws {
        let sandbox = try TemporaryProject()
        for (path, text) in models { try sandbox.write(path, text) }
        self.sandbox = sandbox
        project = sandbox.project
        collector = try await EventCollector.start(project: sandbox.project, settings: settings)
    }

    /// Stops the collector.
    func shutdown() async throws {
        try await collector.stop()
    }

    /// An answer: status code and body text.
    struct Answer: Sendable {
        let status: Int
        let body: String
        /// Header fields, names lowercased.
        var headers: [String: String] = [:]
    }

    /// Sends `body` to `path` with `method` and optional header fields.
    func send(_ path: String, _ body: String = "", method: String = "POST", headers: [String: String] = [:])
        async throws -> Answer
    {
        try await send(path, bytes: Array(body.utf8), method: method, headers: headers)
    }

    /// Sends raw `bytes`.
    func send(_ path: String, bytes: [UInt8], method: String = "POST", headers: [String: String] = [:])
        async throws -> Answer
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(collector.port)\(path)")
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if method == "POST" { request.body = .bytes(ByteBuffer(bytes: bytes)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        var fields: [String: String] = [:]
        for field in response.headers { fields[field.name.lowercased()] = field.value }
        return Answer(status: Int(response.status.code), body: String(buffer: body), headers: fields)
    }

    /// Runs every model (flushing the buffer) on a thread of its own.
    @discardableResult
    func run() async throws -> [String: ModelResult] {
        let project = self.project
        return try await runBlocking {
            let summary = try Runner(project: project, session: try Session(project: project, environment: [:])).run()
            return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
        }
    }

    /// The rows of `sql`, each value as text.
    func rows(_ sql: String) async throws -> [[String]] {
        let project = self.project
        return try await runBlocking {
            try Session(project: project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
        }
    }

    /// `SELECT count(*)` of `table`.
    func count(_ table: String = "lake.raw.page_views") async throws -> Int {
        Int(try await rows("SELECT count(*) FROM \(table)").first?.first ?? "") ?? -1
    }
}
