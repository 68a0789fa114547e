import DuckDB
import Foundation
import Ondatra
import OndatraSync
import OndatraTesting
import Testing

/// How changes get into the queue and how `push` is called: arguments, declared keyword
/// parameters, backfills after a rebuild or expired snapshots, and failures told apart.
@Suite struct SyncQueueTests {
    let recorder = """
        def push(rows, batch_number, kind, key_columns, columns, list_id):
            http.post("/calls", json={"n": len(rows), "batch": batch_number, "kind": kind, "keys": key_columns, "columns": columns, "list": list_id})
            return {str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]: "ok" for r in rows}
        """

    func source(_ fixture: SyncFixture, _ ids: ClosedRange<Int>) throws {
        try fixture.write(
            "models/raw/src.sql",
            "-- @kind: table\nSELECT range AS id, 'v' || range AS val FROM range(\(ids.lowerBound), \(ids.upperBound + 1))\n"
        )
    }

    @Test func pushGetsTheArgumentsAndKeywordParametersItDeclares() async throws {
        let fixture = try await SyncFixture()
        try fixture.write(
            "lib/lists.star",
            "API = {\"base_url\": \"\(fixture.server.baseURL)\", \"push\": {\"batch_size\": 2, \"args\": [\"list_id\"]}}\n\n"
                + recorder)
        try source(fixture, 1...3)
        try fixture.write(
            "models/sync/members.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @push: lists('list-42')\nSELECT * FROM raw.src\n")
        let run = try await fixture.run()
        #expect(run.results["sync.members"]?.sync?.ok == 3)
        let calls = fixture.bodies("/calls").compactMap { $0 as? [String: Any] }
        #expect(calls.map { $0["batch"] as? Int } == [1, 2])
        #expect(calls.map { $0["n"] as? Int } == [2, 1])
        #expect(calls.first?["kind"] as? String == "merge")
        #expect(calls.first?["keys"] as? [String] == ["id"])
        #expect(calls.first?["list"] as? String == "list-42")
        #expect(
            calls.first?["columns"] as? [String] == [
                "id", "val", "__ondatra_rowid", "__ondatra_change_type", "__ondatra_snapshot",
            ])
    }

    /// Regression: `push(rows, **kwargs)` got no keywords, though docs/sync.md promises all of them.
    @Test func pushWithKwargsGetsEveryKeyword() async throws {
        let fixture = try await SyncFixture()
        try fixture.write(
            "lib/lists.star",
            "API = {\"base_url\": \"\(fixture.server.baseURL)\", \"push\": {\"args\": [\"list_id\"]}}\n\n"
                + """
                def push(rows, **kwargs):
                    http.post("/calls", json={"names": sorted(kwargs.keys()), "list": kwargs["list_id"]})
                    return {str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]: "ok" for r in rows}
                """)
        try source(fixture, 1...2)
        try fixture.write(
            "models/sync/members.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: lists('list-7')\nSELECT * FROM raw.src\n")
        let run = try await fixture.run()
        #expect(run.results["sync.members"]?.sync?.ok == 2, "\(run.results["sync.members"]?.sync?.errors ?? [])")
        let calls = fixture.bodies("/calls").compactMap { $0 as? [String: Any] }
        #expect(calls.first?["names"] as? [String] == ["batch_number", "columns", "key_columns", "kind", "list_id"])
        #expect(calls.first?["list"] as? String == "list-7")
    }

    /// A wrong `@sink` call or push section fails the model before it runs; nothing is pushed.
    @Test func wrongArgumentsOrParametersFailTheModelBeforeItRuns() async throws {
        let fixture = try await SyncFixture()
        func failure() async throws -> String {
            let run = try await fixture.run()
            let members = try #require(run.results["sync.members"])
            #expect(members.status == .error)
            #expect(run.results["raw.src"]?.status != .error)
            return members.errors.first ?? ""
        }
        try fixture.write(
            "lib/lists.star",
            "API = {\"base_url\": \"\(fixture.server.baseURL)\", \"push\": {\"args\": [\"list_id\"]}}\n\n" + recorder)
        try source(fixture, 1...3)
        try fixture.write(
            "models/sync/members.sql", "-- @kind: merge\n-- @unique_key: id\n-- @sink: lists\nSELECT * FROM raw.src\n")
        let missing = try await failure()
        #expect(missing.contains("lists takes 1 argument(s) (API[\"push\"][\"args\"]: list_id), got 0"), "\(missing)")

        try fixture.write(
            "lib/lists.star",
            "API = {\"push\": {\"batch_mode\": \"atomic\", \"max_concurrent\": 4}}\n\ndef push(rows):\n    pass\n")
        let concurrent = try await failure()
        #expect(concurrent.contains("API.push.max_concurrent: is 4, but only batch_mode \"sync\""), "\(concurrent)")

        try fixture.write(
            "lib/lists.star", "API = {\"push\": {\"retry_backoff\": \"soon\"}}\n\ndef push(rows):\n    pass\n")
        let duration = try await failure()
        #expect(duration.contains("API.push.retry_backoff: 'soon' is not a positive duration"), "\(duration)")

        try fixture.write("lib/lists.star", "API = {\"push\": {}}\n\ndef push(rows, page_token):\n    pass\n")
        let parameter = try await failure()
        #expect(parameter.contains("push(…) declares 'page_token'"), "\(parameter)")
        #expect(fixture.server.requests.isEmpty)
    }

    @Test func aFullRefreshSupersedesWhatWasPending() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try source(fixture, 1...3)
        try fixture.write(
            "models/sync/out.sql", "-- @kind: merge\n-- @unique_key: id\n-- @sink: recorder\nSELECT * FROM raw.src\n")
        _ = try await fixture.run(push: false)
        #expect(try fixture.store().status(of: "sync.out", now: Date()).pending == 3)
        // The rebuilt table's row ids start over: what was queued against the old table goes,
        // and the new table's rows are queued as inserts.
        try source(fixture, 5...6)
        let rebuilt = try await fixture.run(fullRefresh: true).results["sync.out"]?.sync
        #expect(rebuilt?.backfill == true)
        #expect(rebuilt?.ok == 2)
        let ids = fixture.bodies("/batch").flatMap { ($0 as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int } }
        #expect(ids.sorted() == [5, 6])
    }

    @Test func anExpiredWatermarkSnapshotMeansABackfillWithAWarning() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try source(fixture, 1...2)
        try fixture.write(
            "models/sync/out.sql", "-- @kind: merge\n-- @unique_key: id\n-- @sink: recorder\nSELECT * FROM raw.src\n")
        _ = try await fixture.run()
        // Another writer moves the catalog on, and maintenance expires the watermark's snapshot.
        let session = try Session(project: fixture.project, environment: [:])
        try session.execute("CREATE TABLE lake.main.other AS SELECT 1 AS x")
        _ = try session.query(
            "SELECT count(*) FROM ducklake_expire_snapshots('lake', older_than => now() + INTERVAL 1 MINUTE)"
        ).allRows()
        let again = try await fixture.run()
        let sync = try #require(again.results["sync.out"]?.sync)
        #expect(sync.backfill)
        #expect(sync.warnings.contains { $0.contains("was expired") && $0.contains("backfill") })
        #expect(sync.ok == 2)
    }

    @Test func failuresAreToldApart() async throws {
        let fixture = try await SyncFixture { _ in .json(#"{"error": "unprocessable"}"#, status: 422) }
        try fixture.write(
            "lib/status.star",
            """
            API = {"base_url": "\(fixture.server.baseURL)", "push": {"batch_mode": "atomic", "max_attempts": 1}}

            def push(rows):
                if rows[0]["id"] == 1:
                    http.post("/x", json={}).raise_for_status()
                elif rows[0]["id"] == 2:
                    http.get("http://127.0.0.1:9/unreachable")
                else:
                    return rows[0]["missing_column"]
            """)
        try source(fixture, 1...3)
        try fixture.write(
            "models/sync/out.sql", "-- @kind: merge\n-- @unique_key: id\n-- @sink: status\nSELECT * FROM raw.src\n")
        _ = try await fixture.run(clock: ManualClock())
        // (Not matched on the "script error" prefix: OAuth tokens other tests of this process saw
        // are redacted too, and one of them may be a word of it.)
        let errors = try fixture.store().deadLetters(of: "sync.out", limit: 10).map(\.error)
        #expect(errors.contains { $0.contains("HTTP 422") && $0.contains("unprocessable") }, "\(errors)")
        #expect(errors.contains { $0.contains("network error") && $0.contains("127.0.0.1:9") }, "\(errors)")
        #expect(errors.contains { $0.contains("lib/status.star:9") && $0.contains("missing_column") }, "\(errors)")
    }

    /// A catalog replaced behind the delivery store's back (deleted and rebuilt, restored from a
    /// backup) has snapshot ids that mean nothing to the old watermark: the next run notices and
    /// queues every current row again instead of pushing nothing.
    @Test func aReplacedCatalogIsNoticedAndBackfilled() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try source(fixture, 1...3)
        try fixture.write(
            "models/sync/out.sql", "-- @kind: merge\n-- @unique_key: id\n-- @sink: recorder\nSELECT * FROM raw.src\n")
        _ = try await fixture.run()
        // Move the catalog on a few snapshots, so the watermark is ahead of a new catalog.
        for round in 4...6 {
            try source(fixture, 1...round)
            _ = try await fixture.run()
        }
        let before = fixture.bodies("/batch").count
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture.project.root.path)
        where name.hasPrefix("lake.sqlite") {
            try FileManager.default.removeItem(at: fixture.project.url(name))
        }
        let rebuilt = try await fixture.run()
        let sync = try #require(rebuilt.results["sync.out"]?.sync)
        #expect(sync.backfill)
        #expect(sync.warnings.contains { $0.contains("does not belong to this catalog") })
        #expect(sync.ok == 6)
        let ids = fixture.bodies("/batch").dropFirst(before).flatMap {
            ($0 as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        }
        #expect(ids.sorted() == [1, 2, 3, 4, 5, 6])
        // And later changes flow again.
        try source(fixture, 1...7)
        let next = try await fixture.run()
        #expect(next.results["sync.out"]?.sync?.ok == 1)
    }
}
