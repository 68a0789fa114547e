import Foundation
import Ondatra
import OndatraStarlark
import OndatraSync
import OndatraTesting
import RateLimit
import Synchronization

/// A project with `@sink` models and a loopback server recording what they push.
final class SyncFixture {
    let sandbox: TemporaryProject
    let server: TestHTTPServer
    var project: Project { sandbox.project }
    /// How the server answers, changeable between runs.
    private let shared: Shared

    init(answer: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Response = { _ in .json("{}") })
        async throws
    {
        sandbox = try TemporaryProject()
        let shared = Shared(answer)
        server = try await TestHTTPServer.start { request in shared.answer(request) }
        self.shared = shared
    }

    /// Holds the answer where the server's handler can read it.
    private final class Shared: Sendable {
        let box: Mutex<@Sendable (TestHTTPServer.Request) -> TestHTTPServer.Response>
        init(_ answer: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Response) { box = Mutex(answer) }
        func answer(_ request: TestHTTPServer.Request) -> TestHTTPServer.Response { box.withLock { $0 }(request) }
    }

    /// Changes how the server answers from now on.
    func answer(_ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Response) {
        shared.box.withLock { $0 = handler }
    }

    deinit { server.stop() }

    func write(_ path: String, _ text: String) throws { try sandbox.write(path, text) }

    /// Runs every model with the Starlark host; returns the results by target and what scripts printed.
    func run(
        environment: [String: String] = [:], clock: (any RuntimeClock)? = nil, push: Bool = true,
        selection: [Target] = [], fullRefresh: Bool = false
    ) async throws -> (results: [String: ModelResult], printed: [String]) {
        let project = self.project
        return try await runBlocking {
            let printed = Mutex<[String]>([])
            let session = try Session(project: project, environment: environment)
            let host = try StarlarkHost(project: project, clock: clock ?? SystemClock()) { line in
                printed.withLock { $0.append(line) }
            }
            let runner = Runner(project: project, session: session, scripts: host)
            runner.syncOptions.push = push
            if let clock { runner.syncOptions.clock = clock }
            let summary = try runner.run(selection: selection, fullRefresh: fullRefresh)
            let results = Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
            return (results, printed.withLock { $0 })
        }
    }

    /// The project's delivery store.
    func store() throws -> SQLiteDeliveryStore {
        try SQLiteDeliveryStore(path: Runner.deliveryStorePath(project))
    }

    /// The JSON bodies the server received on `path`, decoded.
    func bodies(_ path: String) -> [Any] {
        server.requests.filter { $0.path == path }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.body.utf8), options: [.fragmentsAllowed])
        }
    }

    /// A lib that posts each batch to `/batch` as a list of `{id, ct, …}` and reports every row `ok`.
    static func recordingLib(url: String, batchSize: Int = 100, extra: String = "") -> String {
        """
        API = {"base_url": "\(url)", "push": {"batch_size": \(batchSize)\(extra)}}

        def push(rows):
            http.post("/batch", json=[{k: v for k, v in r.items()} for r in rows]).raise_for_status()
            return {str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]: "ok" for r in rows}
        """
    }
}
