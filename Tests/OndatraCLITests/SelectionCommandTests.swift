import Foundation
import OndatraTesting
import Testing

/// `ls` and `run --plan` from the command line: selectors relative to where they are typed,
/// JSON lines, and exit codes.
@Suite struct SelectionCommandTests {
    let directory: TemporaryDirectory
    var project: String { directory.url.appending(path: "my project").path }

    init() throws {
        directory = try TemporaryDirectory()
        let created = try CLIRunner.run(["init", directory.url.appending(path: "my project").path])
        #expect(created.status == 0, "\(created.stderr)")
        try directory.write("my project/models/raw/a.sql", "SELECT 1 AS id")
        try directory.write("my project/models/staging/b.sql", "SELECT id FROM raw.a")
        try directory.write(
            "my project/models/mart/c.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id FROM staging.b")
    }

    @Test func lsListsWhatSelectorsPickInRunOrder() throws {
        let all = try CLIRunner.run(["--project", project, "ls"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(
            all.stdout
                == "raw.a      table  models/raw/a.sql\nstaging.b  table  models/staging/b.sql\nmart.c     merge  models/mart/c.sql\n"
        )
        let folder = directory.url.appending(path: "my project/models/staging")
        let relative = try CLIRunner.run(["ls", "b.sql+", "--json"], in: folder)
        #expect(relative.status == 0, "\(relative.stderr)")
        let lines = relative.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                #"{"dependencies":["raw.a"],"kind":"table","model":"staging.b","path":"models/staging/b.sql","sink":null}"#,
                #"{"dependencies":["staging.b"],"kind":"merge","model":"mart.c","path":"models/mart/c.sql","sink":null}"#,
            ])
        let unknown = try CLIRunner.run(["--project", project, "ls", "mart.nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no model builds mart.nope (models: mart.c, raw.a, staging.b)"))
        let empty = try CLIRunner.run(["--project", project, "ls", "+"])
        #expect(empty.status == 2)
        // describe takes a bare name as run does (regression: "no model builds main.b").
        let bare = try CLIRunner.run(["--project", project, "describe", "b"])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stdout.hasPrefix("staging.b  (models/staging/b.sql)"), "\(bare.stdout)")
        try directory.write("my project/models/mart/b.sql", "SELECT 2 AS id")
        let ambiguous = try CLIRunner.run(["--project", project, "describe", "b"])
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("b names several models (mart.b, staging.b)"), "\(ambiguous.stderr)")
    }

    @Test func runPlanRunsNothingAndExitsOneWhenAModelWouldFail() throws {
        let planned = try CLIRunner.run(["--project", project, "run", "--plan"])
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stdout.contains("[RUN] mart.c (merge, backfill: first run)"), "\(planned.stdout)")
        #expect(planned.stdout.contains("Plan: 3 would run, 0 skipped, 0 would fail (nothing ran)"))
        let tables = try CLIRunner.run(
            [
                "--project", project, "sql", "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake'",
                "--format", "csv",
            ])
        #expect(tables.stdout.hasSuffix("\n0\n"), "\(tables.stdout)")
        let alone = try CLIRunner.run(["--project", project, "run", "--plan", "--json", "mart.c"])
        #expect(alone.status == 1)
        #expect(alone.stdout.contains(#""status":"error""#), "\(alone.stdout)")
        #expect(alone.stderr.contains("run `ondatrasql run +mart.c`"), "\(alone.stderr)")
        let ran = try CLIRunner.run(["--project", project, "run", "+MART.C"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let idle = try CLIRunner.run(["--project", project, "run", "--plan"])
        #expect(idle.stdout.contains("Plan: 0 would run, 3 skipped, 0 would fail (nothing ran)"), "\(idle.stdout)")
    }
}

