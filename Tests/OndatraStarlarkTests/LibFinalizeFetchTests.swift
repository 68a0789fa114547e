import DuckDB
import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Testing

/// `finalize_fetch(row_count)`: called once after a lib function's last page, before its rows
/// are written; its failure writes nothing.
@Suite struct LibFinalizeFetchTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func run(environment: [String: String] = [:]) async throws -> (
        results: [String: ModelResult], printed: [String]
    ) {
        try await runWithStarlarkHost(sandbox.project, environment: environment)
    }

    private func rows(_ sql: String) throws -> [[String]] {
        try Session(project: sandbox.project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
    }

    /// A lib of `pages` pages of 3 rows whose `finalize_fetch` is `finalize`.
    private func writeLib(_ name: String, pages: Int, columns: Bool = false, finalize: String) throws {
        try sandbox.write(
            "lib/\(name).star",
            """
            API = {"fetch": {\(columns ? #""columns": {"id": "BIGINT"}"# : "")}}

            def fetch(page):
                if page.number > \(pages):
                    return {"rows": [], "next": None}
                return {"rows": [{"id": page.number * 10 + i} for i in range(3)], "next": page.number}

            \(finalize)
            """)
        try sandbox.write("models/raw/\(name).sql", "-- @kind: table\nSELECT * FROM \(name)()")
    }

    @Test func finalizeFetchIsCalledOnceWithTheRowCount() async throws {
        try writeLib(
            "counted", pages: 4,
            finalize:
                "def finalize_fetch(row_count):\n    print(\"finalized\", row_count, query(\"SELECT 1 AS one\")[0][\"one\"])"
        )
        // Positional: any one parameter name works.
        try writeLib("positional", pages: 2, finalize: "def finalize_fetch(n):\n    print(\"positional\", n)")
        try writeLib(
            "empty", pages: 0, columns: true,
            finalize: "def finalize_fetch(row_count):\n    print(\"empty\", row_count)")
        try writeLib("plain", pages: 1, finalize: "")
        let (results, printed) = try await run()
        for name in ["counted", "positional", "empty", "plain"] {
            #expect(results["raw.\(name)"]?.status == .ok, "\(name): \(results["raw.\(name)"]?.errors ?? [])")
        }
        #expect(printed.filter { $0.contains("finalized") } == ["lib/counted.star: finalized 12 1"])
        #expect(printed.filter { $0.contains("positional") } == ["lib/positional.star: positional 6"])
        #expect(printed.filter { $0.contains("empty") } == ["lib/empty.star: empty 0"])
        #expect(try rows("SELECT count(*) FROM raw.counted") == [["12"]])
        #expect(try rows("SELECT count(*) FROM raw.empty") == [["0"]])
        #expect(try rows("SELECT count(*) FROM raw.plain") == [["3"]])
    }

    @Test func aFailingFinalizeFetchWritesNothing() async throws {
        try writeLib("checked", pages: 2, finalize: "def finalize_fetch(row_count):\n    pass")
        var (results, _) = try await run()
        #expect(try rows("SELECT count(*) FROM raw.checked") == [["6"]])

        let finalize = """
            def finalize_fetch(row_count):
                if env("MODE") == "abort":
                    abort()
                fail("expected 100 rows, got %d" % row_count)
            """
        try writeLib("checked", pages: 3, finalize: finalize)
        (results, _) = try await run(environment: ["MODE": "fail"])
        let message = results["raw.checked"]?.errors.first ?? ""
        #expect(message.contains("expected 100 rows, got 9"), "\(message)")
        // The lib file and the line of the fail() call.
        #expect(message.contains("lib/checked.star:11"), "\(message)")
        #expect(try rows("SELECT count(*) FROM raw.checked") == [["6"]])
        // Nor does it leave the file its rows were staged in.
        #expect(!FileManager.default.fileExists(atPath: sandbox.project.stateDirectory.appending(path: "staging").path))

        (results, _) = try await run(environment: ["MODE": "abort"])
        #expect(results["raw.checked"]?.warnings == ["aborted: nothing written"])
        #expect(try rows("SELECT count(*) FROM raw.checked") == [["6"]])
    }

    @Test func finalizeFetchIsNotCalledWhenTheFetchFails() async throws {
        try sandbox.write(
            "lib/broken.star",
            """
            API = {"fetch": {}}

            def fetch(page):
                fail("the API is down")

            def finalize_fetch(row_count):
                print("finalize ran")
            """)
        try sandbox.write("models/raw/broken.sql", "SELECT * FROM broken()")
        let (results, printed) = try await run()
        #expect(results["raw.broken"]?.errors.first?.contains("the API is down") == true)
        #expect(!printed.contains { $0.contains("finalize ran") })
    }
}
