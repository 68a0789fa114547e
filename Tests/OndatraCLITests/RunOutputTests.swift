import Foundation
import OndatraTesting
import Testing

/// What `run` and `describe` print, through the real binary (its output piped, as in a script).
@Suite struct RunOutputTests {
    let directory: TemporaryDirectory
    var project: String { directory.url.appending(path: "p").path }

    init() throws {
        directory = try TemporaryDirectory()
        let created = try CLIRunner.run(["init", project])
        #expect(created.status == 0, "\(created.stderr)")
    }

    private func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(filePath: project).appending(path: path))
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Output {
        try CLIRunner.run(["--project", project] + arguments, environment: environment)
    }

    /// The line of `target` among `text`'s lines.
    private func line(_ target: String, in text: String) -> String {
        text.split(separator: "\n").map(String.init).first {
            $0.contains("] \(target) ") || $0.contains("] \(target):")
        }
            ?? ""
    }

    @Test func linesSayWhyAndUnchangedIncrementalModelsAreSkipped() throws {
        try write("models/raw/items.sql", "SELECT 1 AS id, 'a' AS name")
        try write("models/mart/items.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM raw.items")
        let first = try run(["run"])
        #expect(first.status == 0, "\(first.stderr)")
        let raw = line("raw.items", in: first.stdout)
        #expect(raw.hasPrefix("[OK] raw.items (table, backfill, 1 rows, ") && raw.hasSuffix("s) — first run"), "\(raw)")
        let second = try run(["run", "--json"])
        #expect(line("mart.items", in: second.stderr) == "[SKIP] mart.items (merge, skip: deps unchanged)")
        let json = second.stdout.split(separator: "\n").first { $0.contains("\"mart.items\"") } ?? ""
        #expect(json.contains(#""run_reason":"deps unchanged""#) && json.contains(#""run_type":"skip""#))
        #expect(json.contains(#""status":"skip""#))
        try write("models/raw/items.sql", "SELECT 2 AS id, 'b' AS name")
        let third = try run(["run"])
        let mart = line("mart.items", in: third.stdout)
        #expect(mart.hasPrefix("[OK] mart.items (merge, incremental, 1 rows, "), "\(mart)")
        #expect(mart.hasSuffix(") — dep changed: raw.items"), "\(mart)")
        let refreshed = try run(["run", "--full-refresh", "mart.items"])
        #expect(line("mart.items", in: refreshed.stdout).hasSuffix(") — full refresh"), "\(refreshed.stdout)")
    }

    @Test func aSkipForAFailedUpstreamNamesIt() throws {
        try write("models/raw/items.sql", "SELECT nope")
        try write("models/staging/items.sql", "SELECT * FROM raw.items")
        try write("models/mart/items.sql", "SELECT * FROM staging.items")
        let result = try run(["run", "--json"])
        #expect(result.status == 1)
        #expect(
            line("mart.items", in: result.stderr) == "[SKIP] mart.items (table, skip: upstream model failed: raw.items)"
        )
        #expect(result.stdout.contains(#""run_reason":"upstream model failed: raw.items""#))
    }

    @Test func pipedOutputHasNoColourCodes() throws {
        try write("models/raw/items.sql", "SELECT 1 AS id")
        try write("models/raw/broken.sql", "SELECT nope")
        for (arguments, environment) in [
            (["run"], [:]), (["run", "--json"], [:]), (["--no-color", "run"], [:]), (["run"], ["NO_COLOR": "1"]),
            (["run", "-v"], [:]),
        ] as [([String], [String: String])] {
            let result = try run(arguments, environment: environment)
            #expect((result.stdout + result.stderr).contains("[FAILED] raw.broken"), "\(arguments)")
            #expect(!result.stdout.contains("\u{1B}") && !result.stderr.contains("\u{1B}"), "\(arguments)")
        }
    }

    @Test func quietPrintsOnlyFailuresWarningsAndTheSummary() throws {
        try write("models/raw/items.sql", "-- @warning: not_null(id)\nSELECT NULL::INT AS id")
        try write("models/raw/other.sql", "SELECT 1 AS id")
        try write("models/raw/broken.sql", "SELECT nope")
        let result = try run(["-q", "run"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("[FAILED] raw.broken: ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("[OK] raw.items ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  warning: ") }, "\(lines)")
        #expect(!lines.contains { $0.contains("raw.other") }, "\(lines)")
        #expect(lines.last?.hasPrefix("Done: 2 ran, 0 skipped, 1 failed") == true, "\(lines)")
        // After the command too, and not with --verbose.
        let again = try run(["run", "--quiet"]).stdout
        #expect(again.contains("[FAILED] raw.broken") && !again.contains("raw.other"), "\(again)")
        let both = try run(["run", "-q", "-v"])
        #expect(both.status == 2 && both.stderr.contains("--quiet and --verbose"), "\(both.stderr)")
    }

    @Test func verboseAddsWhatEachModelReadAndItsStatements() throws {
        try write("models/raw/items.sql", "SELECT 1 AS id")
        try write("models/mart/items.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM raw.items")
        let result = try run(["run", "-v"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let mart = try #require(lines.firstIndex { $0.hasPrefix("[OK] mart.items ") })
        let details = lines[(mart + 1)...].prefix { $0.hasPrefix("  ") }
        #expect(details.contains("  reads: raw.items"), "\(lines)")
        #expect(details.contains { $0.hasPrefix("  sql: ") && $0.hasSuffix(" ms; slowest:") }, "\(lines)")
        #expect(details.contains { $0.hasPrefix("    ") && $0.contains(" ms  ") }, "\(lines)")
        try write("models/raw/items.sql", "SELECT 2 AS id")
        let again = try run(["run", "-v"])
        let incremental = again.stdout.split(separator: "\n").map(String.init)
        let index = try #require(incremental.firstIndex { $0.hasPrefix("[OK] mart.items ") })
        #expect(incremental[index + 1].hasPrefix("  strategy: "), "\(incremental)")
    }

    @Test func describeAsJSONAndNotNull() throws {
        try write(
            "models/raw/clicks.sql",
            """
            -- @kind: events
            -- @description: clicks on the site
            id BIGINT NOT NULL,
            page VARCHAR
            """)
        try write(
            "models/raw/items.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @column: name = what it is called | pii | mask\nSELECT 1 AS id, 'a' AS name"
        )
        try write("models/mart/items.sql", "SELECT * FROM raw.items")
        #expect(try run(["run"]).status == 0)
        let human = try run(["describe", "raw.clicks"])
        #expect(human.stdout.contains("\n  id BIGINT NOT NULL\n"), "\(human.stdout)")
        #expect(human.stdout.contains("\n  page VARCHAR\n"), "\(human.stdout)")
        let itemsText = try run(["describe", "raw.items"]).stdout
        #expect(itemsText.contains("\n  name VARCHAR  -- what it is called [pii, mask]\n"), "\(itemsText)")

        let clicks = try describe("raw.clicks")
        #expect(
            Set(clicks.keys) == [
                "model", "kind", "path", "unique_key", "description", "sink", "dependencies", "used_by",
                "lib_functions", "columns", "last_run",
            ])
        #expect(clicks["kind"] as? String == "events")
        #expect(clicks["path"] as? String == "models/raw/clicks.sql")
        #expect(clicks["description"] as? String == "clicks on the site")
        #expect(clicks["sink"] is NSNull)
        let columns = try #require(clicks["columns"] as? [[String: Any]])
        #expect(columns.map { $0["name"] as? String } == ["id", "page"])
        #expect(columns.map { $0["type"] as? String } == ["BIGINT", "VARCHAR"])
        #expect(columns.map { $0["nullable"] as? Bool } == [false, true])
        #expect(columns[0]["description"] is NSNull)
        #expect(columns[0]["tags"] as? [String] == [])

        let items = try describe("raw.items")
        let itemColumns = try #require(items["columns"] as? [[String: Any]])
        #expect(itemColumns[1]["description"] as? String == "what it is called")
        #expect(itemColumns[1]["tags"] as? [String] == ["pii", "mask"])
        #expect(items["unique_key"] as? [String] == ["id"])
        #expect(items["used_by"] as? [String] == ["mart.items"])
        #expect(items["lib_functions"] as? [String] == [])
        let last = try #require(items["last_run"] as? [String: Any])
        #expect(Set(last.keys) == ["snapshot", "run_type", "rows", "time"])
        #expect(last["run_type"] as? String == "backfill")
        #expect(last["rows"] as? Int == 1)
        #expect((last["time"] as? String)?.hasSuffix("Z") == true)
        let mart = try describe("mart.items")
        #expect(mart["dependencies"] as? [String] == ["raw.items"])
    }

    /// `describe TARGET --json`, parsed.
    private func describe(_ target: String) throws -> [String: Any] {
        let described = try run(["describe", target, "--json"])
        #expect(described.status == 0, "\(described.stderr)")
        #expect(described.stdout.split(separator: "\n").count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(described.stdout.utf8))
        return try #require(object as? [String: Any])
    }
}
