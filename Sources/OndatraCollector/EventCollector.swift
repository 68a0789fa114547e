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
    /// The `events` models it accepts, as `schema.table`, sorted.
    public let targets: [String]
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let buffer: EventBufferWriter

    private init(
        port: Int, host: String, targets: [String], group: ServiceGroup, running: Task<Void, any Error>,
        buffer: EventBufferWriter
    ) {
        self.port = port
        self.host = host
        self.targets = targets
        self.group = group
        self.running = running
        self.buffer = buffer
    }

    /// Reads the project's events models, opens the buffer and starts listening; returns once it
    /// accepts connections.
    /// - Parameter stopOnSignals: stop gracefully on SIGTERM and SIGINT (the command does; tests do not).
    /// - Throws: ``OndatraError`` for a bad events declaration, or when the address cannot be bound.
    public static func start(
        project: Project, settings: CollectorSettings, stopOnSignals: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> EventCollector {
        let checker = try OtherTypeChecker()
        let targets = try CollectorTargets(project: project) { value, type in checker.check(value, as: type) }
        let buffer: EventBufferWriter
        do {
            buffer = try EventBufferWriter(root: EventsBuffer.root(of: project).path)
        } catch {
            throw OndatraError(.io, "could not open the event buffer: \(error)")
        }
        let handler = CollectorHandler(
            targets: targets, buffer: buffer, metrics: CollectorMetrics(), settings: settings, now: now)
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
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "ondatrasql"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [application], gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        let running = Task {
            defer { continuation.finish() }
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
                throw OndatraError(.io, "could not listen on \(settings.host):\(settings.port): \(error)")
            }
            throw OndatraError(.io, "could not listen on \(settings.host):\(settings.port)")
        }
        return EventCollector(
            port: bound, host: settings.host, targets: targets.entries.values.map(\.target.description).sorted(),
            group: group, running: running, buffer: buffer)
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

/// Checks a value of a type the validator does not know natively (STRUCT, MAP, UNION, ENUM,
/// fixed-size arrays) by asking DuckDB to cast it, on an in-memory database of its own: the
/// collector never opens the project's catalog.
final class OtherTypeChecker: Sendable {
    private let connection: Mutex<Connection>

    init() throws {
        let database = try Database(options: ["autoinstall_known_extensions": "false"])
        connection = Mutex(try database.connect())
    }

    /// Nil when DuckDB casts `json` to `type`; otherwise why not.
    func check(_ json: String, as type: String) -> String? {
        connection.withLock { connection in
            do {
                let literal = "'" + json.replacingOccurrences(of: "'", with: "''") + "'"
                _ = try connection.query("SELECT CAST(\(literal)::JSON AS \(type))").allRows()
                return nil
            } catch let error as DuckDBError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
    }
}
