import ArgumentParser
import Foundation
import Ondatra
import OndatraCollector
import Synchronization

/// `ondatrasql events PORT`: the collection endpoint for `events` models.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Accept JSON events over HTTP for the project's @kind: events models.",
        discussion: """
            POST /collect/SCHEMA/TABLE (one JSON object) or /collect/SCHEMA/TABLE/batch (a JSON array,
            all or nothing); GET /health; GET /metrics (Prometheus). An event is answered 202 once it is
            validated against the model's columns and fsync'd into .ondatra/events/; `ondatrasql run`
            moves buffered events into the table, exactly once, while this keeps accepting. With
            ONDATRA_EVENTS_TOKEN set (environment or .env), requests need Authorization: Bearer TOKEN.
            SIGTERM or Ctrl-C stops accepting, answers requests in flight and syncs the buffer.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The port to listen on (0: any free port, printed at start).")
    var port: Int

    @Option(help: ArgumentHelp("The address to bind (0.0.0.0 for every interface).", valueName: "ADDR"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The largest single-event body, in bytes.", valueName: "BYTES"))
    var maxBody = 1 << 20

    @Option(help: ArgumentHelp("The largest batch body, in bytes.", valueName: "BYTES"))
    var maxBatchBody = 10 << 20

    @Option(
        name: .customLong("allow-origin"),
        help: ArgumentHelp(
            "An origin whose web pages may post events (CORS), e.g. https://example.com; repeatable; * for any.",
            valueName: "ORIGIN"))
    var allowedOrigins: [String] = []

    @Flag(help: "Print the start and stop as one JSON object per line (host, port, targets) instead of text.")
    var json = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("PORT must be 0 to 65535, got \(port)") }
        guard maxBody > 0, maxBatchBody > 0 else { throw ValidationError("body limits must be positive") }
    }

    func run() throws {
        let project = try global.resolveProject()
        let dotEnv = try DotEnv.load(from: project.root)
        // An empty value in the environment does not switch off a token `.env` sets.
        let token = [ProcessInfo.processInfo.environment["ONDATRA_EVENTS_TOKEN"], dotEnv["ONDATRA_EVENTS_TOKEN"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        var configured = CollectorSettings(
            host: host, port: port, maxBody: maxBody, maxBatchBody: maxBatchBody, token: token)
        configured.allowedOrigins = allowedOrigins
        let settings = configured
        let log = CollectorLog { line in FileHandle.standardError.write(Data(("events: " + line + "\n").utf8)) }
        // The server runs on Swift concurrency; this thread only waits for it to stop.
        let outcome = blockingWait {
            let collector = try await EventCollector.start(
                project: project, settings: settings, stopOnSignals: true, log: log)
            for problem in collector.brokenModels {
                FileHandle.standardError.write(Data("warning: refusing events until fixed: \(problem)\n".utf8))
            }
            let shownHost = collector.host.contains(":") ? "[\(collector.host)]" : collector.host
            if json {
                let started: [String: JSONValue] = [
                    "event": .string("listening"), "host": .string(collector.host),
                    "port": .int(Int64(collector.port)), "url": .string("http://\(shownHost):\(collector.port)"),
                    "targets": .array(collector.targets.map { .string($0) }), "token_required": .bool(token != nil),
                ]
                say(JSONValue.object(started).text)
            } else {
                let names =
                    collector.targets.isEmpty ? "no events models yet" : collector.targets.joined(separator: ", ")
                say(
                    "Collecting events on http://\(shownHost):\(collector.port) for \(names)"
                        + (token == nil ? "" : " (bearer token required)"))
                say("Buffer: .ondatra/events/ (flushed by `ondatrasql run`). Ctrl-C to stop.")
            }
            try await collector.wait()
        }
        if case .failure(let error) = outcome { throw error }
        say(json ? #"{"event":"stopped"}"# : "Stopped; every accepted event is in the buffer.")
    }
}

/// Writes `line` to stdout at once: scripts and supervisors read the port from the first line,
/// so it must not wait in a buffer.
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Runs `body` on Swift concurrency and blocks the calling thread (the main thread, not a
/// concurrency thread) until it finishes.
private func blockingWait(_ body: @escaping @Sendable () async throws -> Void) -> Result<Void, any Error> {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox()
    Task {
        do {
            try await body()
            box.result.withLock { $0 = .success(()) }
        } catch {
            box.result.withLock { $0 = .failure(error) }
        }
        done.signal()
    }
    done.wait()
    return box.result.withLock { $0 }
}

/// Carries a task's result to the waiting thread.
private final class ResultBox: Sendable {
    let result = Mutex<Result<Void, any Error>>(.success(()))
}
