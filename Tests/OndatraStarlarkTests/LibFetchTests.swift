import DuckDB
import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Synchronization
import Testing

/// Lib functions read from SQL (`FROM name(args)`), end to end through a loopback server.
@Suite struct LibFetchTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func run(environment: [String: String] = [:]) async throws -> [String: ModelResult] {
        try await runWithStarlarkHost(sandbox.project, environment: environment).results
    }

    private func rows(_ sql: String) throws -> [[String]] {
        try Session(project: sandbox.project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
    }

    /// A server with 5 countries, 2 per page, a token check, and one 503 on the first call.
    private func countriesServer() async throws -> TestHTTPServer {
        let failedOnce = Mutex(false)
        return try await TestHTTPServer.start { request in
            guard request.headers["authorization"] == "Bearer t0ken" else { return .json("{}", status: 401) }
            if !failedOnce.withLock({ failed in
                defer { failed = true }; return failed
            }) {
                return .json(#"{"error": "busy"}"#, status: 503)
            }
            let all = [("DE", 83), ("FR", 68), ("IT", 59), ("ES", 48), ("NL", 18)]
            let start = Int(request.query["cursor"] ?? "0") ?? 0
            let size = Int(request.query["size"] ?? "2") ?? 2
            let page = all.dropFirst(start).prefix(size)
            let items = page.map {
                #"{"code": "\#($0.0)", "population": \#($0.1), "region": "\#(request.query["region"] ?? "")"}"#
            }
            let next = start + size < all.count ? "\"\(start + size)\"" : "null"
            return .json(#"{"items": [\#(items.joined(separator: ","))], "next": \#(next)}"#)
        }
    }

    private func writeLib(baseURL: String, extra: String = "") throws {
        try sandbox.write(
            "lib/countries_fetch.star",
            """
            API = {
                "base_url": "\(baseURL)",
                "auth": {"env": "API_TOKEN"},
                "retry": 2,
                "backoff": 0.01,
                "fetch": {"args": ["region"], "page_size": 2\(extra)},
            }

            def fetch(region, page):
                body = http.get("/countries", params = {"region": region, "cursor": page.cursor, "size": page.size}).json
                return {"rows": body["items"], "next": body["next"]}
            """)
    }

    @Test func ingestTransformMart() async throws {
        let server = try await countriesServer()
        defer { server.stop() }
        try writeLib(baseURL: server.baseURL)
        try sandbox.write(".env", "API_TOKEN=t0ken\n")
        try sandbox.write(
            "models/raw/countries.sql",
            "-- @kind: merge\n-- @unique_key: code\nSELECT * FROM countries_fetch('E' || 'U') AS c")
        try sandbox.write("models/staging/big.sql", "SELECT code, population FROM raw.countries WHERE population > 50")
        try sandbox.write(
            "models/mart/summary.sql", "SELECT count(*) AS countries, sum(population) AS people FROM staging.big")
        let results = try await run()
        #expect(results["raw.countries"]?.status == .ok)
        #expect(results["raw.countries"]?.rowsAffected == 5)
        #expect(results["mart.summary"]?.status == .ok)
        #expect(try rows("SELECT countries, people FROM mart.summary") == [["3", "210"]])
        #expect(try rows("SELECT DISTINCT region FROM raw.countries") == [["EU"]])
        // One 503 retried, then three pages.
        #expect(server.requests.count == 4)
        #expect(server.requests.last?.query["cursor"] == "4")

        // The API is read again on the next run; unchanged rows change nothing.
        let again = try await run()
        #expect(again["raw.countries"]?.status == .ok)
        #expect(again["raw.countries"]?.rowsAffected == 0)
        #expect(again["mart.summary"]?.runType == .skip)
    }

    @Test func declaredColumnsGiveTypesAndUndeclaredOnesAreErrors() async throws {
        let server = try await countriesServer()
        defer { server.stop() }
        try writeLib(
            baseURL: server.baseURL,
            extra: #", "columns": {"code": "VARCHAR", "population": "INTEGER", "region": "VARCHAR"}"#)
        try sandbox.write("models/raw/countries.sql", "SELECT * FROM countries_fetch('EU')")
        var results = try await run(environment: ["API_TOKEN": "t0ken"])
        #expect(results["raw.countries"]?.status == .ok)
        #expect(
            try rows("SELECT name, type FROM pragma_table_info('lake.raw.countries') ORDER BY cid") == [
                ["code", "VARCHAR"], ["population", "INTEGER"], ["region", "VARCHAR"],
            ])

        try writeLib(baseURL: server.baseURL, extra: #", "columns": {"code": "VARCHAR"}"#)
        results = try await run(environment: ["API_TOKEN": "t0ken"])
        let message = results["raw.countries"]?.errors.first ?? ""
        #expect(message.contains("population, region are not in the API's fetch columns"))
    }

    @Test func badResultsAndSettingsAreClearErrors() async throws {
        let cases: [(body: String, fragment: String)] = [
            ("return [1]", #"fetch must return {"rows": [dict, …], "next": cursor or None}, got list"#),
            (#"return {"rows": 3}"#, #""rows" must be a list of dicts, got int"#),
            (#"return {"rows": [1]}"#, "a row must be a dict, got int"),
            (#"return {"data": []}"#, #"unexpected key "data""#),
            (#"return {"next": None}"#, #"no "rows" in fetch's result"#),
            (
                #"return {"rows": [], "next": "same"}"#,
                #"page 2 returned the same rows and next "same" as page 1, so fetch would never end"#
            ),
            (#"return {"rows": []}"#, #"fetch returned no rows; declare "columns""#),
            (#"fail("quota exceeded")"#, "quota exceeded"),
            // Regression: page.size read as a missing field when no page_size was set.
            (
                #"fail("size is %s, number %d, cursor %s" % (page.size, page.number, page.cursor))"#,
                "size is None, number 1, cursor None"
            ),
        ]
        for (index, (body, fragment)) in cases.enumerated() {
            try sandbox.write("lib/bad\(index).star", "API = {\"fetch\": {}}\n\ndef fetch(page):\n    \(body)\n")
            try sandbox.write("models/raw/bad\(index).sql", "SELECT * FROM bad\(index)()")
        }
        try sandbox.write(
            "lib/keyed.star",
            "API = {\"auth\": {\"env\": \"MISSING_KEY\"}}\n\ndef fetch(page):\n    return {\"rows\": [{\"a\": 1}]}\n")
        try sandbox.write("models/raw/keyed.sql", "SELECT * FROM keyed()")
        try sandbox.write(
            "lib/args.star",
            "API = {\"fetch\": {\"args\": [\"a\", \"b\"]}}\n\ndef fetch(a, b, page):\n    return {\"rows\": []}\n")
        try sandbox.write("models/raw/args.sql", "SELECT * FROM args(1)")
        try sandbox.write("models/raw/computed.sql", "SELECT * FROM args(no_such_column, 2)")
        try sandbox.write("lib/stop.star", "API = {}\n\ndef fetch(page):\n    abort()\n")
        try sandbox.write("models/raw/stop.sql", "SELECT * FROM stop()")
        let results = try await run()
        for (index, (_, fragment)) in cases.enumerated() {
            let message = results["raw.bad\(index)"]?.errors.first ?? ""
            #expect(message.contains(fragment), "case \(index): \(message)")
            #expect(message.contains("lib/bad\(index).star"), "case \(index): \(message)")
        }
        #expect(results["raw.keyed"]?.errors.first?.contains("environment variable MISSING_KEY is not set") == true)
        #expect(results["raw.args"]?.errors.first?.contains("args takes 2 argument(s) (a, b), got 1") == true)
        #expect(
            results["raw.computed"]?.errors.first?.contains("the arguments of args(…) must be constant expressions")
                == true)
        #expect(results["raw.stop"]?.status == .ok)
        #expect(results["raw.stop"]?.warnings == ["aborted: nothing written"])
    }

    @Test func aConstantNextWorksWhilePageNumbersAdvance() async throws {
        // A page-number API: pages 1 to 3 hold two items each, later pages none.
        let server = try await TestHTTPServer.start { request in
            let page = Int(request.query["page"] ?? "0") ?? 0
            let items = page >= 1 && page <= 3 ? [page * 10 + 1, page * 10 + 2] : []
            return .json(#"{"items": [\#(items.map { #"{"id": \#($0)}"# }.joined(separator: ","))]}"#)
        }
        defer { server.stop() }
        try sandbox.write(
            "lib/numbered.star",
            """
            API = {"base_url": "\(server.baseURL)"}

            def fetch(page):
                items = http.get("/items", params = {"page": page.number}).json["items"]
                return {"rows": items, "next": True if items else None}
            """)
        try sandbox.write("models/raw/numbered.sql", "SELECT * FROM numbered()")
        let results = try await run()
        #expect(results["raw.numbered"]?.status == .ok, "\(results["raw.numbered"]?.errors ?? [])")
        #expect(
            try rows("SELECT id FROM raw.numbered ORDER BY id") == [["11"], ["12"], ["21"], ["22"], ["31"], ["32"]])
        #expect(server.requests.map { $0.query["page"] ?? "" } == ["1", "2", "3", "4"])
    }

    @Test func runawayFetchesEndWithClearErrors() async throws {
        let cases: [(api: String, body: String, fragments: [String])] = [
            // Empty pages with ever-new cursors: the default limit ends them (the script's own
            // stop, far later, only keeps a regression from hanging).
            (
                #"{"fetch": {"columns": {"a": "INTEGER"}}}"#,
                #"""
                if page.number > 20000:
                        fail("never stopped")
                    return {"rows": [], "next": "c%d" % page.number}
                """#,
                ["page 10000 still returned a next (\"c10000\") after max_pages (10000) pages", "raise \"max_pages\""]
            ),
            (
                #"{"fetch": {"max_pages": 5}}"#,
                #"return {"rows": [{"a": page.number}], "next": page.number}"#,
                ["page 5 still returned a next (5) after max_pages (5) pages"]
            ),
            // An API that ignores the page asked for: the same page again.
            (
                "{}", #"return {"rows": [{"a": 1}], "next": True}"#,
                ["page 2 returned the same rows and next True as page 1", "return None as next after the last page"]
            ),
        ]
        for (index, (api, body, _)) in cases.enumerated() {
            try sandbox.write("lib/runaway\(index).star", "API = \(api)\n\ndef fetch(page):\n    \(body)\n")
            try sandbox.write("models/raw/runaway\(index).sql", "SELECT * FROM runaway\(index)()")
        }
        let results = try await run()
        for (index, (_, _, fragments)) in cases.enumerated() {
            let message = results["raw.runaway\(index)"]?.errors.first ?? ""
            #expect(message.contains("lib/runaway\(index).star: page "), "case \(index): \(message)")
            for fragment in fragments { #expect(message.contains(fragment), "case \(index): \(message)") }
        }
    }

    @Test func oauthTokensAreFetchedCachedAndSent() async throws {
        let server = try await TestHTTPServer.start { request in
            if request.path == "/token" {
                guard request.body.contains("client_secret=cs") else { return .json("{}", status: 401) }
                return .json(#"{"access_token": "oauth-tok", "expires_in": 3600}"#)
            }
            guard request.headers["authorization"] == "Bearer oauth-tok" else { return .json("{}", status: 401) }
            return .json(#"{"items": [{"id": 1}], "next": null}"#)
        }
        defer { server.stop() }
        try sandbox.write(
            "lib/crm.star",
            """
            API = {
                "base_url": "\(server.baseURL)",
                "auth": {"oauth": {"token_url": "\(server.baseURL)/token", "client_id_env": "CRM_ID", "client_secret_env": "CRM_SECRET"}},
            }

            def fetch(page):
                r = http.get("/items")
                if not r.ok:
                    fail("status %d" % r.status_code)
                return {"rows": r.json["items"], "next": r.json["next"]}
            """)
        try sandbox.write("models/raw/crm.sql", "SELECT * FROM crm()")
        let environment = ["CRM_ID": "id", "CRM_SECRET": "cs"]
        #expect(try await run(environment: environment)["raw.crm"]?.status == .ok)
        #expect(try await run(environment: environment)["raw.crm"]?.status == .ok)
        // One token request over two runs: the second read the cache under .ondatra/.
        #expect(server.requests.filter { $0.path == "/token" }.count == 1)
        let cache = sandbox.project.stateDirectory.appending(path: "oauth/crm.json")
        let mode = try FileManager.default.attributesOfItem(atPath: cache.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func theIncrementalCursorReachesStarlarkAndSQL() async throws {
        let newest = Mutex(3)
        let server = try await TestHTTPServer.start { request in
            let since = Int(request.query["since"] ?? "0") ?? 0
            let items = ((since + 1)...max(since + 1, newest.withLock { $0 })).filter { $0 <= newest.withLock { $0 } }
            return .json(#"{"items": [\#(items.map { #"{"id": \#($0)}"# }.joined(separator: ","))], "next": null}"#)
        }
        defer { server.stop() }
        try sandbox.write(
            "lib/feed.star",
            """
            API = {"base_url": "\(server.baseURL)", "fetch": {"columns": {"id": "BIGINT", "backfill": "BOOLEAN"}}}

            def fetch(page):
                since = incremental.last_value if incremental.last_value != None else int(incremental.initial_value)
                items = http.get("/items", params = {"since": since}).json["items"]
                return {"rows": [{"id": i["id"], "backfill": incremental.is_backfill} for i in items], "next": None}
            """)
        try sandbox.write(
            "models/raw/feed.sql",
            "-- @kind: append\n-- @incremental: id\n-- @incremental_initial: 0\nSELECT * FROM feed()")
        try sandbox.write(
            "models/raw/numbers.sql",
            """
            -- @kind: append
            -- @incremental: n
            SELECT range AS n, getvariable('incremental_is_backfill') AS backfill FROM range(6)
            WHERE n > coalesce(getvariable('incremental_last_value'), 2)
            """)
        var results = try await run()
        #expect(results["raw.feed"]?.rowsAffected == 3, "\(results["raw.feed"]?.errors ?? [])")
        #expect(results["raw.numbers"]?.rowsAffected == 3)
        newest.withLock { $0 = 5 }
        results = try await run()
        #expect(results["raw.feed"]?.rowsAffected == 2)
        #expect(server.requests.last?.query["since"] == "3")
        #expect(
            try rows("SELECT id, backfill FROM raw.feed ORDER BY id") == [
                ["1", "true"], ["2", "true"], ["3", "true"], ["4", "false"], ["5", "false"],
            ])
        // The SQL model's second run starts after its largest n: nothing new.
        #expect(results["raw.numbers"]?.rowsAffected == 0)
        #expect(
            try rows("SELECT n, backfill FROM raw.numbers ORDER BY n") == [
                ["3", "true"], ["4", "true"], ["5", "true"],
            ])
    }

    @Test func everyAuthFormReachesTheServer() async throws {
        let server = try await TestHTTPServer.start { request in
            let seen = [
                request.headers["authorization"] ?? "", request.headers["x-api-key"] ?? "",
                request.query["api_key"] ?? "",
            ].joined(separator: "|")
            return .json(#"{"rows": [{"seen": "\#(seen)"}]}"#)
        }
        defer { server.stop() }
        let forms = [
            "bearer": #"{"env": "TOKEN"}"#, "header": #"{"env": "TOKEN", "header": "X-Api-Key"}"#,
            "param": #"{"env": "TOKEN", "param": "api_key"}"#, "basic": #"{"env_user": "USER", "env_pass": "TOKEN"}"#,
        ]
        for (name, auth) in forms {
            try sandbox.write(
                "lib/\(name).star",
                "API = {\"base_url\": \"\(server.baseURL)\", \"auth\": \(auth)}\n\ndef fetch(page):\n    return {\"rows\": http.get(\"/x\").json[\"rows\"]}\n"
            )
            try sandbox.write("models/raw/\(name).sql", "SELECT * FROM \(name)()")
        }
        let results = try await run(environment: ["TOKEN": "tok-123", "USER": "ann"])
        #expect(results.values.allSatisfy { $0.status == .ok }, "\(results.values.flatMap(\.errors))")
        let basic = "Basic " + Data("ann:tok-123".utf8).base64EncodedString()
        #expect(try rows("SELECT seen FROM raw.bearer") == [["Bearer tok-123||"]])
        #expect(try rows("SELECT seen FROM raw.header") == [["|tok-123|"]])
        #expect(try rows("SELECT seen FROM raw.param") == [["||tok-123"]])
        #expect(try rows("SELECT seen FROM raw.basic") == [["\(basic)||"]])
    }

    @Test func redirectsAreFollowedAFewTimesOnly() async throws {
        let server = try await TestHTTPServer.start { request in
            let hop = Int(request.query["hop"] ?? "0") ?? 0
            if request.path == "/loop" || hop < 3 {
                return TestHTTPServer.Response(
                    status: 302, headers: ["Location": "/\(request.path == "/loop" ? "loop" : "hops")?hop=\(hop + 1)"])
            }
            return .json(#"{"rows": [{"hops": \#(hop)}]}"#)
        }
        defer { server.stop() }
        try sandbox.write(
            "lib/hops.star",
            "API = {\"base_url\": \"\(server.baseURL)\"}\n\ndef fetch(page):\n    return {\"rows\": http.get(\"/hops\").json[\"rows\"]}\n"
        )
        try sandbox.write(
            "lib/loop.star",
            "API = {\"base_url\": \"\(server.baseURL)\"}\n\ndef fetch(page):\n    return {\"rows\": http.get(\"/loop\").json[\"rows\"]}\n"
        )
        try sandbox.write("models/raw/hops.sql", "SELECT * FROM hops()")
        try sandbox.write("models/raw/loop.sql", "SELECT * FROM loop()")
        let results = try await run()
        #expect(results["raw.hops"]?.status == .ok)
        #expect(try rows("SELECT hops FROM raw.hops") == [["3"]])
        #expect(results["raw.loop"]?.status == .error)
        #expect(server.requests.filter { $0.path == "/loop" }.count <= 6)
    }

    @Test func credentialsDoNotFollowARedirectToAnotherOrigin() async throws {
        let other = try await TestHTTPServer.start { request in
            .json(#"{"rows": [{"key": "\#(request.headers["x-api-key"] ?? "none")"}]}"#)
        }
        defer { other.stop() }
        let origin = try await TestHTTPServer.start { request in
            if request.path == "/moved" { return TestHTTPServer.Response(status: 302, headers: ["Location": "/here"]) }
            if request.path == "/away" {
                return TestHTTPServer.Response(status: 307, headers: ["Location": other.baseURL + "/x"])
            }
            return .json(#"{"rows": [{"key": "\#(request.headers["x-api-key"] ?? "none")"}]}"#)
        }
        defer { origin.stop() }
        for (name, path) in [("same", "/moved"), ("away", "/away")] {
            try sandbox.write(
                "lib/\(name).star",
                "API = {\"base_url\": \"\(origin.baseURL)\", \"auth\": {\"env\": \"KEY\", \"header\": \"X-Api-Key\"}}\n\ndef fetch(page):\n    return {\"rows\": http.get(\"\(path)\").json[\"rows\"]}\n"
            )
            try sandbox.write("models/raw/\(name).sql", "SELECT * FROM \(name)()")
        }
        let results = try await run(environment: ["KEY": "k-secret"])
        #expect(results.values.allSatisfy { $0.status == .ok }, "\(results.values.flatMap(\.errors))")
        #expect(try rows("SELECT key FROM raw.same") == [["k-secret"]])
        #expect(try rows("SELECT key FROM raw.away") == [["none"]])
    }

    @Test func fetchMayTakeTheIncrementalStateAsKeywordArguments() async throws {
        try sandbox.write(
            "lib/dated.star",
            """
            API = {"fetch": {"columns": {"day": "DATE", "backfill": "BOOLEAN", "since": "VARCHAR"}}}

            def fetch(page, is_backfill = True, last_value = "", initial_value = ""):
                start = initial_value if is_backfill else last_value
                day = "2024-01-0%d" % (3 if is_backfill else 5)
                return {"rows": [{"day": day, "backfill": is_backfill, "since": start}]}
            """)
        try sandbox.write(
            "models/raw/dated.sql",
            "-- @kind: append\n-- @incremental: day\n-- @incremental_initial: 2024-01-01\nSELECT * FROM dated()")
        _ = try await run()
        _ = try await run()
        #expect(
            try rows("SELECT day, backfill, since FROM raw.dated ORDER BY day") == [
                ["2024-01-03", "true", "2024-01-01"], ["2024-01-05", "false", "2024-01-03"],
            ])
    }

    /// A token in a URL is percent-encoded there; the error once showed it so.
    @Test func aSecretInAURLIsHiddenInItsEncodedForm() async throws {
        try sandbox.write(
            "lib/closed.star",
            // Port 1 refuses connections: the error names the URL the token was sent in.
            "API = {\"base_url\": \"http://127.0.0.1:1\", \"auth\": {\"env\": \"KEY\", \"param\": \"key\"}, \"retry\": 0}\n\ndef fetch(page):\n    return {\"rows\": http.get(\"/x\").json[\"rows\"]}\n"
        )
        try sandbox.write("models/raw/closed.sql", "SELECT * FROM closed()")
        let results = try await run(environment: ["KEY": "tok/en+with=chars-and.more"])
        let message = results["raw.closed"]?.errors.first ?? ""
        #expect(message.contains("127.0.0.1:1/x?key=***"), "\(message)")
        #expect(!message.contains("tok"))
        #expect(!message.contains("chars"))
    }

    @Test func aSecretInAnErrorIsHidden() async throws {
        try sandbox.write(
            "lib/leaky.star",
            "API = {\"auth\": {\"env\": \"LEAKY_KEY\", \"param\": \"key\"}}\n\ndef fetch(page):\n    fail(\"key was \" + env(\"LEAKY_KEY\"))\n"
        )
        try sandbox.write("models/raw/leaky.sql", "SELECT * FROM leaky()")
        let results = try await run(environment: ["LEAKY_KEY": "real-env-secret"])
        let message = results["raw.leaky"]?.errors.first ?? ""
        #expect(message.contains("key was ***"))
        #expect(!message.contains("real-env-secret"))
    }
}
