import Foundation
import Ondatra
import OndatraSync
import OndatraTesting
import Synchronization
import Testing

/// Per-row statuses, batch modes and what becomes of failures: real DuckLake, the Starlark host
/// and HTTP over loopback; retries wait on a manual clock so backoff costs no time.
@Suite struct SyncStatusTests {
    /// A lib posting each row to `/rows/<id>` and reporting `ok`, or `error:` with the response.
    static func perRowLib(_ url: String, push extra: String = "") -> String {
        """
        API = {"base_url": "\(url)", "auth": {"env": "API_TOKEN"}, "push": {"batch_size": 10\(extra)}}

        def push(rows):
            statuses = {}
            for r in rows:
                resp = http.post("/rows/" + str(r["id"]), json={"name": r["name"]})
                key = str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]
                if resp.status_code == 422:
                    statuses[key] = "reject: " + resp.text
                elif resp.ok:
                    statuses[key] = "ok"
                else:
                    statuses[key] = "error: " + resp.text
            return statuses
        """
    }

    /// `raw.people(id, name)` and an append model over it that pushes through `lib`.
    func project(_ fixture: SyncFixture, lib: String, rows: [Int] = [1, 2, 3]) throws {
        try fixture.write(".env", "API_TOKEN=tok-very-secret-991\n")
        try fixture.write("lib/people_push.star", lib)
        try people(fixture, rows)
        try fixture.write(
            "models/sync/people.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: people_push\nSELECT * FROM raw.people\n")
    }

    func people(_ fixture: SyncFixture, _ rows: [Int]) throws {
        let values = rows.map { "(\($0), 'person \($0)')" }.joined(separator: ", ")
        try fixture.write("models/raw/people.sql", "-- @kind: table\nSELECT * FROM (VALUES \(values)) t(id, name)\n")
    }

    func requests(_ fixture: SyncFixture, _ path: String) -> Int {
        fixture.server.requests.filter { $0.path == path }.count
    }

