import Foundation
import Ondatra
import OndatraEvents
import OndatraStarlark
import OndatraSync
import OndatraTesting
import Synchronization
import Testing

/// `sandbox` with `@sink` and `events` models: it says what would be pushed and how many events
/// wait, and pushes nothing, flushes nothing and leaves the real queue as it was.
@Suite struct SyncSandboxTests {
    /// Runs every model in a sandbox with the Starlark host, as `ondatrasql sandbox` does.
    private func sandboxRun(_ project: Project) async throws -> [String: (ModelResult, SandboxChanges?)] {
        try await runBlocking {
            let sandbox = try Sandbox(project: project, environment: [:])
            defer { sandbox.remove() }
            let session = try sandbox.context.makeSession()
            let host = try StarlarkHost(project: project) { _ in }
            let runner = Runner(project: project, session: session, scripts: host)
            sandbox.confine(runner)
            let measure = try SandboxMeasure(
                sandbox: sandbox, session: session, models: ModelDiscovery.models(in: project))
            let seen = Mutex<[String: (ModelResult, SandboxChanges?)]>([:])
            runner.onResult = { result in
                let changes = measure.changes(of: result)
                seen.withLock { $0[result.target.description] = (result, changes) }
            }
            _ = try runner.run()
            return seen.withLock { $0 }
        }
    }

    @Test func wouldPushCountsByChangeTypeAndNothingIsPushed() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/crm.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        let model = "-- @kind: tracked\n-- @unique_key: id\n-- @sink: crm\n"
        try fixture.write(
            "models/mart/people.sql", model + "SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) v(id, name)")
        let first = try await fixture.run()
        #expect(first.results["mart.people"]?.sync?.hasFailures == false)
        let requests = fixture.server.requests.count
        let watermark = try fixture.store().watermark(of: "mart.people")
        try fixture.write(
            "models/mart/people.sql", model + "SELECT * FROM (VALUES (1, 'a'), (2, 'B'), (4, 'd')) v(id, name)")
        let results = try await sandboxRun(fixture.project)
        let changes = try #require(results["mart.people"]?.1)
        #expect((changes.inserted, changes.updated, changes.deleted) == (1, 1, 1), "\(changes)")
        // A tracked model replaces a changed group: its push gets a delete and an insert for it.
        #expect(changes.wouldPush == ["insert": 2, "delete": 2], "\(changes)")
        #expect(changes.pushLine == "would push 2 delete, 2 insert")
        // Nothing reached the API, and the real queue did not move.
        #expect(fixture.server.requests.count == requests)
        #expect(try fixture.store().watermark(of: "mart.people") == watermark)
        #expect(try fixture.store().pendingChangeTypes(of: "mart.people").values.reduce(0, +) == 0)
        // The real run afterwards pushes exactly those four.
        let real = try await fixture.run()
        #expect(real.results["mart.people"]?.sync?.ok == 4, "\(String(describing: real.results["mart.people"]?.sync))")
    }

    @Test func bufferedEventsStayInTheBufferAndAreCounted() async throws {
        let temporary = try TemporaryProject()
        let project = temporary.project
        try temporary.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT NOT NULL\n")
        let writer = try EventBufferWriter(root: EventsBuffer.root(of: project).path)
        try await writer.append(target: "raw.ev", lines: Array("{\"id\":1}\n{\"id\":2}\n".utf8), count: 2)
        await writer.close()
        let results = try await sandboxRun(project)
        let result = try #require(results["raw.ev"]?.0)
        #expect(result.status == .skip)
        #expect(result.reason == "2 buffered event(s) left in the buffer")
        #expect(try EventBufferReader(root: EventsBuffer.root(of: project).path).waiting(target: "raw.ev") == (2, 18))
    }
}
