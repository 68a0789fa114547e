import DuckDB
import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Synchronization
import Testing

/// Starlark models end to end: real DuckLake, real HTTP over loopback.
@Suite struct StarlarkModelTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func run() async throws -> (results: [String: ModelResult], printed: [String]) {
        try await runWithStarlarkHost(sandbox.project)
    }

    private func rows(_ sql: String) throws -> [[String]] {
        try Session(project: sandbox.project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
    }

    private func writeCustomers(_ lines: [String]) throws {
        try sandbox.write(
            "data/customers.csv", (["customer_id,email,name,plan,active"] + lines).joined(separator: "\n") + "\n")
    }

    /// The sync tests' common start: a server answering ok, the token in `.env`, three customers
    /// (two active) and the `mart.customers` model reading them.
    private func startCustomerSync() async throws -> TestHTTPServer {
        let server = try await TestHTTPServer.start { _ in .json(#"{"status": "ok"}"#) }
        do {
            try sandbox.write(".env", "HUBSPOT_TOKEN=hub-s3cret-token\n")
            try writeCustomers([
                "1,ann@example.com,Ann,pro,true", "2,bob@example.com,Bob,free,true", "3,cy@example.com,Cy,free,false",
            ])
            try sandbox.write(
                "models/mart/customers.sql",
                "SELECT * FROM read_csv('\(sandbox.project.root.path)/data/customers.csv')")
            return server
        } catch {
            server.stop()
            throw error
        }
    }

    /// The second seed's `models/sync/hubspot_contacts.star`, as written, with its URL pointed at
    /// the test server: the first run posts every active customer, a run with no change posts
    /// nothing, and after a change only new and changed customers are posted.
    @Test func theTrackedSyncModelPostsOnlyNewAndChangedCustomers() async throws {
        let server = try await startCustomerSync()
        defer { server.stop() }
        try sandbox.write(
            "models/sync/hubspot_contacts.star",
            """
            # @kind: tracked
            # @unique_key: customer_id

            rows = query(\"\"\"
                SELECT customer_id, email, name, plan
                FROM mart.customers
                WHERE active = true
            \"\"\")

            for row in rows:
                http.post("\(server.baseURL)/contacts/v1/contact",
                    headers={"Authorization": "Bearer " + env("HUBSPOT_TOKEN")},
                    json={"email": row["email"], "properties": [
                        {"property": "name", "value": row["name"]},
                        {"property": "plan", "value": row["plan"]}
                    ]})
                save.row(row)
            print("token was", env("HUBSPOT_TOKEN"))
            """)

        var (results, printed) = try await run()
        #expect(results["sync.hubspot_contacts"]?.status == .ok)
        #expect(results["sync.hubspot_contacts"]?.rowsAffected == 2)
        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer hub-s3cret-token" })
        #expect(server.requests.first?.body.contains(#""email":"ann@example.com""#) == true)
        // The secret from .env never reaches printed output.
        #expect(printed == ["sync.hubspot_contacts: token was ***"])
        #expect(
            try rows("SELECT customer_id, plan FROM sync.hubspot_contacts ORDER BY 1") == [
                ["1", "pro"], ["2", "free"],
            ])

        // No change: the query returns nothing, nothing is posted or written.
        (results, _) = try await run()
        #expect(results["sync.hubspot_contacts"]?.status == .ok)
        #expect(results["sync.hubspot_contacts"]?.rowsAffected == 0)
        #expect(server.requests.count == 2)

        // Bob upgrades, Cy becomes active, Ann leaves: two posts, and Ann's row is deleted.
        try writeCustomers([
            "1,ann@example.com,Ann,pro,false", "2,bob@example.com,Bob,pro,true", "3,cy@example.com,Cy,free,true",
        ])
        (results, _) = try await run()
        #expect(results["sync.hubspot_contacts"]?.status == .ok)
        #expect(server.requests.count == 4)
        let posted = server.requests.suffix(2).map(\.body)
        #expect(posted.contains { $0.contains("bob@example.com") && $0.contains(#""value":"pro""#) })
        #expect(posted.contains { $0.contains("cy@example.com") })
        #expect(
            try rows("SELECT customer_id, plan FROM sync.hubspot_contacts ORDER BY 1") == [
                ["2", "pro"], ["3", "free"],
            ])
    }

    /// Regression: with a lookup `query()` before the one whose rows it saves, every query
    /// returning the key was filtered to changed groups and the lookup's hashes were the ones kept,
    /// so the lookup lost rows and the sync posted every customer again on every run. Only the
    /// query the saved rows came from is filtered; lookups, before and after the loop, see every row.
    @Test func aTrackedModelWithLookupsPostsOnlyChangedCustomers() async throws {
        let server = try await startCustomerSync()
        defer { server.stop() }
        try sandbox.write(
            "models/sync/hubspot_contacts.star",
            """
            # @kind: tracked
            # @unique_key: customer_id

            plans = {r["customer_id"]: r["plan"] for r in query("SELECT customer_id, plan FROM mart.customers")}
            print("before", sorted(plans.keys()))

            rows = query(\"\"\"
                SELECT customer_id, email, name, plan
                FROM mart.customers
                WHERE active = true
            \"\"\")

            for row in rows:
                http.post("\(server.baseURL)/contacts/v1/contact",
                    headers={"Authorization": "Bearer " + env("HUBSPOT_TOKEN")},
                    json={"email": row["email"], "properties": [
                        {"property": "name", "value": row["name"]},
                        {"property": "plan", "value": plans[row["customer_id"]]}
                    ]})
                save.row(row)

            emails = query("SELECT customer_id, email FROM mart.customers ORDER BY customer_id")
            print("after", [r["customer_id"] for r in emails])
            """)
        let lookups = ["sync.hubspot_contacts: before [1, 2, 3]", "sync.hubspot_contacts: after [1, 2, 3]"]

        var (results, printed) = try await run()
        #expect(results["sync.hubspot_contacts"]?.status == .ok, "\(results["sync.hubspot_contacts"]?.errors ?? [])")
        #expect(results["sync.hubspot_contacts"]?.rowsAffected == 2)
        #expect(server.requests.count == 2)
        #expect(printed == lookups)

        // No change: nothing posted, and the lookups still return every customer.
        (results, printed) = try await run()
        #expect(results["sync.hubspot_contacts"]?.status == .ok, "\(results["sync.hubspot_contacts"]?.errors ?? [])")
        #expect(results["sync.hubspot_contacts"]?.rowsAffected == 0)
        #expect(server.requests.count == 2)
        #expect(printed == lookups)

        // Bob upgrades: only Bob is posted.
        try writeCustomers([
            "1,ann@example.com,Ann,pro,true", "2,bob@example.com,Bob,pro,true", "3,cy@example.com,Cy,free,false",
        ])
        (results, printed) = try await run()
        #expect(results["sync.hubspot_contacts"]?.status == .ok, "\(results["sync.hubspot_contacts"]?.errors ?? [])")
        #expect(server.requests.count == 3)
        #expect(server.requests.last?.body.contains("bob@example.com") == true)
        #expect(server.requests.last?.body.contains(#""value":"pro""#) == true)
        #expect(printed == lookups)
        #expect(
            try rows("SELECT customer_id, plan FROM sync.hubspot_contacts ORDER BY 1") == [
                ["1", "pro"], ["2", "pro"],
            ])
    }

    /// Regression: the first run stored the hash of the saved rows, not of the query's rows, so a
    /// script that reshapes rows (or reads timestamps, which arrive as text) re-sent everything on
    /// its second run; and a key two queries returned was saved twice.
    @Test func aTrackedModelThatReshapesRowsSendsNothingWhenNothingChanged() async throws {
        try sandbox.write(
            "models/mart/accounts.sql",
            "SELECT range AS id, TIMESTAMP '2026-01-01 10:00:00' + INTERVAL (range) HOUR AS seen_at FROM range(3)")
        try sandbox.write(
            "models/sync/accounts.star",
            """
            # @kind: tracked
            # @unique_key: id
            rows = query("SELECT id, seen_at FROM mart.accounts")
            again = query("SELECT id, seen_at FROM mart.accounts WHERE id = 1")
            for row in rows:
                print("send", row["id"])
                save.row({"seen": row["seen_at"][:10], "id": row["id"]})
            """)
        var (results, printed) = try await run()
        #expect(results["sync.accounts"]?.rowsAffected == 3)
        #expect(printed.count == 3)
        #expect(try rows("SELECT count(*), count(DISTINCT id) FROM sync.accounts") == [["3", "3"]])
        (results, printed) = try await run()
        #expect(printed.isEmpty)
        #expect(results["sync.accounts"]?.rowsAffected == 0)
        #expect(try rows("SELECT count(*) FROM sync.accounts") == [["3"]])

        // Ids 1 and 2 move a day: both are sent once and saved once.
        try sandbox.write(
            "models/mart/accounts.sql",
            "SELECT range AS id, TIMESTAMP '2026-01-01 10:00:00' + INTERVAL (range * 24) HOUR AS seen_at FROM range(3)")
        (results, printed) = try await run()
        #expect(printed.sorted() == ["sync.accounts: send 1", "sync.accounts: send 2"])
        #expect(try rows("SELECT count(*), count(DISTINCT id) FROM sync.accounts") == [["3", "3"]])
        #expect(
            try rows("SELECT id, seen FROM sync.accounts ORDER BY id") == [
                ["0", "2026-01-01"], ["1", "2026-01-02"], ["2", "2026-01-03"],
            ])
    }

    @Test func oauthTokensFromScriptsAreSentAndHidden() async throws {
        let server = try await TestHTTPServer.start { request in
            if request.path == "/token" { return .json(#"{"access_token": "script-token-1", "expires_in": 600}"#) }
            return .json(#"{"auth": "\#(request.headers["authorization"] ?? "")"}"#)
        }
        defer { server.stop() }
        try sandbox.write(
            "models/raw/me.star",
            """
            # @kind: table
            token = oauth.token("\(server.baseURL)/token", "app", "client-secret-1")
            same = http.oauth(token_url = "\(server.baseURL)/token", client_id = "app", client_secret = "client-secret-1")
            me = http.get("\(server.baseURL)/me", auth = token).json
            print("token", token, "header", me["auth"])
            save.row({"same": token == same, "sent": me["auth"] == "Bearer " + token})
            """)
        let (results, printed) = try await run()
        #expect(results["raw.me"]?.status == .ok, "\(results["raw.me"]?.errors ?? [])")
        #expect(try rows("SELECT same, sent FROM raw.me") == [["true", "true"]])
        // One token request for both calls, and the token never printed.
        #expect(server.requests.filter { $0.path == "/token" }.count == 1)
        #expect(printed == ["raw.me: token *** header Bearer ***"])
    }

    @Test func otherKindsMaterializeSavedRowsToo() async throws {
        try sandbox.write("data/n.txt", "2")
        let script = { (kind: String) in
            """
            # @kind: \(kind)
            # @unique_key: id
            n = int(query("SELECT content FROM read_text('\(self.sandbox.project.root.path)/data/n.txt')")[0]["content"])
            for i in range(n):
                save.row({"id": i, "square": i * i, "run": n})
            """
        }
        try sandbox.write("models/raw/merged.star", script("merge"))
        try sandbox.write("models/raw/appended.star", script("append"))
        _ = try await run()
        try sandbox.write("data/n.txt", "3")
        let (results, _) = try await run()
        #expect(results["raw.merged"]?.status == .ok)
        #expect(results["raw.appended"]?.status == .ok)
        // Merge updates the two rows and adds the third; append adds every saved row again.
        #expect(
            try rows("SELECT id, square, run FROM raw.merged ORDER BY id") == [
                ["0", "0", "3"], ["1", "1", "3"], ["2", "4", "3"],
            ])
        #expect(try rows("SELECT count(*) FROM raw.appended") == [["5"]])
    }

    @Test func aStarlarkModelDependsOnTheTablesItsQueriesRead() async throws {
        try sandbox.write("models/raw/numbers.sql", "SELECT range AS n FROM range(3)")
        try sandbox.write(
            "models/staging/doubled.star",
            """
            # @kind: table
            for row in query("SELECT n FROM raw.numbers ORDER BY n"):
                save.row({"n": row["n"], "double": row["n"] * 2, "label": "n%d" % row["n"], "tags": [row["n"]]})
            """)
        let (results, _) = try await run()
        #expect(results["staging.doubled"]?.status == .ok)
        #expect(results["staging.doubled"]?.rowsAffected == 3)
        #expect(
            try rows("SELECT n, double, label, tags FROM staging.doubled ORDER BY n") == [
                ["0", "0", "n0", "[0]"], ["1", "2", "n1", "[1]"], ["2", "4", "n2", "[2]"],
            ])
        let session = try Session(project: sandbox.project, environment: [:])
        let inspection = try ProjectInspection(
            project: sandbox.project, session: session, scripts: try StarlarkHost(project: sandbox.project) { _ in })
        #expect(
            inspection.graph.dependencies[Target(schema: "staging", table: "doubled")] == [
                Target(schema: "raw", table: "numbers")
            ])
    }

    @Test func scriptErrorsNameTheFileAndLineAndLoadStaysInTheProject() async throws {
        try sandbox.write("models/raw/broken.star", "# @kind: table\n\nx = 1\nfail(\"no rows today\")\n")
        try sandbox.write("models/raw/escape.star", "# @kind: table\nload(\"../outside.star\", \"x\")\n")
        // Not a literal, so only the run can see what it does.
        try sandbox.write(
            "models/raw/writes.star", "# @kind: table\nsql = \"CREATE TABLE t AS SELECT 1\"\nquery(sql)\n")
        try sandbox.write("models/raw/aborts.star", "# @kind: table\nsave.row({\"a\": 1})\nabort()\n")
        try sandbox.write("lib/helpers.star", "def twice(x):\n    return 2 * x\n")
        try sandbox.write("lib/ping.star", "load(\"lib/pong.star\", \"y\")\nx = 1\n")
        try sandbox.write("lib/pong.star", "load(\"lib/ping.star\", \"x\")\ny = 1\n")
        try sandbox.write("models/raw/cycle.star", "# @kind: table\nload(\"lib/ping.star\", \"x\")\n")
        try sandbox.write("models/raw/self.star", "# @kind: table\nload(\"models/raw/self.star\", \"x\")\n")
        try sandbox.write(
            "models/raw/loads.star",
            "# @kind: table\nload(\"lib/helpers.star\", \"twice\")\nsave.row({\"v\": twice(21)})\n")
        let (results, _) = try await run()
        let broken = results["raw.broken"]?.errors.first ?? ""
        #expect(broken.contains("models/raw/broken.star:4"))
        #expect(broken.contains("no rows today"))
        #expect(results["raw.escape"]?.errors.first?.contains("outside the project") == true)
        #expect(
            results["raw.cycle"]?.errors.first?.contains("cycle: lib/ping.star → lib/pong.star → lib/ping.star") == true
        )
        #expect(
            results["raw.self"]?.errors.first?.contains("cycle: models/raw/self.star → models/raw/self.star") == true)
        #expect(results["raw.writes"]?.errors.first?.contains("only SELECT statements") == true)
        #expect(results["raw.aborts"]?.status == .ok)
        #expect(results["raw.aborts"]?.warnings == ["aborted: nothing written"])
        #expect(results["raw.loads"]?.status == .ok)
        #expect(try rows("SELECT v FROM raw.loads") == [["42"]])
    }
}
