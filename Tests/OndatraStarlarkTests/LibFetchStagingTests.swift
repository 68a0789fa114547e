import DuckDB
import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Synchronization
import Testing

/// A lib function's pages stream into a staging table as they arrive: column types are still
/// inferred from every row, and a fetch that fails, aborts or is cancelled writes nothing. The
/// staging file is deleted when the run ends, whatever happened.
@Suite struct LibFetchStagingTests {
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

    /// Whatever the runs left in the staging folder (nothing, not even the folder).
    private var stagingLeft: Bool {
        FileManager.default.fileExists(atPath: sandbox.project.stateDirectory.appending(path: "staging").path)
    }

    @Test func columnTypesAreInferredFromEveryPage() async throws {
        // Types widen across pages, a column may first appear on a later page (earlier rows get
        // NULL), names match whatever their case, and rows save.row() adds during fetch count too.
        // A Starlark model saving the same rows (loaded in one pass, never staged) is the oracle.
        try sandbox.write(
            "lib/pages.star",
            """
            PAGES = [
                [{"n": 1, "a": 1, "b": True, "c": "x", "d": None, "e": 1, "f": [1, 2], "g": 1.5, "h": "s<&>\\"é", "i": 0.1}],
                [],
                [{"n": 3, "a": 2.5, "b": 3, "c": 1, "d": None, "e": "y", "f": "str", "g": "z", "h": {"k": "v"}, "i": 2, "late": 7}],
                [{"n": 4, "A": 3, "b": False, "c": 0.1 + 0.2, "e": True, "g": 1e20, "h": 5.0, "late": None, "none": None, "big": 1 << 70}],
            ]
            SAVED = {"n": 2, "a": 10, "saved": "by save.row", "big": 5}
            """)
        try sandbox.write(
            "lib/mixed.star",
            """
            load("lib/pages.star", "PAGES", "SAVED")

            API = {"fetch": {}}

            def fetch(page):
                if page.number == 2:
                    save.row(SAVED)
                return {"rows": PAGES[page.number - 1], "next": page.number if page.number < len(PAGES) else None}
            """)
        try sandbox.write("models/raw/mixed.sql", "SELECT * FROM mixed()")
        try sandbox.write(
            "models/raw/saved.star",
            """
            # @kind: table
            load("lib/pages.star", "PAGES", "SAVED")

            for number, rows in enumerate(PAGES):
                if number == 1:
                    save.row(SAVED)
                save.rows(rows)
            """)
        let results = try await run()
        #expect(results["raw.mixed"]?.status == .ok, "\(results["raw.mixed"]?.errors ?? [])")
        #expect(results["raw.saved"]?.status == .ok, "\(results["raw.saved"]?.errors ?? [])")
        #expect(results["raw.mixed"]?.rowsAffected == 4)
        let types = { (table: String) in
            try self.rows("SELECT name, type FROM pragma_table_info('lake.raw.\(table)') ORDER BY cid")
        }
        #expect(
            try types("mixed") == [
                ["n", "BIGINT"], ["a", "DOUBLE"], ["b", "VARCHAR"], ["c", "VARCHAR"], ["d", "VARCHAR"],
                ["e", "VARCHAR"], ["f", "JSON"], ["g", "VARCHAR"], ["h", "JSON"], ["i", "DOUBLE"],
                ["saved", "VARCHAR"], ["big", "VARCHAR"], ["late", "BIGINT"], ["none", "VARCHAR"],
            ])
        #expect(try types("mixed") == types("saved"))
        let mixed = try rows("SELECT * FROM raw.mixed ORDER BY n")
        let saved = try rows("SELECT * FROM raw.saved ORDER BY n")
        #expect(mixed == saved, "\(mixed)\n\(saved)")
        #expect(mixed.map { $0[2] } == ["True", "NULL", "3", "False"])
        #expect(mixed.map { $0[3] } == ["x", "NULL", "1", "0.30000000000000004"])
        #expect(mixed.map { $0[11] } == ["NULL", "5", "NULL", "1180591620717411303424"])
        #expect(!stagingLeft)
    }

    @Test func aFetchThatStopsHalfwayWritesNothing() async throws {
        let server = try await TestHTTPServer.start { request in
            request.path == "/broken" ? .json(#"{"error": "down"}"#, status: 500) : .json("{}")
        }
        defer { server.stop() }
        // Three pages of 100 rows, then the mode decides how page 4 ends.
        try sandbox.write(
            "lib/halfway.star",
            """
            API = {"base_url": "\(server.baseURL)", "fetch": {}}

            def fetch(page):
                mode = env("MODE", "ok")
                if page.number == 4:
                    if mode == "fail":
                        fail("page 4 broke")
                    elif mode == "abort":
                        abort()
                    elif mode == "http":
                        http.get("/broken").raise_for_status()
                    elif mode == "error":
                        return {"rows": [{"id": 1 // 0}]}
                    return {"rows": [], "next": None}
                rows = [{"id": (page.number - 1) * 100 + i, "mode": mode} for i in range(100)]
                return {"rows": rows, "next": page.number}
            """)
        try sandbox.write("models/raw/halfway.sql", "-- @kind: table\nSELECT * FROM halfway()")

        // On a first run a failure leaves no table at all.
        var results = try await run(environment: ["MODE": "fail"])
        #expect(results["raw.halfway"]?.errors.first?.contains("page 4 broke") == true)
        #expect(try rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'halfway'") == [["0"]])
        #expect(!stagingLeft)

        results = try await run(environment: ["MODE": "ok"])
        #expect(results["raw.halfway"]?.rowsAffected == 300)
        #expect(!stagingLeft)

        for mode in ["fail", "abort", "http", "error"] {
            results = try await run(environment: ["MODE": mode])
            let result = results["raw.halfway"]
            if mode == "abort" {
                #expect(result?.status == .ok)
                #expect(result?.warnings == ["aborted: nothing written"])
            } else {
                #expect(result?.status != .ok, "\(mode)")
                #expect(result?.errors.first?.contains("lib/halfway.star") == true, "\(mode): \(result?.errors ?? [])")
            }
            #expect(
                try rows("SELECT count(*), min(mode), max(mode) FROM raw.halfway") == [["300", "ok", "ok"]], "\(mode)")
            #expect(!stagingLeft, "\(mode)")
        }
    }

    @Test func cancellingAFetchWritesNothing() async throws {
        try sandbox.write(
            "lib/endless.star",
            """
            API = {"fetch": {}}

            def fetch(page):
                return {"rows": [{"id": page.number * 1000 + i} for i in range(50)], "next": page.number}
            """)
        try sandbox.write("models/raw/endless.sql", "SELECT * FROM endless()")
        let outcome = try await runBlocking { [project = sandbox.project] in
            let session = try Session(project: project, environment: [:])
            let host = try StarlarkHost(project: project) { _ in }
            let box = CancelBox(host)
            // Ctrl-C while page 5 is being fetched.
            host.progress = { _, pages, _ in if pages == 5 { box.cancel() } }
            return try Runner(project: project, session: session, scripts: host).run().results.first?.errors ?? []
        }
        #expect(outcome.first?.contains("interrupted") == true, "\(outcome)")
        #expect(try rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'endless'") == [["0"]])
        #expect(!stagingLeft)
    }

    @Test func manyPagesKeepEveryRowAndQueriesStillWork() async throws {
        // query() during a fetch runs on the session while pages are being staged.
        try sandbox.write("models/raw/factor.sql", "SELECT 3 AS factor")
        try sandbox.write(
            "lib/numbers.star",
            """
            API = {"fetch": {}}

            def fetch(page):
                factor = query("SELECT factor FROM raw.factor")[0]["factor"]
                rows = [{"id": (page.number - 1) * 250 + i, "tripled": ((page.number - 1) * 250 + i) * factor} for i in range(250)]
                return {"rows": rows, "next": page.number if page.number < 40 else None}
            """)
        try sandbox.write(
            "models/raw/numbers.sql", "SELECT n.* FROM numbers() AS n JOIN raw.factor ON true -- after raw.factor")
        let results = try await run()
        #expect(results["raw.numbers"]?.status == .ok, "\(results["raw.numbers"]?.errors ?? [])")
        #expect(
            try rows("SELECT count(*), count(DISTINCT id), sum(id), sum(tripled) FROM raw.numbers") == [
                ["10000", "10000", "49995000", "149985000"]
            ])
    }
}

/// Lets a `@Sendable` progress callback reach the host's ``StarlarkHost/cancel()``, which is
/// safe from any thread.
private final class CancelBox: @unchecked Sendable {
    private let host: StarlarkHost

    init(_ host: StarlarkHost) { self.host = host }

    func cancel() { host.cancel() }
}
