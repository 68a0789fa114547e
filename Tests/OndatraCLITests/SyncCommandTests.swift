import Foundation
import OndatraTesting
import Synchronization
import Testing

/// `run`'s sync output and flags and the `sync status` / `sync retry` commands, through the binary.
@Suite struct SyncCommandTests {
    let directory: TemporaryDirectory
    var root: URL { directory.url.appending(path: "shop") }

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A project whose `sync.people` model pushes each row to the server, which rejects id 3 and
    /// fails id 2 (with the token in its answer).
    func project(_ server: TestHTTPServer) async throws {
        #expect(try await CLIRunner.run(["init", root.path]).status == 0)
        func write(_ path: String, _ text: String) throws {
            let url = root.appending(path: path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write(".env", "PEOPLE_TOKEN=pt-secret-value-777\n")
        try write(
            "lib/people_push.star",
            """
            API = {"base_url": "\(server.baseURL)", "auth": {"env": "PEOPLE_TOKEN"}, "push": {"batch_size": 10, "max_attempts": 2, "retry_backoff": "20ms"}}

            def push(rows):
                out = {}
                for r in rows:
                    resp = http.post("/people/" + str(r["id"]), json={"name": r["name"]})
                    key = str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]
                    if resp.status_code == 422:
                        out[key] = "reject: " + resp.text
                    elif resp.ok:
                        out[key] = "ok"
                    else:
                        out[key] = "error: " + resp.text
                return out
            """)
        try write(
            "models/raw/people.sql",
            "-- @kind: table\nSELECT * FROM (VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy')) t(id, name)\n")
        try write(
            "models/sync/people.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: people_push\nSELECT * FROM raw.people\n")
    }

    @Test func runReportsSyncAndStatusAndRetryOperateTheQueue() async throws {
        let broken = Mutex(true)
        let server = try await TestHTTPServer.start { request in
            if request.path == "/people/3" { return .json(#"{"error": "bad name"}"#, status: 422) }
            if request.path == "/people/2" && broken.withLock({ $0 }) {
                return .json(#"{"error": "down, token \#(request.headers["authorization"] ?? "")"}"#, status: 500)
            }
            return .json("{}")
        }
        defer { server.stop() }
        try await project(server)
        #expect(try await CLIRunner.run(["sync", "status"], in: root).stdout.contains("No sync state yet"))

        let run = try await CLIRunner.run(["run", "--json"], in: root)
        #expect(run.status == 0)
        let line = run.stdout.split(separator: "\n").first { $0.contains("\"sync.people\"") }.map(String.init) ?? ""
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let sync = try #require(object["sync"] as? [String: Any])
        #expect(sync["ok"] as? Int == 1)
        #expect(sync["rejected"] as? Int == 2)
        #expect(run.stderr.contains("[OK] sync.people (merge, backfill, 3 rows"))
        #expect(run.stderr.contains("sync: 1 ok, 0 failed, 2 rejected"))
        #expect(!(run.stdout + run.stderr).contains("pt-secret-value-777"))

        // --strict-sync fails the run while anything failed; nothing new is pushed here.
        let strict = try await CLIRunner.run(["run", "--strict-sync"], in: root)
        #expect(strict.status == 0)

        let status = try await CLIRunner.run(["sync", "status", "sync.people"], in: root)
        #expect(status.status == 0)
        #expect(status.stdout.contains("dead: 2 (ondatrasql sync retry sync.people --dead)"))
        #expect(status.stdout.contains("bad name"))
        #expect(!status.stdout.contains("pt-secret-value-777"))
        let json = try await CLIRunner.run(["sync", "status", "--json"], in: root)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(parsed["dead"] as? Int == 2)
        #expect(parsed["target"] as? String == "sync.people")

        // Retry the dead letters with the API fixed for row 2: only row 3 stays dead.
        broken.withLock { $0 = false }
        let retry = try await CLIRunner.run(["sync", "retry", "sync.people", "--dead"], in: root)
        #expect(retry.stdout.contains("2 change(s) of sync.people are due now"))
        let again = try await CLIRunner.run(["run", "--strict-sync"], in: root)
        #expect(again.status == 1)
        #expect(again.stdout.contains("sync: 1 ok, 0 failed, 1 rejected"))
        #expect(again.stderr.contains("sync failed for sync.people (--strict-sync)"))

        let unknown = try await CLIRunner.run(["sync", "retry", "sync.nobody"], in: root)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no sync state for sync.nobody"))
        let bad = try await CLIRunner.run(["sync", "status", "not a target."], in: root)
        #expect(bad.status == 2)
    }

    @Test func noSyncQueuesWithoutPushing() async throws {
        let server = try await TestHTTPServer.start { _ in .json("{}") }
        defer { server.stop() }
        try await project(server)
        let queued = try await CLIRunner.run(["run", "--no-sync"], in: root)
        #expect(queued.status == 0)
        #expect(queued.stdout.contains("sync: 3 queued, not pushed (--no-sync)"))
        #expect(server.requests.isEmpty)
        #expect(try await CLIRunner.run(["sync", "status"], in: root).stdout.contains("pending: 3"))
    }
}