    @Test func aPartialFailureRequeuesOnlyTheFailedRows() async throws {
        let failing = Mutex<Set<String>>(["/rows/2"])
        let fixture = try await SyncFixture { request in
            failing.withLock { $0.contains(request.path) }
                ? .json(#"{"error": "busy, auth was \#(request.headers["authorization"] ?? "")"}"#, status: 503)
                : .json("{}")
        }
        try project(fixture, lib: Self.perRowLib(fixture.server.baseURL))
        let clock = ManualClock()
        let first = try await fixture.run(clock: clock)
        let sync = try #require(first.results["sync.people"]?.sync)
        #expect(sync.ok == 2)
        #expect(sync.failed == 1)
        #expect(sync.rejected == 0)
        // Retries due within the horizon were tried in the same run: 1 s, 2 s, 4 s and 8 s later.
        #expect(requests(fixture, "/rows/2") == 5)
        #expect(requests(fixture, "/rows/1") == 1)
        let status = try fixture.store().status(of: "sync.people", now: clock.wallTime)
        #expect(status.pending == 1 && status.failing == 1)
        // The response quoted the token; nothing stored or shown holds it.
        #expect(status.lastErrors.count == 1)
        #expect(status.lastErrors.allSatisfy { $0.contains("busy") && !$0.contains("tok-very-secret-991") })
        #expect(!sync.errors.joined().contains("tok-very-secret-991"))
        let line = first.results["sync.people"]?.line ?? ""
        #expect(line.contains("sync: 2 ok, 1 failed, 0 rejected"))
        #expect(!line.contains("tok-very-secret-991"))

        // Later the API recovers: the next run (model skipped, nothing new) pushes only row 2.
        failing.withLock { $0 = [] }
        clock.advance(by: .seconds(60))
        let second = try await fixture.run(clock: clock)
        #expect(second.results["sync.people"]?.sync?.ok == 1)
        #expect(requests(fixture, "/rows/2") == 6)
        #expect(requests(fixture, "/rows/1") == 1)
        #expect(try fixture.store().status(of: "sync.people", now: clock.wallTime).pending == 0)
    }

    @Test func aRejectedRowIsDeadLetteredUntilRetriedOnPurpose() async throws {
        let fixture = try await SyncFixture { request in
            request.path == "/rows/3" ? .json(#"{"error": "invalid name"}"#, status: 422) : .json("{}")
        }
        try project(fixture, lib: Self.perRowLib(fixture.server.baseURL))
        let clock = ManualClock()
        let first = try await fixture.run(clock: clock)
        #expect(first.results["sync.people"]?.sync?.rejected == 1)
        #expect(requests(fixture, "/rows/3") == 1)
        let dead = try fixture.store().deadLetters(of: "sync.people", limit: 10)
        #expect(dead.count == 1)
        #expect(dead.first?.error.contains("invalid name") == true)
        #expect(dead.first?.payload?.contains("\"name\":\"person 3\"") == true)
        #expect(dead.first?.payload?.contains("\"__ondatra_change_type\":\"insert\"") == true)
        // Not retried by later runs…
        clock.advance(by: .seconds(7200))
        _ = try await fixture.run(clock: clock)
        #expect(requests(fixture, "/rows/3") == 1)
        // …until asked.
        #expect(try fixture.store().retry(target: "sync.people", includeDead: true, now: clock.wallTime) == 1)
        fixture.answer { _ in .json("{}") }
        let third = try await fixture.run(clock: clock)
        #expect(third.results["sync.people"]?.sync?.ok == 1)
        #expect(try fixture.store().status(of: "sync.people", now: clock.wallTime).dead == 0)
    }

    @Test func afterMaxAttemptsAFailingRowMovesToTheDeadLetters() async throws {
        let fixture = try await SyncFixture { _ in .json(#"{"error": "down"}"#, status: 500) }
        try project(
            fixture, lib: Self.perRowLib(fixture.server.baseURL, push: #", "max_attempts": 3, "retry_backoff": "2s""#),
            rows: [1])
        let clock = ManualClock()
        let run = try await fixture.run(clock: clock)
        #expect(run.results["sync.people"]?.sync?.rejected == 1)
        #expect(requests(fixture, "/rows/1") == 3)
        let dead = try fixture.store().deadLetters(of: "sync.people", limit: 1)
        #expect(dead.first?.attempts == 3)
        #expect(dead.first?.error.contains("down") == true)
        // 2 s, then 4 s between the attempts.
        #expect(clock.wakeUps.suffix(2) == [.seconds(2), .seconds(6)])
    }

    @Test func missingKeysAndABadReturnSayExactlyWhatWasWrong() async throws {
        let fixture = try await SyncFixture()
        try project(
            fixture,
            lib: """
                API = {"base_url": "\(fixture.server.baseURL)", "push": {"batch_size": 10, "max_attempts": 1}}

                def push(rows):
                    if len(rows) == 1:
                        return None
                    first = rows[0]
                    return {str(first["__ondatra_rowid"]) + ":" + first["__ondatra_change_type"]: "ok"}
                """)
        let first = try await fixture.run(clock: ManualClock())
        let sync = try #require(first.results["sync.people"]?.sync)
        #expect(sync.ok == 1)
        #expect(sync.rejected == 2)
        let dead = try fixture.store().deadLetters(of: "sync.people", limit: 10)
        #expect(dead.count == 2)
        #expect(dead.allSatisfy { $0.error.contains("no status") || $0.error.contains("missing") })
        #expect(dead.allSatisfy { $0.error.contains("1:insert") || $0.error.contains("2:insert") })

        // A batch of one row gets None back.
        try people(fixture, [1, 2, 3, 4])
        let second = try await fixture.run(clock: ManualClock())
        let errors = second.results["sync.people"]?.sync?.errors.joined(separator: "\n") ?? ""
        #expect(errors.contains("push returned None"))
        #expect(errors.contains("<rowid>:<change_type>"))
    }

    @Test func anAtomicBatchFailsAsAWholeOnFail() async throws {
        let fixture = try await SyncFixture()
        try project(
            fixture,
            lib: """
                API = {"base_url": "\(fixture.server.baseURL)", "push": {"batch_size": 10, "batch_mode": "atomic", "max_attempts": 1}}

                def push(rows):
                    http.post("/bulk", json=[r["id"] for r in rows])
                    if len(rows) > 2:
                        fail("the bulk endpoint takes 2 rows at most")
                """)
        let run = try await fixture.run(clock: ManualClock())
        let sync = try #require(run.results["sync.people"]?.sync)
        #expect(sync.ok == 0)
        #expect(sync.rejected == 3)
        #expect(sync.errors.joined().contains("the bulk endpoint takes 2 rows at most"))
        // An atomic push that returns None delivers the whole batch.
        try fixture.write(
            "lib/people_push.star",
            """
            API = {"base_url": "\(fixture.server.baseURL)", "push": {"batch_size": 2, "batch_mode": "atomic"}}

            def push(rows):
                http.post("/bulk", json=[r["id"] for r in rows]).raise_for_status()
            """)
        _ = try await fixture.store().retry(target: "sync.people", includeDead: true, now: Date())
        let again = try await fixture.run(clock: ManualClock())
        #expect(again.results["sync.people"]?.sync?.ok == 3)
        #expect(again.results["sync.people"]?.sync?.batches == 2)
    }

    @Test func anAsyncJobIsPolledToCompletion() async throws {
        let polls = Mutex(0)
        let fixture = try await SyncFixture { request in
            if request.path == "/jobs" { return .json(#"{"job_id": "j-1"}"#) }
            let count = polls.withLock { count in
                count += 1
                return count
            }
            return .json(count < 3 ? #"{"state": "running"}"# : #"{"state": "done"}"#)
        }
        try project(
            fixture,
            lib: """
                API = {"base_url": "\(fixture.server.baseURL)", "push": {"batch_size": 10, "batch_mode": "async", "poll_interval": "30s"}}

                def push(rows):
                    job = http.post("/jobs", json=[r["id"] for r in rows]).json
                    return {"id": job["job_id"], "keys": [str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"] for r in rows]}

                def poll(job_ref):
                    state = http.get("/jobs/" + job_ref["id"]).json["state"]
                    if state != "done":
                        return {"done": False}
                    return {"done": True, "per_row": {k: "ok" for k in job_ref["keys"]}}
                """)
        let clock = ManualClock()
        let run = try await fixture.run(clock: clock)
        #expect(run.results["sync.people"]?.sync?.ok == 3)
        #expect(fixture.server.requests.filter { $0.path == "/jobs" }.count == 1)
        #expect(fixture.server.requests.filter { $0.path == "/jobs/j-1" }.count == 3)
        // Polled every poll_interval.
        #expect(clock.wakeUps.prefix(3) == [.seconds(30), .seconds(60), .seconds(90)])
    }

    @Test func finalizeRunsOnceWhenEveryBatchSucceeded() async throws {
        let fixture = try await SyncFixture()
        try project(
            fixture,
            lib: """
                API = {"base_url": "\(fixture.server.baseURL)", "push": {"batch_size": 2}}

                def push(rows):
                    return {str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]: "ok" for r in rows}

                def finalize(succeeded, failed):
                    http.post("/done", json={"succeeded": succeeded, "failed": failed})
                """)
        let run = try await fixture.run(clock: ManualClock())
        #expect(run.results["sync.people"]?.sync?.batches == 2)
        #expect(fixture.server.requests.filter { $0.path == "/done" }.map(\.body) == [#"{"failed":0,"succeeded":3}"#])
    }

    @Test func noSyncQueuesAndASkippedModelStillDrains() async throws {
        let fixture = try await SyncFixture()
        try project(fixture, lib: Self.perRowLib(fixture.server.baseURL))
        // A table model is skipped when its inputs did not change.
        try fixture.write(
            "models/sync/people.sql", "-- @kind: table\n-- @sink: people_push\nSELECT * FROM raw.people\n")
        let queued = try await fixture.run(clock: ManualClock(), push: false)
        #expect(queued.results["sync.people"]?.sync?.queued == 3)
        #expect(queued.results["sync.people"]?.sync?.pushed == false)
        #expect(queued.results["sync.people"]?.line.contains("3 queued, not pushed") == true)
        #expect(fixture.server.requests.isEmpty)
        let drained = try await fixture.run(clock: ManualClock())
        #expect(drained.results["sync.people"]?.status == .skip)
        #expect(drained.results["sync.people"]?.sync?.ok == 3)
        #expect(fixture.server.requests.count == 3)
    }

    /// A bad `@sink` fails its model before anything runs; the other models run.
    @Test func aBadSinkFailsOnlyItsModel() async throws {
        let fixture = try await SyncFixture()
        try project(fixture, lib: Self.perRowLib(fixture.server.baseURL))
        try fixture.write(
            "models/sync/typo.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: peple_push\nSELECT * FROM raw.people\n")
        try fixture.write(
            "lib/reader.star", "API = {\"fetch\": {}}\n\ndef fetch(page):\n    return {\"rows\": [], \"next\": None}\n")
        try fixture.write("models/sync/reader.sql", "-- @kind: table\n-- @sink: reader\nSELECT * FROM raw.people\n")
        try fixture.write("lib/broken_push.star", "API = {\"push\": {\"batch_size\": 0}}\n")
        try fixture.write("models/sync/broken.sql", "-- @sink: broken_push\nSELECT * FROM raw.people\n")
        let (results, _) = try await fixture.run()
        let typo = try #require(results["sync.typo"])
        #expect(typo.status == .error)
        #expect(typo.errors.first?.contains("models/sync/typo.sql") == true)
        #expect(typo.errors.first?.contains("no lib function 'peple_push'") == true)
        #expect(typo.errors.first?.contains("libs that push: people_push") == true, "\(typo.errors)")
        #expect(results["sync.reader"]?.errors.first?.contains("lib/reader.star has no \"push\" section") == true)
        let broken = try #require(results["sync.broken"]?.errors.first)
        #expect(broken.hasPrefix("models/sync/broken.sql: @sink: lib/broken_push.star:1: "), "\(broken)")
        #expect(broken.contains("API.push.batch_size: must be at least 1, not 0"), "\(broken)")
        // Nothing of theirs was written; the model they read ran.
        #expect(results["raw.people"]?.status == .ok)
        let project = fixture.project
        let tables = try await runBlocking {
            try Session(project: project, environment: [:]).connection.rows(
                "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('typo', 'reader', 'broken')")
        }
        #expect(tables.isEmpty, "\(tables)")
    }
}
