import AsyncHTTPClient
import Foundation
import NIOCore
import OndatraTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The events collector and flush as real processes, killed for real: every event answered 202
/// reaches DuckLake exactly once, whatever is killed when.
@Suite(.serialized) struct EventsCrashTests {
    /// A project with `raw.page_views(event_name, user_id, received_at)`.
    final class EventsProject: @unchecked Sendable {
        // @unchecked: `sandbox` is written once in `init`; tests only read its folder.
        let sandbox: TemporaryProject
        var root: URL { sandbox.directory.url }

        init() throws {
            sandbox = try TemporaryProject()
            try sandbox.write(
                "models/raw/page_views.sql",
                "-- @kind: events\nevent_name VARCHAR NOT NULL,\nuser_id BIGINT,\nreceived_at TIMESTAMPTZ\n")
        }

        /// Starts `ondatrasql events 0 --json` and returns it with its port.
        func startCollector(sourceLocation: SourceLocation = #_sourceLocation) async throws -> (Subprocess, Int) {
            let collector = try Subprocess(
                arguments: ["events", "0", "--json", "--project", root.path], environment: [:])
            _ = try await collector.wait(until: { collector.stdoutSoFar.contains("\n") }, limit: .seconds(120))
            let first = collector.stdoutSoFar.split(separator: "\n").first.map(String.init) ?? ""
            let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            let port = try #require(
                (object?["port"] as? NSNumber)?.intValue, "no port in '\(first)'", sourceLocation: sourceLocation)
            return (collector, port)
        }

        /// `ondatrasql run` with `environment`.
        func run(environment: [String: String] = [:]) async throws -> Subprocess.Exit {
            try await Subprocess(arguments: ["run", "--project", root.path], environment: environment).exit()
        }

