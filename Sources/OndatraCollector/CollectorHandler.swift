import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OndatraEvents

/// Answers one request: routing, the bearer token, body limits, validation against the target's
/// declared columns and the durable append. Every answer is a ``CollectorReply``.
struct CollectorHandler: Sendable {
    let targets: LiveTargets
    let buffer: EventBufferWriter
    let metrics: CollectorMetrics
    let settings: CollectorSettings
    /// The time stamped into a declared `received_at` column.
    let now: @Sendable () -> Date
    /// Where operators read about trouble (the buffer refusing writes); stderr in the command.
    let log: CollectorLog

    /// The answer to `request`, with the CORS headers its `Origin` earns.
    func reply(to request: Request) async -> CollectorReply {
        var reply = await route(request)
        if let origin = request.headers[.origin], settings.allows(origin: origin) {
            reply.headers[.accessControlAllowOrigin] = origin
            reply.headers[.vary] = "Origin"
        }
        return reply
    }

    private func route(_ request: Request) async -> CollectorReply {
        // Percent-encoded segments (`/collect/%72aw/…`) name the same model.
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        switch (parts.first, parts.count) {
        case ("health", 1):
            guard request.method == .get || request.method == .head else { return Self.methodNotAllowed("GET") }
            return CollectorReply(status: .ok, body: #"{"status":"ok"}"#)
        case ("metrics", 1):
            guard request.method == .get || request.method == .head else { return Self.methodNotAllowed("GET") }
            if let refused = authorize(request) { return refused }
            return metricsReply()
        case ("collect", 3), ("collect", 4):
            let batch = parts.count == 4
            if batch && parts[3] != "batch" { break }
            if request.method == .options { return preflight() }
            guard request.method == .post else { return Self.methodNotAllowed("POST, OPTIONS") }
            if let refused = authorize(request) { return refused }
            if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
                return .error(
                    .unsupportedMediaType,
                    "Content-Encoding '\(encoding)' is not supported; send the JSON uncompressed")
            }
            return await collect(request, schema: parts[1], table: parts[2], batch: batch)
        default:
            break
        }
        return .error(
            .notFound,
            "no such endpoint: \(request.method.rawValue) \(request.uri.path) (POST /collect/SCHEMA/TABLE, POST /collect/SCHEMA/TABLE/batch, GET /health, GET /metrics)"
        )
    }

    private func collect(_ request: Request, schema: String, table: String, batch: Bool) async -> CollectorReply {
        let entry: CollectorTargets.Entry
        switch targets.current.lookup(schema: schema, table: table) {
        case .success(let found): entry = found
        case .failure(let reply): return reply
        }
        let limit = batch ? settings.maxBatchBody : settings.maxBody
        // Built only when needed: escaping the message on every request cost 4% of a single event.
        func tooLarge() -> CollectorReply {
            metrics.rejected(entry.key, 1)
            return .error(
                .contentTooLarge,
                "body over \(limit) bytes; \(batch ? "split the batch" : "send a smaller event")"
                    + " or start the collector with \(batch ? "--max-batch-body" : "--max-body")")
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return tooLarge()
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            return tooLarge()
        } catch {
            return .error(.badRequest, "could not read the body: \(error)")
        }
        let received = now()
        let validated: (lines: [UInt8], count: Int)
        do {
            validated = try body.withUnsafeReadableBytes { bytes -> (lines: [UInt8], count: Int) in
                if batch {
                    return try entry.validator.validateBatch(EventJSON.parseBatch(bytes), receivedAt: received)
                }
                return (try entry.validator.validate(EventJSON.parseObject(bytes), receivedAt: received), 1)
            }
        } catch {
            metrics.rejected(entry.key, 1)
            return .error(.badRequest, "\(error)")
        }
        guard validated.count > 0 else { return .accepted(0) }
        do {
            try await buffer.append(target: entry.key, lines: validated.lines, count: validated.count)
        } catch {
            metrics.unavailable(entry.key, validated.count)
            log.trouble("cannot buffer events for \(entry.target): \(error); answering 503 until it can")
            return .error(
                .serviceUnavailable, "the buffer cannot take events now (nothing was stored; retry): \(error)")
        }
        metrics.accepted(entry.key, validated.count)
        return .accepted(validated.count)
    }

    /// Nil when no token is configured or the request carries it; otherwise the 401.
    private func authorize(_ request: Request) -> CollectorReply? {
        guard let token = settings.token else { return nil }
        let given = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        if given.count > prefix.count, given.prefix(prefix.count).lowercased() == prefix.lowercased(),
            Self.constantTimeEqual(Array(given.utf8.dropFirst(prefix.count)), Array(token.utf8))
        {
            return nil
        }
        var reply = CollectorReply.error(
            .unauthorized, "missing or wrong bearer token (send Authorization: Bearer <ONDATRA_EVENTS_TOKEN>)")
        reply.headers[.wwwAuthenticate] = #"Bearer realm="ondatrasql-events""#
        return reply
    }

    private func metricsReply() -> CollectorReply {
        let current = targets.current
        let keys = current.entries.keys.sorted()
        var state: [String: (events: Int, oldest: Date?)] = [:]
        for stats in buffer.stats() where current.entries[stats.target] != nil {
            state[stats.target] = (
                stats.bufferedEvents,
                stats.oldestSegmentCreatedMillis.map { Date(timeIntervalSince1970: Double($0) / 1000) }
            )
        }
        var reply = CollectorReply(
            status: .ok, body: metrics.exposition(targets: keys, buffer: state, now: now()))
        reply.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return reply
    }

    /// The answer to a CORS preflight: which methods and headers a page may send. Whether the
    /// page's origin may read the answer is added by ``reply(to:)`` (`--allow-origin`).
    private func preflight() -> CollectorReply {
        var reply = CollectorReply(status: .noContent, body: "")
        reply.headers[.accessControlAllowMethods] = "POST, OPTIONS"
        reply.headers[.accessControlAllowHeaders] = "Content-Type, Authorization"
        reply.headers[.accessControlMaxAge] = "86400"
        reply.headers[.allow] = "POST, OPTIONS"
        return reply
    }

    private static func methodNotAllowed(_ allowed: String) -> CollectorReply {
        var reply = CollectorReply.error(.methodNotAllowed, "use \(allowed)")
        reply.headers[.allow] = allowed
        return reply
    }

    /// Compares without leaking, through timing, how much of a guessed token was right.
    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

/// How the collector is configured.
public struct CollectorSettings: Sendable {
    /// The address to bind; loopback unless asked otherwise.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// The largest single-event body, in bytes (1 MiB by default).
    public var maxBody: Int
    /// The largest batch body, in bytes (10 MiB by default).
    public var maxBatchBody: Int
    /// The bearer token requests must carry (`ONDATRA_EVENTS_TOKEN`); nil: no auth.
    public var token: String?
    /// Origins whose pages may post events from a browser (CORS); `*` allows any.
    public var allowedOrigins: [String] = []
    /// How long a stop waits for requests in flight before closing their connections.
    public var shutdownGrace: Duration = .seconds(10)
    /// How long a connection may send nothing before it is closed.
    public var idleTimeout: Duration = .seconds(30)

    /// Whether a page from `origin` may read the collector's answers.
    func allows(origin: String) -> Bool {
        allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }

    /// Creates settings with the spec's defaults.
    public init(
        host: String = "127.0.0.1", port: Int, maxBody: Int = 1 << 20, maxBatchBody: Int = 10 << 20,
        token: String? = nil
    ) {
        self.host = host
        self.port = port
        self.maxBody = maxBody
        self.maxBatchBody = maxBatchBody
        self.token = token
    }
}
