import Foundation
import Ondatra
import OndatraTesting
import Testing

/// The sync patterns of the seed, end to end: real DuckLake, the Starlark host, HTTP over loopback.
/// Each kind pushes the change types its materialization makes.
@Suite struct SyncPatternTests {
    /// The (id, change type) pairs of every row pushed to `/batch`, in order, with the server log cleared.
    private func pushed(_ fixture: SyncFixture, since count: Int) -> [String] {
        fixture.bodies("/batch").dropFirst(count).flatMap { body -> [String] in
            (body as? [[String: Any]] ?? []).map { row in
                "\(row["id"].map { "\($0)" } ?? "?"):\(row["__ondatra_change_type"] as? String ?? "?")"
            }
        }
    }

    /// Writes `raw.src` as a table of `(id, grp, val)` rows.
    private func source(_ fixture: SyncFixture, _ rows: [(Int, String, String)]) throws {
        let values = rows.map { "(\($0.0), '\($0.1)', '\($0.2)')" }.joined(separator: ", ")
        try fixture.write(
            "models/raw/src.sql", "-- @kind: table\nSELECT * FROM (VALUES \(values)) t(id, grp, val)\n")
    }

    @Test func theSeedsHubspotPushRunsAsWritten() async throws {
        let fixture = try await SyncFixture()
        try fixture.write(".env", "HUBSPOT_KEY=hs-secret-token-42\n")
        try fixture.write(
            "lib/hubspot_push.star",
            """
            API = {
                "base_url": "\(fixture.server.baseURL)",
                "auth": {"env": "HUBSPOT_KEY"},
                "retry": 3,
                "rate_limit": {"requests": 100, "per": "10s"},
                "push": {
                    "batch_size": 100,
                    "batch_mode": "sync",
                },
            }

            def push(rows):
                results = {}
                for r in rows:
                    ct = r["__ondatra_change_type"]
                    key = str(r["__ondatra_rowid"]) + ":" + ct
                    payload = {k: v for k, v in r.items() if not k.startswith("_")}

                    if ct == "insert":
                        resp = http.post("/crm/v3/objects/contacts", json=payload)
                    elif ct == "update_postimage":
                        resp = http.patch("/crm/v3/objects/contacts/" + str(r["customer_id"]), json=payload)
                    elif ct == "delete":
                        resp = http.delete("/crm/v3/objects/contacts/" + str(r["customer_id"]))
                    elif ct == "update_preimage":
                        results[key] = "ok"  # skip
                        continue

                    results[key] = "ok" if resp.ok else "error: " + resp.text
                return results
            """)
        func customers(_ rows: String) throws {
            try fixture.write(
                "models/mart/customers.sql",
                "-- @kind: table\nSELECT * FROM (VALUES \(rows)) t(customer_id, email, name, plan, active)\n")
        }
        try customers(
            "(1, 'a@x.io', 'Ann', 'pro', true), (2, 'b@x.io', 'Bob', 'free', true), (3, 'c@x.io', 'Cy', 'free', false)")
        try fixture.write(
            "models/sync/hubspot.sql",
            """
            -- models/sync/hubspot.sql
            -- @kind: merge
            -- @unique_key: customer_id
            -- @sink: hubspot_push

            SELECT customer_id, email, name, plan
            FROM mart.customers
            WHERE active = true
            """)
        let first = try await fixture.run()
        let sync = try #require(first.results["sync.hubspot"]?.sync)
        #expect(sync.ok == 2 && sync.failed == 0 && sync.rejected == 0 && sync.batches == 1)
        #expect(first.results["sync.hubspot"]?.line.contains("sync: 2 ok, 0 failed, 0 rejected (1 batches") == true)
        let posts = fixture.server.requests.map { "\($0.method) \($0.path)" }
        #expect(posts == ["POST /crm/v3/objects/contacts", "POST /crm/v3/objects/contacts"])
        // The payload leaves out the internal columns, and the token went in the header only.
        #expect(fixture.server.requests[0].body.contains("\"email\":\"a@x.io\""))
        #expect(!fixture.server.requests[0].body.contains("__ondatra"))
        #expect(fixture.server.requests[0].headers["authorization"] == "Bearer hs-secret-token-42")

        // Bob upgrades, Cy becomes active: one PATCH (the pre-image is skipped) and one POST.
        try customers(
            "(1, 'a@x.io', 'Ann', 'pro', true), (2, 'b@x.io', 'Bob', 'pro', true), (3, 'c@x.io', 'Cy', 'free', true)")
        let second = try await fixture.run()
        #expect(second.results["sync.hubspot"]?.sync?.ok == 3)
        let calls = fixture.server.requests.dropFirst(2).map { "\($0.method) \($0.path)" }.sorted()
        #expect(calls == ["PATCH /crm/v3/objects/contacts/2", "POST /crm/v3/objects/contacts"])

        // Nothing changed: nothing pushed.
        let third = try await fixture.run()
        #expect(third.results["sync.hubspot"]?.sync?.batches == 0)
        #expect(fixture.server.requests.count == 4)
        let status = try fixture.store().status(of: "sync.hubspot", now: Date())
        #expect(status.pending == 0 && status.inFlight == 0 && status.dead == 0)
    }

