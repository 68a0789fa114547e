import DuckDB
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Ondatra
import OndatraEvents
import ServiceLifecycle
import Synchronization

/// `ondatrasql events PORT`: an HTTP server that accepts JSON events for the project's `events`
/// models, validates each against the model's declared columns and answers `202` only once it is
/// durably in the buffer under `.ondatra/events/` (see docs/events.md). It never opens the
/// catalog and never takes the project's run lock, so `run` flushes while it keeps accepting.
public final class EventCollector: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The address it listens on.
    public let host: String
    /// The `events` models it accepted when it started, as `schema.table`, sorted.
    public let targets: [String]
    /// Events models whose declarations do not parse, with the error: refused until fixed.
    public let brokenModels: [String]
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let buffer: EventBufferWriter

    private init(
        port: Int, host: String, targets: CollectorTargets, group: ServiceGroup, running: Task<Void, any Error>,
        buffer: EventBufferWriter
    ) {
        self.port = port
        self.host = host
        self.targets = targets.names
        self.brokenModels = targets.broken.values.sorted()
        self.group = group
        self.running = running
        self.buffer = buffer
    }

    /// Reads the project's events models, opens the buffer and starts listening; returns once it
    /// accepts connections.
    /// - Parameters:
    ///   - stopOnSignals: stop gracefully on SIGTERM and SIGINT (the command does; tests do not).
    ///   - log: where trouble is reported (a buffer refusing writes, models reloaded).
    /// - Throws: ``OndatraError`` when the models cannot be read or the address cannot be bound.
    public static func start(
        project: Project, settings: CollectorSettings, stopOnSignals: Bool = false, log: CollectorLog = .silent,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> EventCollector {
        let checker = try OtherTypeChecker()
        let targets = try LiveTargets(project: project) { value, type in checker.check(value, as: type) }
        let buffer: EventBufferWriter
        do {
            buffer = try EventBufferWriter(root: EventsBuffer.root(of: project).path)
        } catch {
            throw OndatraError(.io, "could not open the event buffer: \(error)")
        }
        let handler = CollectorHandler(
            targets: targets, buffer: buffer, metrics: CollectorMetrics(), settings: settings, now: now, log: log)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let reply = await handler.reply(to: request)
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            for (name, value) in reply.headers { fields[name] = value }
            return Response(
                status: reply.status, headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body + "\n")))
        }
        let logger = Logger(label: "ondatrasql.events", factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            responder: responder,
            // A client that sends half a request and stops holds a connection (and a stop) only this long.
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(settings.idleTimeout.wholeNanoseconds))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "ondatrasql"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        // Requests in flight get this long to finish; then their connections are closed.
        configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
        let group = ServiceGroup(configuration: configuration)
        let reloading = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                if let change = targets.refresh() { log.trouble(change) }
            }
        }
        let running = Task {
            defer { continuation.finish() }
            defer { reloading.cancel() }
            // Requests in flight are answered before `run` returns; then the buffer is sealed and synced.
            let outcome: Result<Void, any Error>
            do {
                try await group.run()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await buffer.close()
            try outcome.get()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            // The server stopped before it listened: report why.
            do {
                try await running.value
            } catch {
                let text = "\(error)"
                if text.contains("Address already in use") {
                    throw OndatraError(
                        .io,
                        "port \(settings.port) on \(settings.host) is already in use by another process; "
                            + "choose another PORT (0 picks a free one)")
                }
                throw OndatraError(.io, "could not listen on \(settings.host):\(settings.port): \(text)")
            }
            throw OndatraError(.io, "could not listen on \(settings.host):\(settings.port)")
        }
        return EventCollector(
            port: bound, host: settings.host, targets: targets.current, group: group, running: running, buffer: buffer)
    }

    /// Waits until the collector has stopped (a signal, or ``stop()``) and its buffer is synced.
    public func wait() async throws {
        try await running.value
    }

    /// Stops taking connections, answers the requests in flight, then seals and syncs the buffer.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

/// Checks a value of a type the validator does not know natively (STRUCT, MAP, GEOMETRY) by
/// asking DuckDB to cast it, on an in-memory database of its own: the
/// collector never opens the project's catalog.
final class OtherTypeChecker: Sendable {
    private let connection: Mutex<Connection>

    init() throws {
        let database = try Database(options: ["autoinstall_known_extensions": "false"])
        connection = Mutex(try database.connect())
    }

    /// Nil when DuckDB casts `json` to `type`; otherwise why not (DuckDB's first line, without
    /// the query it ran).
    func check(_ json: String, as type: String) -> String? {
        connection.withLock { connection in
            do {
                let literal = "'" + json.replacingOccurrences(of: "'", with: "''") + "'"
                _ = try connection.query("SELECT CAST(\(literal)::JSON AS \(type))").allRows()
                return nil
            } catch let error as DuckDBError {
                let first = error.message.split(separator: "\n").first.map(String.init) ?? error.message
                return "cannot be read as \(type): \(first)"
            } catch {
                return "cannot be read as \(type)"
            }
        }
    }
}

extension Duration {
    /// The duration in nanoseconds, for NIO's `TimeAmount`.
    fileprivate var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