/// The completion scripts docs/cli.md tells users to install.
@Suite struct CompletionScriptTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func everyShellGetsAScriptThatKnowsTheCommands(shell: String) throws {
        let script = try CLIRunner.run(["--generate-completion-script", shell])
        #expect(script.status == 0, "\(script.stderr)")
        for command in ["run", "ls", "sql", "describe", "sync", "events"] {
            #expect(script.stdout.contains(command), "\(shell): \(command)")
        }
        #expect(script.stdout.contains("plan"), "\(shell)")
    }
}

/// `lineage overview | TARGET | TARGET.column` on a built project.
@Suite struct LineageCommandTests {
    @Test func overviewModelAndColumnTraces() throws {
        let directory = try TemporaryDirectory()
        let project = directory.url.appending(path: "p").path
        #expect(try CLIRunner.run(["init", project]).status == 0)
        try directory.write("p/models/raw/orders.sql", "SELECT * FROM (VALUES (1, 5.0)) v(id, amount)")
        try directory.write("p/models/staging/orders.sql", "SELECT id, amount * 1.2 AS gross FROM raw.orders")
        try directory.write(
            "p/models/mart/revenue.sql", "SELECT sum(gross) AS total, count(*) AS n FROM staging.orders")
        #expect(try CLIRunner.run(["--project", project, "run"]).status == 0)

        let overview = try CLIRunner.run(["--project", project, "lineage"])
        #expect(overview.status == 0, "\(overview.stderr)")
        #expect(
            overview.stdout
                == "raw.orders (table)\n└── staging.orders (table)\n    └── mart.revenue (table)\n")
        let model = try CLIRunner.run(["--project", project, "lineage", "mart.revenue"])
        #expect(
            model.stdout
                == "mart.revenue\n  total  aggregate  ← staging.orders.gross\n  n      aggregate  ← (no source column)\n"
        )
        let column = try CLIRunner.run(["--project", project, "lineage", "MART.REVENUE.total"])
        #expect(
            column.stdout
                == "mart.revenue.total (aggregate)\n└── staging.orders.gross (expression)\n    └── raw.orders.amount\n"
        )
        let json = try CLIRunner.run(["--project", project, "lineage", "staging.orders.gross", "--json"])
        #expect(
            json.stdout
                == #"{"column":"staging.orders.gross","sources":[{"column":"raw.orders.amount","sources":[],"transform":null}],"transform":"expression"}"#
                + "\n")
        // Regressions from a new-user trial: a quoted column keeps its case; a Starlark model's
        // queries are not its columns; a model whose SQL does not parse has no lineage.
        try directory.write("p/models/mart/spaced.sql", #"SELECT gross AS "Gross Amount" FROM staging.orders"#)
        try directory.write(
            "p/models/raw/st.star",
            "for r in query(\"SELECT id FROM raw.orders\"):\n    save.row({\"id\": r[\"id\"], \"k\": 1})\n")
        #expect(try CLIRunner.run(["--project", project, "run"]).status == 0)
        let quoted = try CLIRunner.run(["--project", project, "lineage", #"mart.spaced."Gross Amount""#])
        #expect(
            quoted.stdout.hasPrefix("mart.spaced.Gross Amount (direct)\n└── staging.orders.gross (expression)\n"),
            "\(quoted.stdout)\(quoted.stderr)")
        let starlark = try CLIRunner.run(["--project", project, "lineage", "raw.st"])
        #expect(
            starlark.stdout
                == "raw.st\n  id  (a Starlark model: its sources are not known)\n  k  (a Starlark model: its sources are not known)\n"
        )
        try directory.write("p/models/mart/bad.sql", "SELECT nope WHERE = 1")
        let bad = try CLIRunner.run(["--project", project, "lineage", "mart.bad"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("mart.bad does not parse, so its lineage is not known"))
        try FileManager.default.removeItem(at: directory.url.appending(path: "p/models/mart/bad.sql"))

        let unknown = try CLIRunner.run(["--project", project, "lineage", "mart.revenue.nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("mart.revenue has no column nope (columns: total, n)"))
    }
}
