import Foundation
import Ondatra
import OndatraEvents
import OndatraTesting
import Testing

/// The flush in `run` against buffers written directly (events the door of this version would
/// refuse, left by an older collector or one running an older declaration), and the table kept
/// in step with an edited declaration.
@Suite struct EventsFlushTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    /// Appends `lines` (one event each) to `target`'s buffer as a collector would, unchecked.
    func buffer(_ lines: [String], target: String = "raw.ev") async throws {
        let writer = try EventBufferWriter(root: EventsBuffer.root(of: sandbox.project).path)
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        try await writer.append(target: target, lines: bytes, count: lines.count)
        await writer.close()
    }

    func run() async throws -> ModelResult? {
        let project = sandbox.project
        return try await runBlocking {
            try Runner(project: project, session: try Session(project: project, environment: [:])).run().results
                .first { $0.target.description == "raw.ev" }
        }
    }

    func rows(_ sql: String) async throws -> [[String]] {
        let project = sandbox.project
        return try await runBlocking {
            try Session(project: project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
        }
    }

    @Test func eventsThatDoNotLoadAreSetAsideAndTheOthersFlushed() async throws {
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT NOT NULL,\nat TIMESTAMPTZ\n")
        _ = try await run()
        try await buffer([
            #"{"id":1,"at":"2024-02-29 10:00:00+00"}"#,
            #"{"id":2,"at":"not a time"}"#,
            #"{"id":3,"at":null}"#,
            #"{"id":null,"at":null}"#,
            #"{"id":5,"at":"2024-03-01 00:00:00+00"}"#,
        ])
        let result = try #require(try await run())
        #expect(result.status == .ok, "\(result.errors)")
        #expect(result.rowsAffected == 3)
        #expect(try await rows("SELECT id FROM lake.raw.ev ORDER BY id") == [["1"], ["3"], ["5"]])
        let warning = try #require(result.warnings.first { $0.contains("set aside") })
        #expect(warning.contains("2 buffered event(s)"))
        #expect(!warning.contains("ignore_errors"))
        let folder = EventsBuffer.root(of: sandbox.project).appending(path: "raw.ev/rejected")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1)
        let text = try String(contentsOf: folder.appending(path: files[0]), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains(#""event":{"id":2,"at":"not a time"}"#))
        #expect(lines[1].contains(#""event":{"id":null,"at":null}"#))
        // Nothing is left to flush, and nothing is flushed twice.
        let again = try #require(try await run())
        #expect(again.status == .skip && again.reason == "no buffered events")
        #expect(again.rowsAffected == 0)
        #expect(try await rows("SELECT count(*) FROM lake.raw.ev") == [["3"]])
    }

    @Test func aBadSegmentDoesNotHoldBackTheOthers() async throws {
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT\n")
        _ = try await run()
        try await buffer([#"{"id":1}"#])
        try await buffer([#"{"id":"x"}"#, #"{"id":2}"#])
        try await buffer([#"{"id":3}"#])
        let result = try #require(try await run())
        #expect(result.status == .ok, "\(result.errors)")
        #expect(try await rows("SELECT id FROM lake.raw.ev ORDER BY id") == [["1"], ["2"], ["3"]])
    }

    @Test func notNullFollowsTheDeclaration() async throws {
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT,\nname VARCHAR\n")
        _ = try await run()
        try await buffer([#"{"id":1,"name":"a"}"#, #"{"id":2,"name":null}"#])
        _ = try await run()
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT NOT NULL,\nname VARCHAR NOT NULL\n")
        let result = try #require(try await run())
        #expect(result.status == .ok, "\(result.errors)")
        let nullable = try await rows(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'ev' ORDER BY ordinal_position"
        )
        #expect(nullable == [["id", "NO"], ["name", "YES"]])
        #expect(result.warnings.contains { $0.contains("'name' is declared NOT NULL but 1 stored row(s) hold NULL") })
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT,\nname VARCHAR\n")
        _ = try await run()
        let relaxed = try await rows(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'ev' ORDER BY ordinal_position"
        )
        #expect(relaxed == [["id", "YES"], ["name", "YES"]])
    }

    @Test func aColumnNoLongerDeclaredKeepsItsValues() async throws {
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT,\nworker INTEGER\n")
        _ = try await run()
        try await buffer([#"{"id":1,"worker":7}"#])
        _ = try await run()
        try sandbox.write("models/raw/ev.sql", "-- @kind: events\nid BIGINT\n")
        let result = try #require(try await run())
        #expect(result.warnings.contains { $0.contains("'worker' is no longer declared: it is kept") })
        try await buffer([#"{"id":2}"#])
        _ = try await run()
        #expect(try await rows("SELECT id, worker FROM lake.raw.ev ORDER BY id") == [["1", "7"], ["2", "NULL"]])
        // Unchanged afterwards: no warning on every flush.
        let quiet = try #require(try await run())
        #expect(quiet.warnings.isEmpty, "\(quiet.warnings)")
    }
}
