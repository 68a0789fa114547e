import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An HTTP server on loopback for tests of lib functions and Starlark models: each request goes
/// to a handler the test writes (paged endpoints, auth checks, 429s, slow or malformed answers),
/// and every request is recorded.
///
/// ```swift
/// let server = try await TestHTTPServer.start { request in
///     .json(#"{"ok": true}"#)
/// }
/// defer { server.stop() }
/// ```
///
/// Starlark's `http` calls block their thread; run them with ``runBlocking(_:)`` so they do not
/// hold a thread the server's handlers need.
public final class TestHTTPServer: Sendable {
    /// A request as the handler and the log see it.
    public struct Request: Sendable {
        /// `GET`, `POST`, …
        public let method: String
        /// The path, without the query.
        public let path: String
        /// Query parameters, decoded; a repeated name keeps its last value.
        public let query: [String: String]
        /// Header fields, names lowercased.
        public let headers: [String: String]
        /// The body as text.
        public let body: String
    }

    /// What the handler answers.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Header fields to send.
        public var headers: [String: String]
        /// The body.
        public var body: String
        /// How long to wait before answering.
        public var delay: Duration?

        /// Creates a response.
        public init(status: Int = 200, headers: [String: String] = [:], body: String = "", delay: Duration? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        /// A JSON body with its content type.
        public static func json(_ body: String, status: Int = 200, headers: [String: String] = [:]) -> Response {
            Response(
                status: status, headers: headers.merging(["Content-Type": "application/json"]) { own, _ in own },
                body: body)
        }
    }

    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    private let log = Mutex<[Request]>([])
    private let group = Mutex<ServiceGroup?>(nil)

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in arrival order.
    public var requests: [Request] { log.withLock { $0 } }

    private init(port: Int) {
        self.port = port
    }

    /// Starts a server on a free port and returns once it accepts connections.
    public static func start(_ handler: @escaping @Sendable (Request) async -> Response) async throws -> TestHTTPServer
    {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let box = Mutex<TestHTTPServer?>(nil)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 << 20)
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Request(
                method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                body: String(buffer: body))
            box.withLock { $0 }?.log.withLock { $0.append(received) }
            let answer = await handler(received)
            if let delay = answer.delay { try? await Task.sleep(for: delay) }
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { fields[field] = value }
            }
            return Hummingbird.Response(
                status: .init(code: answer.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let logger = Logger(label: "TestHTTPServer", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        let running = Task {
            defer { continuation.finish() }
            try await services.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            running.cancel()
            throw CancellationError()
        }
        let server = TestHTTPServer(port: port)
        box.withLock { $0 = server }
        server.group.withLock { $0 = services }
        return server
    }

    /// Stops the server: it takes no new connections and closes once requests in flight are answered.
    public func stop() {
        guard let services = group.withLock({ $0 }) else { return }
        Task { await services.triggerGracefulShutdown() }
    }
}

/// Runs `body` on a thread of its own and waits for it without blocking a concurrency thread:
/// for synchronous code that waits on the network (Starlark's `http`) inside async tests.
public func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Swift.Result { try body() })
        }
        thread.start()
    }
}
