import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The sync benchmark's loopback server: every tool (ondatrasql, dlt, wrk) POSTs JSON arrays of
/// rows to it. Each request's body is read in full and its rows counted (the objects at the
/// array's top level); the answer is 200 with `{"received": N}`. Nothing else is kept but the
/// counts per path and the first body each path received, so memory stays flat under `wrk`.
///
/// It is a Hummingbird (SwiftNIO) server in the benchmark's own process: the same server for all
/// three clients, fast enough not to be what a client waits on (wrk measures how fast), and with no
/// Python or other runtime of its own to set up.
final class CountingServer: Sendable {
    /// What one path received.
    struct Counts: Sendable {
        var requests = 0
        var rows = 0
        var bytes = 0
        /// The first body received, as sent.
        var sample: [UInt8]?
    }

    /// The port it listens on, on 127.0.0.1.
    let port: Int
    private let ledger: Ledger
    private let group: ServiceGroup

    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, ledger: Ledger, group: ServiceGroup) {
        self.port = port
        self.ledger = ledger
        self.group = group
    }

    /// What `path` has received so far.
    func counts(_ path: String) -> Counts { ledger.counts.withLock { $0[path] ?? Counts() } }

    /// Every path's counts so far.
    func allCounts() -> [String: Counts] { ledger.counts.withLock { $0 } }

    /// Starts the server on `port` (0: a free one) and returns once it accepts connections.
    static func start(port: Int = 0) async throws -> CountingServer {
        let ledger = Ledger()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 256 << 20)
            let rows = body.withUnsafeReadableBytes { Self.topLevelObjects($0) }
            let path = request.uri.path
            ledger.counts.withLock { counts in
                var entry = counts[path] ?? Counts()
                entry.requests += 1
                entry.rows += rows
                entry.bytes += body.readableBytes
                if entry.sample == nil { entry.sample = Array(buffer: body) }
                counts[path] = entry
            }
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            return Response(
                status: .ok, headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"received": \#(rows)}"#)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "CountingServer", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        let running = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            running.cancel()
            throw CancellationError()
        }
        return CountingServer(port: bound, ledger: ledger, group: group)
    }

    /// Stops the server.
    func stop() {
        let group = group
        Task { await group.triggerGracefulShutdown() }
    }

    /// The number of objects at the top level of a JSON array (`[{…}, {…}]` → 2): a byte scan
    /// that follows nesting and skips strings.
    static func topLevelObjects(_ bytes: UnsafeRawBufferPointer) -> Int {
        var depth = 0
        var objects = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"):
                if depth == 1 { objects += 1 }
                depth += 1
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return objects
    }

    /// The counts, shared with the responder's closure.
    private final class Ledger: Sendable {
        let counts = Mutex<[String: Counts]>([:])
    }
}
