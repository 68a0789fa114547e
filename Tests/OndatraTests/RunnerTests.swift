import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// End-to-end runs on a real DuckLake catalog: run types, rows, table contents and the change
/// types DuckLake records, over several runs with source changes in between.
@Suite struct RunnerTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func run(_ selection: [Target] = []) throws -> [String: ModelResult] {
        let session = try Session(project: sandbox.project, environment: [:])
        let summary = try Runner(project: sandbox.project, session: session).run(selection: selection)
        return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
    }

    /// Regression: DuckDB's "Only SELECT statements can be serialized to json!" reached users.
    @Test(arguments: [
        ("CREATE TABLE foo (a INT)", "this is a CREATE statement"),
        ("-- load it\nINSERT INTO raw.ok VALUES (2)", "this is an INSERT statement"),
        ("PRAGMA version", "this is a PRAGMA statement"),
    ])
    func aModelThatIsNotASelectSaysAModelIsOneQuery(sql: String, says: String) throws {
        try sandbox.write("models/raw/ok.sql", "SELECT 1 AS a")
        try sandbox.write("models/raw/bad.sql", sql)
        let results = try run()
        let error = try #require(results["raw.bad"]?.errors.first)
        #expect(error.contains("a model is one query (a SELECT, or WITH … SELECT)"), "\(error)")
        #expect(error.contains(says), "\(error)")
        #expect(!error.contains("serialized"))
        #expect(results["raw.ok"]?.status == .ok)
    }

    /// Regression: a syntax error was reported at the model's first line, without DuckDB's caret.
    @Test func aSyntaxErrorNamesTheLineAndColumnWithACaret() throws {
        try sandbox.write(
            "models/raw/s.sql", "-- @kind: table\nSELECT 1 AS a,\n  'é' AS b\nFROM (SELECT 1) t\nWHERE\ta = = 1\n")
        let error = try #require(try run()["raw.s"]?.errors.first)
        #expect(
            error == "models/raw/s.sql:5:11: syntax error at or near \"=\"\n  WHERE\ta = = 1\n       \t    ^",
            "\(error)")
    }

    /// Regression: `FROM name()` over a lib file with no `API` said "Table Function … does not exist".
    @Test func aLibFileWithoutAnAPISaysSo() throws {
        try sandbox.write("lib/noapi.star", "def fetch():\n    return []\n")
        try sandbox.write("models/raw/n.sql", "SELECT * FROM noapi()")
        let error = try #require(try run()["raw.n"]?.errors.first)
        #expect(error.hasPrefix("models/raw/n.sql"), "\(error)")
        #expect(error.contains("noapi() is not a lib function: lib/noapi.star has no top-level API dict"), "\(error)")
        // A table function that has no file in lib/ keeps DuckDB's message.
        try sandbox.write("models/raw/n.sql", "SELECT * FROM nosuchfn()")
        let other = try #require(try run()["raw.n"]?.errors.first)
        #expect(other.contains("does not exist"), "\(other)")
    }

    private func rows(_ sql: String) throws -> [[Value]] {
        try Session(project: sandbox.project, environment: [:]).query(sql).allRows()
    }

    private func snapshotCount() throws -> Int {
        try Session(project: sandbox.project, environment: [:]).snapshots().count
    }

    /// The change types of `target` in its newest snapshot, as sorted "id:change" strings.
    private func lastChanges(_ target: String) throws -> [String] {
        let session = try Session(project: sandbox.project, environment: [:])
        let parts = target.split(separator: ".").map(String.init)
        let last = try session.snapshots().last { snapshot in
            (try? JSONValue.parse(snapshot.extraInfo ?? ""))?["model"]?.stringValue == target
        }
        guard let id = last?.id else { return [] }
        return try session.query(
            "SELECT id, change_type FROM ducklake_table_changes('lake', '\(parts[0])', '\(parts[1])', \(id), \(id)) ORDER BY 1, 2"
        ).allRows().map { "\($0[0]):\($0[1])" }
    }

    private func writeItems(_ lines: [String]) throws {
        try sandbox.write("data/items.csv", (["id,name,price"] + lines).joined(separator: "\n") + "\n")
    }

    private func writeModels() throws {
        try sandbox.write(
            "models/raw/items.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM read_csv('\(sandbox.project.root.path)/data/items.csv')"
        )
        try sandbox.write(
            "models/staging/items_table.sql", "SELECT id, name, price * 2 AS double_price FROM raw.items")
        try sandbox.write("models/staging/items_append.sql", "-- @kind: append\nSELECT id, name FROM raw.items")
        try sandbox.write(
            "models/mart/items_merge.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, upper(name) AS name FROM raw.items AS i")
    }

    @Test func kindsAcrossRuns() throws {
        try writeItems(["1,apple,10", "2,pear,20"])
        try writeModels()

        // First run: everything is a backfill and every row an insert.
        var results = try run()
        #expect(results.values.allSatisfy { $0.status == .ok && $0.runType == .backfill })
        #expect(results["raw.items"]?.rowsAffected == 2)
        #expect(try lastChanges("mart.items_merge") == ["1:insert", "2:insert"])
        #expect(try rows("SELECT name FROM mart.items_merge ORDER BY id") == [[.varchar("APPLE")], [.varchar("PEAR")]])

        // No change: nothing is written and no snapshot is made.
        let before = try snapshotCount()
        results = try run()
        #expect(results["staging.items_table"]?.runType == .skip)
        #expect(results["staging.items_table"]?.reason == "deps unchanged")
        // Incremental kinds whose inputs did not change are skipped too.
        #expect(results["raw.items"]?.status == .skip)
        #expect(results["raw.items"]?.runType == .skip)
        #expect(results["raw.items"]?.reason == "no dependencies")
        #expect(results["staging.items_append"]?.status == .skip)
        #expect(results["staging.items_append"]?.reason == "deps unchanged")
        #expect(try snapshotCount() == before)

        // One update and one insert upstream.
        try writeItems(["1,apple,10", "2,nashi,20", "3,fig,30"])
        results = try run()
        #expect(results["raw.items"]?.rowsAffected == 2)
        #expect(try lastChanges("raw.items") == ["2:update_postimage", "2:update_preimage", "3:insert"])
        #expect(results["staging.items_table"]?.runType == .full)
        #expect(results["staging.items_table"]?.reason == "dep changed: raw.items")
        #expect(try lastChanges("staging.items_table").filter { $0.hasSuffix("insert") }.count == 3)
        #expect(try rows("SELECT count(*) FROM staging.items_table") == [[.bigint(3)]])
        // Append takes only the changed rows (the update's new image and the insert).
        #expect(results["staging.items_append"]?.rowsAffected == 2)
        #expect(
            try rows("SELECT id, name FROM staging.items_append ORDER BY id, name").map { $0.map(\.description) } == [
                ["1", "apple"], ["2", "nashi"], ["2", "pear"], ["3", "fig"],
            ])
        // Merge updates only what changed: no images for the unchanged row 1.
        #expect(try lastChanges("mart.items_merge") == ["2:update_postimage", "2:update_preimage", "3:insert"])
        #expect(
            try rows("SELECT name FROM mart.items_merge ORDER BY id").map { $0[0].description } == [
                "APPLE", "NASHI", "FIG",
            ])

        // A row removed upstream: merge never deletes.
        try writeItems(["1,apple,10", "3,fig,30"])
        results = try run()
        #expect(try rows("SELECT count(*) FROM raw.items") == [[.bigint(3)]])
    }

    /// Regression (new-user trial): `FROM range(20)` counted as reading a table no model builds,
    /// so the model ran on every run.
    @Test func tableFunctionsThatReadNothingDoNotMakeAModelRunAgain() throws {
        try sandbox.write(
            "models/raw/numbers.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT range AS id FROM range(20)")
        try sandbox.write("models/raw/series.sql", "-- @kind: append\nSELECT * FROM generate_series(1, 3) t(n)")
        #expect(try run()["raw.numbers"]?.status == .ok)
        let again = try run()
        #expect(again["raw.numbers"]?.status == .skip && again["raw.numbers"]?.reason == "no dependencies")
        #expect(again["raw.series"]?.status == .skip, "\(String(describing: again["raw.series"]))")
    }

    /// Regression (new-user trial): a type change DuckLake cannot do in place (a list to text, a
    /// struct to a list) was tried with ALTER first; its failure aborted the transaction, and the
    /// model failed with "Current transaction is aborted", even with --full-refresh.
    @Test func nestedColumnsChangeTypeOnARebuild() throws {
        try sandbox.write("models/raw/a.sql", "SELECT 1 AS id, [1] AS l")
        try sandbox.write(
            "models/mart/m.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, {'a': id} AS s FROM raw.a")
        #expect(try run().values.allSatisfy { $0.status == .ok })
        try sandbox.write("models/raw/a.sql", "SELECT 1 AS id, 'z' AS l")
        try sandbox.write("models/mart/m.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, [id] AS s FROM raw.a")
        let session = try Session(project: sandbox.project, environment: [:])
        let results = try Runner(project: sandbox.project, session: session).run(fullRefresh: true).results
        #expect(results.allSatisfy { $0.status == .ok }, "\(results.flatMap(\.errors))")
        #expect(
            try session.connection.rows("SELECT l, s::VARCHAR FROM raw.a, mart.m").map { $0.map(\.description) }
                == [["z", "[1]"]])
        #expect(SchemaEvolution.promotesInPlace(from: "integer", to: "BIGINT"))
        #expect(!SchemaEvolution.promotesInPlace(from: "INTEGER[]", to: "VARCHAR"))
    }

    @Test func fileSourcesRunOnlyWhenTheirFilesChange() throws {
        try writeItems(["1,apple,10"])
        let path = sandbox.project.root.path + "/data/items.csv"
        try sandbox.write(
            "models/raw/items.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM read_csv('\(path)')")
        try sandbox.write("models/raw/items_copy.sql", "SELECT * FROM '\(path)'")
        try sandbox.write("models/raw/items_log.sql", "-- @kind: append\nSELECT * FROM read_csv(['\(path)'])")
        _ = try run()

        // Files unchanged: nothing is read, nothing is written, and appends do not repeat.
        let before = try snapshotCount()
        var results = try run()
        #expect(results["raw.items"]?.runType == .skip)
        #expect(results["raw.items_copy"]?.runType == .skip)
        #expect(results["raw.items_log"]?.runType == .skip)
        #expect(try snapshotCount() == before)

        // A changed file is read in full by every model that reads it.
        try writeItems(["1,apple,10", "2,pear,20"])
        results = try run()
        #expect(results["raw.items"]?.reason == "source files changed")
        #expect(results["raw.items"]?.rowsAffected == 1)
        #expect(results["raw.items_copy"]?.runType == .full)
        #expect(try rows("SELECT count(*) FROM raw.items_copy") == [[.bigint(2)]])
        // Append adds only the rows it does not hold yet.
        #expect(results["raw.items_log"]?.rowsAffected == 1)
        #expect(try rows("SELECT count(*) FROM raw.items_log") == [[.bigint(2)]])
    }

    @Test func modelsWhoseDeltaFiltersToNothingCatchUp() throws {
        try writeItems(["1,apple,10"])
        try sandbox.write(
            "models/raw/items.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM read_csv('\(sandbox.project.root.path)/data/items.csv')"
        )
        try sandbox.write(
            "models/staging/expensive.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM raw.items WHERE price > 100")
        // Runs after staging.expensive (dependencies first, then by name) and commits: the
        // watermark of staging.expensive rides on this commit.
        try sandbox.write("models/zz/all_items.sql", "SELECT * FROM raw.items")
        _ = try run()

        try writeItems(["1,apple,10", "2,pear,20"])
        var results = try run()
        #expect(results["staging.expensive"]?.reason == "dep changed: raw.items")
        #expect(results["staging.expensive"]?.rowsAffected == 0)
        #expect(results["zz.all_items"]?.runType == .full)

        results = try run()
        #expect(results["staging.expensive"]?.reason == "deps unchanged")

        // Later changes are still seen.
        try writeItems(["1,apple,10", "2,pear,200"])
        results = try run()
        #expect(results["staging.expensive"]?.rowsAffected == 1)
        #expect(try rows("SELECT id FROM staging.expensive") == [[.bigint(2)]])
    }

    /// Regression: a row inserted and then updated upstream between two runs of a merge model
    /// reached it twice (once per version) and failed the one-row-per-key check.
    @Test func aMergeSeesEachUpstreamRowOnceInItsNewestVersion() throws {
        try writeItems(["1,apple,10"])
        try writeModels()
        _ = try run()
        let source = Target(schema: "raw", table: "items")
        try writeItems(["1,apple,10", "2,pear,20"])
        _ = try run([source])
        try writeItems(["1,apple,11", "2,nashi,20", "3,fig,30"])
        _ = try run([source])
        try writeItems(["1,apple,11", "3,fig,30"])
        _ = try run([source])

        let results = try run()
        #expect(results["mart.items_merge"]?.status == .ok)
        #expect(results["mart.items_merge"]?.runType == .incremental)
        #expect(results["mart.items_merge"]?.rowsAffected == 2)
        // Merge keeps rows deleted upstream; it takes in the newest version of every changed one.
        #expect(
            try rows("SELECT id, name FROM mart.items_merge ORDER BY id").map { $0.map(\.description) } == [
                ["1", "APPLE"], ["2", "NASHI"], ["3", "FIG"],
            ])
        #expect(
            try rows("SELECT id, name FROM staging.items_append ORDER BY id, name").map { $0.map(\.description) } == [
                ["1", "apple"], ["2", "nashi"], ["3", "fig"],
            ])
    }

    @Test func anUpstreamColumnNamedSnapshotIDIsReadInFull() throws {
        try writeItems(["1,apple,10"])
        try sandbox.write(
            "models/raw/items.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT *, 7 AS snapshot_id FROM read_csv('\(sandbox.project.root.path)/data/items.csv')"
        )
        try sandbox.write(
            "models/mart/items_merge.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, name, snapshot_id FROM raw.items")
        _ = try run()
        try writeItems(["1,apple,10", "2,pear,20"])
        let results = try run()
        #expect(results["mart.items_merge"]?.status == .ok)
        #expect(results["mart.items_merge"]?.rowsAffected == 1)
        #expect(
            try rows("SELECT id, name, snapshot_id FROM mart.items_merge ORDER BY id").map { $0.map(\.description) }
                == [
                    ["1", "apple", "7"], ["2", "pear", "7"],
                ])
    }

    @Test func aRewrittenButUnchangedFileIsReadOnce() throws {
        try writeItems(["1,apple,10"])
        let root = sandbox.project.root.path
        try sandbox.write(
            "models/raw/items.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM read_csv('\(root)/data/items.csv')")
        try sandbox.write("data/other.csv", "id\n1\n")
        // Commits after raw.items in every run below, carrying its watermark.
        try sandbox.write("models/zz/other.sql", "SELECT * FROM '\(root)/data/other.csv'")
        _ = try run()

        // Same content, new file: read once, nothing written.
        try writeItems(["1,apple,10"])
        try sandbox.write("data/other.csv", "id\n1\n2\n")
        var results = try run()
        #expect(results["raw.items"]?.reason == "source files changed")
        #expect(results["raw.items"]?.rowsAffected == 0)
        #expect(results["zz.other"]?.runType == .full)

        // The watermark recorded the new fingerprint: the file is not read again.
        results = try run()
        #expect(results["raw.items"]?.reason == "no dependencies")
    }

    @Test func partitionFallsBackToComparingPartitionsWhenTheQueryCannotBeRewritten() throws {
        try writeItems(["1,apple,10", "2,pear,20"])
        try writeModels()
        // `raw . items`, spaced, parses but cannot be located for the rewrite.
        try sandbox.write(
            "models/mart/by_price.sql",
            "-- @kind: partition\n-- @unique_key: price\nSELECT id, name, price FROM raw . items")
        _ = try run()
        try writeItems(["1,apple,10", "2,nashi,20", "3,fig,30"])
        let results = try run()
        #expect(results["mart.by_price"]?.status == .ok)
        #expect(
            try rows("SELECT id, name FROM mart.by_price ORDER BY id").map { $0.map(\.description) } == [
                ["1", "apple"], ["2", "nashi"], ["3", "fig"],
            ])
    }

    @Test func changedSQLIsABackfillAndSchemaEvolves() throws {
        try writeItems(["1,apple,10"])
        try writeModels()
        _ = try run()
        try sandbox.write("models/staging/items_table.sql", "SELECT id, name AS label, 'x' AS channel FROM raw.items")
        let results = try run()
        #expect(results["staging.items_table"]?.runType == .backfill)
        #expect(results["staging.items_table"]?.reason == "sql changed")
        let warning = results["staging.items_table"]?.warnings.first ?? ""
        #expect(warning.contains("renamed name → label"))
        #expect(warning.contains("+ channel"))
        #expect(warning.contains("- double_price"))
        #expect(try rows("SELECT label, channel FROM staging.items_table") == [[.varchar("apple"), .varchar("x")]])
    }

    @Test func failuresSkipDependentsOnly() throws {
        try sandbox.write("models/raw/a.sql", "SELECT 1 AS id")
        try sandbox.write("models/staging/broken.sql", "SELECT missing_column FROM raw.a")
        try sandbox.write("models/mart/after_broken.sql", "SELECT * FROM staging.broken")
        try sandbox.write("models/mart/deeper.sql", "SELECT * FROM mart.after_broken")
        try sandbox.write("models/mart/independent.sql", "SELECT id FROM raw.a")
        let results = try run()
        #expect(results["staging.broken"]?.status == .error)
        #expect(results["staging.broken"]?.errors.first?.contains("models/staging/broken.sql") == true)
        #expect(results["staging.broken"]?.errors.first?.contains("missing_column") == true)
        #expect(results["mart.after_broken"]?.status == .skip)
        #expect(results["mart.after_broken"]?.reason == "upstream model failed: staging.broken")
        // Transitively, the skip names the model that failed.
        #expect(results["mart.deeper"]?.reason == "upstream model failed: staging.broken")
        #expect(results["mart.independent"]?.status == .ok)
    }

    @Test func diamondRebuildsOnlyWhatChanged() throws {
        try sandbox.write("models/raw/left.sql", "SELECT 1 AS id, 'l' AS side")
        try sandbox.write("models/raw/right.sql", "SELECT 1 AS id, 'r' AS side")
        try sandbox.write("models/staging/left_clean.sql", "SELECT * FROM raw.left")
        try sandbox.write("models/staging/right_clean.sql", "SELECT * FROM raw.right")
        try sandbox.write(
            "models/mart/joined.sql",
            "WITH l AS (SELECT * FROM staging.left_clean) SELECT l.id, l.side AS l, r.side AS r FROM l JOIN staging.right_clean r USING (id)"
        )
        _ = try run()
        try sandbox.write("models/raw/left.sql", "SELECT 1 AS id, 'L' AS side")
        let results = try run()
        #expect(results["raw.left"]?.runType == .backfill)
        #expect(results["staging.left_clean"]?.runType == .full)
        #expect(results["raw.right"]?.runType == .skip)
        #expect(results["staging.right_clean"]?.runType == .skip)
        #expect(results["mart.joined"]?.runType == .full)
        #expect(try rows("SELECT l, r FROM mart.joined") == [[.varchar("L"), .varchar("r")]])
    }

    @Test func projectErrorsStopTheRun() throws {
        try sandbox.write("models/a.sql", "SELECT * FROM main.b")
        try sandbox.write("models/b.sql", "SELECT * FROM main.a")
        let cycle = #expect(throws: OndatraError.self) { try run() }
        #expect(cycle?.message == "dependency cycle: main.a → main.b → main.a")
        try sandbox.write("models/b.sql", "SELECT 1 AS x")
        let unknown = #expect(throws: OndatraError.self) { try run([Target(schema: "main", table: "nope")]) }
        #expect(unknown?.message.contains("no model builds main.nope") == true)
        let selected = try run([Target(schema: "main", table: "b")])
        #expect(Array(selected.keys) == ["main.b"])
    }

    @Test func keyColumnsMustExistAndHoldNoNulls() throws {
        try sandbox.write("models/raw/k.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT NULL::INT AS id, 1 AS v")
        try sandbox.write("models/raw/m.sql", "-- @kind: merge\n-- @unique_key: key\nSELECT 1 AS id")
        try sandbox.write("models/raw/c.sql", "-- @kind: append\n-- @incremental: updated_at\nSELECT 1 AS id")
        let results = try run()
        #expect(results["raw.k"]?.errors.first?.contains("id has 1 NULL") == true)
        #expect(results["raw.m"]?.errors.first?.contains("@unique_key column key is not in the model's output") == true)
        #expect(
            results["raw.c"]?.errors.first?.contains(
                "@incremental column updated_at is not in the model's output (columns: id)")
                == true)
    }

    /// Regression: `FROM Raw.Items` made no dependency on `raw.items`, so the order was wrong.
    @Test func referencesMatchModelsWithoutRegardToCase() throws {
        try writeItems(["1,apple,10"])
        try writeModels()
        // Named so it sorts before raw.items: only the dependency puts it after.
        try sandbox.write("models/a/first.sql", "SELECT count(*) AS n FROM Raw.Items")
        let session = try Session(project: sandbox.project, environment: [:])
        let graph = try ProjectInspection(project: sandbox.project, session: session).graph
        #expect(graph.dependencies[Target(schema: "a", table: "first")] == [Target(schema: "raw", table: "items")])
        #expect(try run()["a.first"]?.status == .ok)
    }

    /// Renaming a model file only by case (orders.sql → Orders.sql) once failed every later run
    /// with "already exists": to DuckDB, `staging.Orders` is the catalog's `staging.orders`.
    @Test func renamingAModelFileByCaseKeepsItsTableAndState() throws {
        try sandbox.write("models/staging/orders.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT 1 AS id, 'a' AS v")
        try sandbox.write("models/mart/totals.sql", "SELECT count(*) AS n FROM staging.orders")
        #expect(try run().values.allSatisfy { $0.status == .ok })
        let models = sandbox.project.url("models/staging")
        try FileManager.default.moveItem(
            at: models.appending(path: "orders.sql"), to: models.appending(path: "Orders.sql"))
        // Not a first run: the catalog's state of staging.orders is this model's.
        let renamed = try run()
        #expect(renamed["staging.Orders"]?.status == .skip, "\(renamed["staging.Orders"]?.errors ?? [])")
        #expect(renamed["staging.Orders"]?.reason == "no dependencies")
        #expect(renamed["mart.totals"]?.status == .skip)
        #expect(try rows("SELECT id, v FROM staging.orders") == [[.integer(1), .varchar("a")]])
        try sandbox.write("models/staging/Orders.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT 2 AS id, 'b' AS v")
        let changed = try run()
        #expect(changed["staging.Orders"]?.status == .ok, "\(changed["staging.Orders"]?.errors ?? [])")
        #expect(changed["mart.totals"]?.status == .ok)
        #expect(try rows("SELECT id, v FROM staging.orders WHERE id = 2") == [[.integer(2), .varchar("b")]])
    }

    /// Two files that differ only in case are one table to DuckDB: an error up front names both.
    @Test func modelFilesThatDifferOnlyInCaseAreAnError() throws {
        try sandbox.write("models/staging/orders.sql", "SELECT 1 AS id")
        try sandbox.write("models/staging/Orders.sql", "SELECT 2 AS id")
        let error = #expect(throws: OndatraError.self) { try run() }
        #expect(
            error?.message
                == "models/staging/Orders.sql and models/staging/orders.sql both map to staging.Orders and "
                + "staging.orders, one table to DuckDB (names ignore case); rename one of them")
        #expect(try Session(project: sandbox.project, environment: [:]).catalogTables().isEmpty)
    }

    /// Regression: an append model reading a source in full added identical rows only once.
    @Test func appendKeepsRepeatedRows() throws {
        try writeItems(["1,apple,10"])
        try sandbox.write(
            "models/raw/events.sql",
            "-- @kind: append\nSELECT name FROM read_csv('\(sandbox.project.root.path)/data/items.csv')")
        _ = try run()
        try writeItems(["1,apple,10", "2,pear,20", "3,pear,20"])
        let results = try run()
        #expect(results["raw.events"]?.rowsAffected == 2)
        #expect(
            try rows("SELECT name, count(*) FROM raw.events GROUP BY name ORDER BY name").map { $0.map(\.description) }
                == [["apple", "1"], ["pear", "2"]])
    }

    /// Regression: tracked and scd2 compared the new result with the table before its schema
    /// evolved, so a column that arrived from upstream (without a change to the model's SQL) failed
    /// the comparison.
    @Test(arguments: ["tracked", "scd2"])
    func aColumnArrivingFromUpstreamEvolvesTrackedAndSCD2Tables(kind: String) throws {
        try writeItems(["1,apple,10", "2,pear,20"])
        try writeModels()
        try sandbox.write("models/mart/keyed.sql", "-- @kind: \(kind)\n-- @unique_key: id\nSELECT * FROM raw.items")
        _ = try run()
        try sandbox.write("data/items.csv", "id,name,price,color\n1,apple,10,red\n2,pear,25,green\n")
        let results = try run()
        #expect(results["mart.keyed"]?.status == .ok, "\(results["mart.keyed"]?.errors ?? [])")
        #expect(results["mart.keyed"]?.warnings.contains { $0.contains("+ color") } == true)
    }

    /// A key type change cannot be matched across; for kinds that keep history the rebuild it
    /// needs waits for `--full-refresh`, and the table stays as it was until then.
    @Test(arguments: ["tracked", "scd2"])
    func aKeyTypeChangeOfTrackedAndSCD2TablesNeedsFullRefresh(kind: String) throws {
        try writeItems(["1,apple,10", "2,pear,20"])
        try writeModels()
        try sandbox.write(
            "models/mart/keyed.sql", "-- @kind: \(kind)\n-- @unique_key: id\nSELECT id, name FROM raw.items")
        _ = try run()
        try sandbox.write(
            "models/mart/keyed.sql",
            "-- @kind: \(kind)\n-- @unique_key: id\nSELECT id::VARCHAR AS id, name FROM raw.items")
        var results = try run()
        #expect(results["mart.keyed"]?.status == .error)
        #expect(results["mart.keyed"]?.errors.first?.contains("--full-refresh mart.keyed") == true)
        #expect(try rows("SELECT DISTINCT typeof(id) FROM mart.keyed") == [[.varchar("BIGINT")]])
        let session = try Session(project: sandbox.project, environment: [:])
        results = Dictionary(
            uniqueKeysWithValues: try Runner(project: sandbox.project, session: session).run(
                selection: [Target(schema: "mart", table: "keyed")], fullRefresh: true
            ).results.map { ($0.target.description, $0) })
        #expect(results["mart.keyed"]?.status == .ok, "\(results["mart.keyed"]?.errors ?? [])")
        #expect(try rows("SELECT DISTINCT typeof(id) FROM mart.keyed") == [[.varchar("VARCHAR")]])
        #expect(try rows("SELECT count(*) FROM mart.keyed") == [[.bigint(2)]])
    }

    @Test func renamesAreDetectedAndKeyTypeChangesAreRefused() throws {
        try writeItems(["1,apple,10", "2,pear,20"])
        try writeModels()
        _ = try run()
        try sandbox.write(
            "models/mart/items_merge.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, upper(name) AS name, price AS cost FROM raw.items AS i")
        var results = try run()
        #expect(results["mart.items_merge"]?.warnings.first == "schema evolution: + cost (BIGINT)")
        try sandbox.write(
            "models/mart/items_merge.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, upper(name) AS name, price AS amount FROM raw.items AS i")
        results = try run()
        #expect(results["mart.items_merge"]?.warnings.first == "schema evolution: renamed cost → amount")
        #expect(
            try rows("SELECT id, amount FROM mart.items_merge ORDER BY id").map { $0.map(\.description) } == [
                ["1", "10"], ["2", "20"],
            ])

        try sandbox.write(
            "models/mart/items_merge.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id::VARCHAR AS id, upper(name) AS name, price AS amount FROM raw.items AS i"
        )
        results = try run()
        #expect(
            results["mart.items_merge"]?.errors.first?.contains(
                "key column id (BIGINT → VARCHAR) changed type: rows cannot be matched across it") == true)
        #expect(try rows("SELECT typeof(id) FROM mart.items_merge LIMIT 1") == [[.varchar("BIGINT")]])
    }

    @Test func starlarkModelsAreSkippedWithoutTheStarlarkHost() throws {
        try sandbox.write("models/raw/api.star", "# @kind: table\nsave.row({'id': 1})\n")
        let result = try run()["raw.api"]
        #expect(result?.status == .skip)
        #expect(result?.reason == "Starlark models need the Starlark host")
    }
}
