import AsyncHTTPClient
import Foundation
import OndatraCollector
import Testing

/// The collector over real HTTP on loopback: each status code of docs/events.md, then flushed by
/// a real run.
@Suite struct CollectorHTTPTests {
    @Test func aValidEventIsAcceptedThenFlushedWithItsReceiveTime() async throws {
        let fixture = try await CollectorFixture()
        let answer = try await fixture.send(
            "/collect/raw/page_views", #"{"event_name": "view", "page_url": "/ä?q=\"x\"", "user_id": 42}"#)
        #expect(answer.status == 202)
        #expect(answer.body.contains(#""accepted":1"#))
        let results = try await fixture.run()
        #expect(results["raw.page_views"]?.rowsAffected == 1)
        let rows = try await fixture.rows(
            "SELECT event_name, page_url, user_id, received_at IS NOT NULL FROM lake.raw.page_views")
        #expect(rows == [["view", #"/ä?q="x""#, "42", "true"]])
        // Flushed once: a second run inserts nothing.
        let again = try await fixture.run()
        #expect(again["raw.page_views"]?.rowsAffected == 0)
        #expect(try await fixture.count() == 1)
        try await fixture.shutdown()
    }

    @Test func aClientsOwnReceiveTimeIsKept() async throws {
        let fixture = try await CollectorFixture()
        let answer = try await fixture.send(
            "/collect/raw/page_views", #"{"event_name": "view", "received_at": "2024-02-29T10:00:00Z"}"#)
        #expect(answer.status == 202)
        try await fixture.run()
        let rows = try await fixture.rows(
            "SELECT strftime(received_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM lake.raw.page_views")
        #expect(rows == [["2024-02-29 10:00:00"]])
        try await fixture.shutdown()
    }

    @Test(arguments: [
        (#"{"page_url": "/"}"#, "event_name"),
        (#"{"event_name": null}"#, "event_name"),
        (#"{"event_name": "v", "user_id": "abc"}"#, "user_id"),
        (#"{"event_name": "v", "user_id": 1.5}"#, "user_id"),
        (#"{"event_name": "v", "evnt": 1}"#, "evnt"),
        (#"{"event_name": "v", "received_at": "2024-02-30T00:00:00Z"}"#, "received_at"),
    ])
    func anInvalidEventIsA400NamingTheField(body: String, field: String) async throws {
        let fixture = try await CollectorFixture()
        let answer = try await fixture.send("/collect/raw/page_views", body)
        #expect(answer.status == 400)
        let quoted = "'" + field + "'"
        #expect(answer.body.contains(quoted), "\(answer.body)")
        try await fixture.run()
        #expect(try await fixture.count() == 0)
        try await fixture.shutdown()
    }

    @Test func brokenJSONSaysWhichByte() async throws {
        let fixture = try await CollectorFixture()
        let answer = try await fixture.send("/collect/raw/page_views", #"{"event_name": "v",}"#)
        #expect(answer.status == 400)
        #expect(answer.body.contains("invalid JSON at byte 19"), Comment(rawValue: answer.body))
        let binary = try await fixture.send(
            "/collect/raw/page_views", bytes: Array(#"{"event_name": ""#.utf8) + [0xFF, 0x22, 0x7D])
        #expect(binary.status == 400)
        let empty = try await fixture.send("/collect/raw/page_views", "")
        #expect(empty.status == 400)
        try await fixture.shutdown()
    }

    @Test func unknownTargetsAndOtherKindsAre404() async throws {
        let fixture = try await CollectorFixture(models: [
            "models/raw/page_views.sql": CollectorFixture.pageViews,
            "models/mart/daily.sql": "SELECT 1 AS n",
        ])
        let unknown = try await fixture.send("/collect/raw/clicks", #"{"a": 1}"#)
        #expect(unknown.status == 404)
        #expect(unknown.body.contains("raw.page_views"))
        let other = try await fixture.send("/collect/mart/daily", #"{"n": 1}"#)
        #expect(other.status == 404)
        #expect(other.body.contains("not an events model"))
        #expect(try await fixture.send("/nowhere", "").status == 404)
        #expect(try await fixture.send("/collect/raw/page_views", method: "GET").status == 405)
        // Targets match without regard to case, as DuckDB names do.
        #expect(try await fixture.send("/collect/RAW/Page_Views", #"{"event_name": "v"}"#).status == 202)
        try await fixture.shutdown()
    }

    @Test func aBatchIsAllOrNothing() async throws {
        let fixture = try await CollectorFixture()
        let bad = try await fixture.send(
            "/collect/raw/page_views/batch", #"[{"event_name": "a"}, {"event_name": "b"}, {"user_id": 3}]"#)
        #expect(bad.status == 400)
        #expect(bad.body.contains("event 2"), Comment(rawValue: bad.body))
        let good = try await fixture.send(
            "/collect/raw/page_views/batch", #"[{"event_name": "a"}, {"event_name": "b", "user_id": 2}]"#)
        #expect(good.status == 202)
        #expect(good.body.contains(#""accepted":2"#))
        #expect(try await fixture.send("/collect/raw/page_views/batch", #"{"event_name": "a"}"#).status == 400)
        try await fixture.run()
        #expect(try await fixture.rows("SELECT event_name FROM lake.raw.page_views ORDER BY 1") == [["a"], ["b"]])
        try await fixture.shutdown()
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        let fixture = try await CollectorFixture(settings: CollectorSettings(port: 0, maxBody: 100, maxBatchBody: 300))
        let long = String(repeating: "x", count: 200)
        let single = try await fixture.send("/collect/raw/page_views", #"{"event_name": "\#(long)"}"#)
        #expect(single.status == 413)
        #expect(single.body.contains("--max-body"))
        let batch = try await fixture.send(
            "/collect/raw/page_views/batch",
            "[" + Array(repeating: #"{"event_name": "\#(long)"}"#, count: 2).joined(separator: ",") + "]")
        #expect(batch.status == 413)
        #expect(try await fixture.send("/collect/raw/page_views", #"{"event_name": "ok"}"#).status == 202)
        try await fixture.shutdown()
    }

    @Test func aTokenIsRequiredWhenConfigured() async throws {
        let fixture = try await CollectorFixture(settings: CollectorSettings(port: 0, token: "s3cret"))
        let event = #"{"event_name": "v"}"#
        let none = try await fixture.send("/collect/raw/page_views", event)
        #expect(none.status == 401)
        #expect(!none.body.contains("s3cret"))
        #expect(
            try await fixture.send("/collect/raw/page_views", event, headers: ["Authorization": "Bearer wrong"]).status
                == 401)
        #expect(
            try await fixture.send("/collect/raw/page_views", event, headers: ["Authorization": "Bearer s3cret"]).status
                == 202)
        #expect(try await fixture.send("/metrics", method: "GET").status == 401)
        #expect(try await fixture.send("/health", method: "GET").status == 200)
        try await fixture.shutdown()
    }

    @Test func aBufferThatCannotBeWrittenIsA503AndTheCollectorRecovers() async throws {
        let fixture = try await CollectorFixture()
        // A file where the model's buffer folder should be: no segment can be created.
        let folder = fixture.project.stateDirectory.appending(path: "events/raw.page_views")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(
            at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: folder)
        let refused = try await fixture.send("/collect/raw/page_views", #"{"event_name": "v"}"#)
        #expect(refused.status == 503)
        #expect(refused.body.contains("raw.page_views"), Comment(rawValue: refused.body))
        try FileManager.default.removeItem(at: folder)
        #expect(try await fixture.send("/collect/raw/page_views", #"{"event_name": "w"}"#).status == 202)
        let metrics = try await fixture.send("/metrics", method: "GET")
        #expect(metrics.body.contains(#"ondatra_events_unavailable_total{target="raw.page_views"} 1"#))
        try await fixture.run()
        #expect(try await fixture.rows("SELECT event_name FROM lake.raw.page_views") == [["w"]])
        try await fixture.shutdown()
    }

    @Test func healthAndMetrics() async throws {
        let fixture = try await CollectorFixture()
        #expect(try await fixture.send("/health", method: "GET").status == 200)
        _ = try await fixture.send("/collect/raw/page_views/batch", #"[{"event_name": "a"}, {"event_name": "b"}]"#)
        _ = try await fixture.send("/collect/raw/page_views", #"{"nope": 1}"#)
        let metrics = try await fixture.send("/metrics", method: "GET")
        #expect(metrics.status == 200)
        #expect(
            metrics.body.contains(#"ondatra_events_accepted_total{target="raw.page_views"} 2"#),
            Comment(rawValue: metrics.body))
        #expect(metrics.body.contains(#"ondatra_events_rejected_total{target="raw.page_views"} 1"#))
        #expect(metrics.body.contains(#"ondatra_events_buffered{target="raw.page_views"} 2"#))
        #expect(metrics.body.contains("ondatra_events_flush_lag_seconds"))
        try await fixture.run()
        let after = try await fixture.send("/metrics", method: "GET")
        #expect(
            after.body.contains(#"ondatra_events_buffered{target="raw.page_views"} 0"#), Comment(rawValue: after.body))
        try await fixture.shutdown()
    }

    @Test func concurrentClientsAndAFlushInTheMiddleLoseNothingAndDuplicateNothing() async throws {
        let fixture = try await CollectorFixture()
        let clients = 8
        let perClient = 150
        let accepted = try await withThrowingTaskGroup(of: [Int].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var ids: [Int] = []
                    for index in 0..<perClient {
                        let id = client * 10_000 + index
                        let answer = try await fixture.send(
                            "/collect/raw/page_views", #"{"event_name": "e", "user_id": \#(id)}"#)
                        if answer.status == 202 { ids.append(id) }
                    }
                    return ids
                }
            }
            // Flushes while the clients post: the collector keeps accepting.
            group.addTask {
                for _ in 0..<3 { try await fixture.run() }
                return []
            }
            var all: [Int] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(accepted.count == clients * perClient)
        try await fixture.run()
        let stored = try await fixture.rows("SELECT user_id FROM lake.raw.page_views ORDER BY user_id").map {
            Int($0[0]) ?? -1
        }
        #expect(stored == accepted.sorted())
        try await fixture.shutdown()
    }
}