    @Test(arguments: [
        // kind, directives, changes pushed by the second run (sorted)
        ("merge", "-- @unique_key: id\n", ["2:update_postimage", "2:update_preimage", "4:insert"]),
        ("append", "", ["4:insert"]),
        ("table", "", ["1:delete", "1:insert", "2:delete", "2:insert", "3:delete", "3:insert", "4:insert"]),
        ("tracked", "-- @unique_key: grp\n", ["1:delete", "1:insert", "2:delete", "2:insert", "4:insert"]),
        ("partition", "-- @unique_key: grp\n", ["1:delete", "1:insert", "2:delete", "2:insert", "4:insert"]),
    ])
    func eachKindPushesTheChangeTypesItMakes(kind: String, directives: String, expected: [String]) async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try source(fixture, [(1, "a", "x"), (2, "a", "y"), (3, "b", "z")])
        try fixture.write(
            "models/sync/out.sql",
            "-- @kind: \(kind)\n\(directives)-- @sink: recorder\nSELECT id, grp, val FROM raw.src\n")
        _ = try await fixture.run()
        let firstRows = pushed(fixture, since: 0)
        #expect(firstRows.sorted() == ["1:insert", "2:insert", "3:insert"])
        let before = fixture.bodies("/batch").count
        // Row 2 changes (group a), row 4 arrives (group a): for append only the new row is new.
        try source(fixture, [(1, "a", "x"), (2, "a", "y2"), (3, "b", "z"), (4, "a", "w")])
        if kind == "append" {
            try fixture.write(
                "models/sync/out.sql",
                "-- @kind: append\n-- @sink: recorder\nSELECT id, grp, val FROM raw.src WHERE id = 4 OR id <= 3 AND val IN ('x', 'y', 'z')\n"
            )
        }
        let second = try await fixture.run()
        #expect(second.results["sync.out"]?.status == .ok)
        #expect(pushed(fixture, since: before).sorted() == expected)
    }

    @Test func scd2PushesTheClosedVersionAndTheNewOne() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try source(fixture, [(1, "a", "x"), (2, "a", "y")])
        try fixture.write(
            "models/sync/products.sql",
            "-- @kind: scd2\n-- @unique_key: id\n-- @sink: recorder\nSELECT id, val FROM raw.src\n")
        _ = try await fixture.run()
        let before = fixture.bodies("/batch").count
        try source(fixture, [(1, "a", "x"), (2, "a", "y2")])
        _ = try await fixture.run()
        let rows = fixture.bodies("/batch").dropFirst(before).flatMap { $0 as? [[String: Any]] ?? [] }
        let types = rows.map { "\($0["id"].map { "\($0)" } ?? "?"):\($0["__ondatra_change_type"] as? String ?? "?")" }
        #expect(types.sorted() == ["2:insert", "2:update_postimage", "2:update_preimage"])
        // The closed version carries its end; the new one is open.
        let closed = rows.first { $0["__ondatra_change_type"] as? String == "update_postimage" }
        let opened = rows.first { $0["__ondatra_change_type"] as? String == "insert" }
        #expect(closed?["val"] as? String == "y")
        #expect(opened?["val"] as? String == "y2")
        #expect(closed?.keys.contains { $0.hasPrefix("valid_to") } == true)
    }

    /// A column added between runs: the pre-image is read from the old version, which lacks it,
    /// and still lines up with the current columns by name.
    @Test func aPreImageFromBeforeAColumnWasAddedLinesUpByName() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try source(fixture, [(1, "a", "x"), (2, "b", "y")])
        try fixture.write(
            "models/sync/out.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: recorder\nSELECT id, val FROM raw.src\n")
        _ = try await fixture.run()
        let before = fixture.bodies("/batch").count
        try source(fixture, [(1, "a", "x2"), (2, "b", "y")])
        try fixture.write(
            "models/sync/out.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @sink: recorder\nSELECT id, val, grp FROM raw.src\n")
        let run = try await fixture.run()
        #expect(run.results["sync.out"]?.status == .ok)
        let rows = fixture.bodies("/batch").dropFirst(before).flatMap { $0 as? [[String: Any]] ?? [] }
        let preimage = try #require(
            rows.first { $0["__ondatra_change_type"] as? String == "update_preimage" && $0["id"] as? Int == 1 })
        #expect(preimage["val"] as? String == "x")
        #expect(preimage["grp"] is NSNull)
        let postimage = try #require(
            rows.first { $0["__ondatra_change_type"] as? String == "update_postimage" && $0["id"] as? Int == 1 })
        #expect(postimage["val"] as? String == "x2")
        #expect(postimage["grp"] as? String == "a")
    }
}