        /// Every stored `user_id`, sorted (an id stored twice shows twice).
        func storedIDs(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Int] {
            let exit = try await Subprocess(
                arguments: [
                    "sql", "SELECT user_id FROM raw.page_views ORDER BY user_id", "--format", "json", "--project",
                    root.path,
                ], environment: [:]
            ).exit()
            #expect(exit.status == 0, "\(exit)", sourceLocation: sourceLocation)
            let rows = try JSONSerialization.jsonObject(with: Data(exit.stdout.utf8)) as? [[String: Any]] ?? []
            return rows.map { ($0["user_id"] as? NSNumber)?.intValue ?? -1 }
        }
    }

    /// Posts events with ids `ids` to `port`, one per request, `clients` at a time; returns the
    /// ids answered 202. Stops quietly when the collector goes away.
    static func post(_ ids: [Int], port: Int, clients: Int, client: HTTPClient) async -> [Int] {
        let next = Ticket()
        return await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var accepted: [Int] = []
                    while true {
                        let index = next.take()
                        guard index < ids.count else { return accepted }
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/collect/raw/page_views")
                        request.method = .POST
                        request.body = .bytes(ByteBuffer(string: #"{"event_name": "view", "user_id": \#(ids[index])}"#))
                        guard let response = try? await client.execute(request, timeout: .seconds(30)) else {
                            return accepted
                        }
                        _ = try? await response.body.collect(upTo: 1 << 16)
                        if response.status.code == 202 { accepted.append(ids[index]) }
                    }
                }
            }
            var all: [Int] = []
            for await ids in group { all += ids }
            return all
        }
    }

    /// Hands out 0, 1, 2, … to concurrent posters.
    final class Ticket: Sendable {
        private let value = Mutex(0)
        func take() -> Int {
            value.withLock { current in
                defer { current += 1 }
                return current
            }
        }
    }

    @Test func everyAcknowledgedEventSurvivesAKillOfTheCollectorUnderLoad() async throws {
        let project = try EventsProject()
        let client = HTTPClient.shared
        let (collector, port) = try await project.startCollector()
        let posting = Task { await Self.post(Array(1...5_000), port: port, clients: 16, client: client) }
        // Kill it mid-stream, once its buffer exists and events are flowing.
        let bufferExists = try await collector.wait(
            until: {
                FileManager.default.fileExists(
                    atPath: project.root.appending(path: ".ondatra/events/raw.page_views").path)
            }, limit: .seconds(120))
        #expect(bufferExists)
        try await Task.sleep(for: .milliseconds(300))
        collector.send(SIGKILL)
        let exit = try await collector.exit()
        #expect(exit.killed)
        let accepted = await posting.value
        #expect(!accepted.isEmpty)

        let run = try await project.run()
        #expect(run.status == 0, "\(run)")
        let stored = try await project.storedIDs()
        // Each acknowledged id exactly once; an id sent but never answered (in flight at the kill) at most once.
        #expect(Set(stored).count == stored.count, "an event was stored twice")
        #expect(Set(accepted).isSubset(of: Set(stored)), "acknowledged events are missing")
        // A second run finds nothing more.
        #expect(try await project.run().status == 0)
        #expect(try await project.storedIDs() == stored)
    }

    @Test(arguments: ["mid-flush", "after-flush-commit"])
    func aFlushKilledAtAnyPointIsCompletedByTheNextWithoutDuplicates(fault: String) async throws {
        let project = try EventsProject()
        let client = HTTPClient.shared
        let (collector, port) = try await project.startCollector()
        let accepted = await Self.post(Array(1...300), port: port, clients: 4, client: client)
        #expect(accepted.count == 300)
        // The collector keeps running during the flushes: the buffer is shared.
        let killed = try await project.run(environment: ["ONDATRA_FAULT": fault])
        #expect(killed.killed, "\(killed)")
        #expect(killed.stderr.contains("ONDATRA_FAULT: killed at \(fault)"))
        let more = await Self.post(Array(301...400), port: port, clients: 4, client: client)
        #expect(more.count == 100)
        let clean = try await project.run()
        #expect(clean.status == 0, "\(clean)")
        #expect(try await project.storedIDs() == Array(1...400))
        collector.send(SIGTERM)
        #expect(try await collector.exit().status == 0)
    }

    @Test func sigtermAnswersWhatIsInFlightThenStops() async throws {
        let project = try EventsProject()
        let client = HTTPClient.shared
        let (collector, port) = try await project.startCollector()
        let posting = Task { await Self.post(Array(1...2_000), port: port, clients: 8, client: client) }
        try await Task.sleep(for: .milliseconds(300))
        collector.send(SIGTERM)
        let exit = try await collector.exit()
        #expect(exit.status == 0 && !exit.signaled, "\(exit)")
        #expect(exit.stdout.contains(#"{"event":"stopped"}"#))
        let accepted = await posting.value
        #expect(try await project.run().status == 0)
        let stored = try await project.storedIDs()
        #expect(Set(stored).count == stored.count)
        #expect(Set(accepted).isSubset(of: Set(stored)))
    }

    @Test func eventsBufferedForAModelThatIsGoneAreNamedByRun() async throws {
        let project = try EventsProject()
        let client = HTTPClient.shared
        let (collector, port) = try await project.startCollector()
        #expect(await Self.post([1, 2], port: port, clients: 1, client: client).count == 2)
        collector.send(SIGTERM)
        #expect(try await collector.exit().status == 0)
        try FileManager.default.moveItem(
            at: project.root.appending(path: "models/raw/page_views.sql"),
            to: project.root.appending(path: "models/raw/views.sql"))
        let run = try await project.run()
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains(".ondatra/events/raw.page_views/ holds buffered events"), "\(run)")
    }

    @Test func aSecondCollectorOnTheSameProjectSaysWhoHoldsTheBuffer() async throws {
        let project = try EventsProject()
        let (first, _) = try await project.startCollector()
        let second = try await Subprocess(
            arguments: ["events", "0", "--project", project.root.path], environment: [:]
        ).exit(limit: .seconds(120))
        #expect(second.status != 0)
        #expect(second.stderr.contains("another collector"), "\(second)")
        first.send(SIGTERM)
        #expect(try await first.exit().status == 0)
    }
}
