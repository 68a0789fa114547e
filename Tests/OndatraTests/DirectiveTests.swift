import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// `@partitioned_by`, `@sorted_by`, `@description`, `@column` and `@extension` on real DuckLake
/// tables: what they do, that editing them rebuilds nothing, and their errors.
@Suite struct DirectiveTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func session() throws -> Session { try Session(project: sandbox.project, environment: [:]) }

    private func run() throws -> [String: ModelResult] {
        let summary = try Runner(project: sandbox.project, session: try session()).run()
        return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
    }

    private func rows(_ sql: String, _ parameters: [Value] = []) throws -> [[String]] {
        try session().query(sql, parameters).allRows().map { $0.map(\.description) }
    }

    /// The model commits of `target` recorded in the catalog.
    private func commits(_ target: String) throws -> Int {
        try session().snapshots().filter { CommitMetadata(snapshot: $0)?.model == target }.count
    }

    /// Partition columns (with their transforms) of `table` as DuckLake's metadata holds them.
    private func partitioning(_ table: String) throws -> [[String]] {
        try rows(
            """
            SELECT k.column_name, c.transform FROM __ducklake_metadata_lake.ducklake_partition_info p
            JOIN __ducklake_metadata_lake.ducklake_partition_column c USING (partition_id, table_id)
            JOIN __ducklake_metadata_lake.ducklake_column k ON k.table_id = c.table_id AND k.column_id = c.column_id
                AND k.end_snapshot IS NULL
            JOIN __ducklake_metadata_lake.ducklake_table t ON t.table_id = p.table_id AND t.end_snapshot IS NULL
            WHERE p.end_snapshot IS NULL AND t.table_name = ? ORDER BY c.partition_key_index
            """, [.varchar(table)])
    }

    /// Sort expressions of `table` as DuckLake's metadata holds them.
    private func sorting(_ table: String) throws -> [[String]] {
        try rows(
            """
            SELECT e.expression, e.sort_direction FROM __ducklake_metadata_lake.ducklake_sort_info s
            JOIN __ducklake_metadata_lake.ducklake_sort_expression e USING (sort_id, table_id)
            JOIN __ducklake_metadata_lake.ducklake_table t ON t.table_id = s.table_id AND t.end_snapshot IS NULL
            WHERE s.end_snapshot IS NULL AND t.table_name = ? ORDER BY e.sort_key_index
            """, [.varchar(table)])
    }

    private func source(_ lines: [String], name: String = "sales") throws {
        try sandbox.write("data/\(name).csv", (["id,region,amount"] + lines).joined(separator: "\n") + "\n")
        try sandbox.write(
            "models/raw/\(name).sql", "SELECT * FROM read_csv('\(sandbox.project.root.path)/data/\(name).csv')")
    }

    @Test func storageHintsApplyFromTheFirstWriteAndChangeWithoutARebuild() throws {
        try source(["1,eu,30", "2,us,10", "3,eu,20", "4,us,40"])
        try sandbox.write(
            "models/mart/sales.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @partitioned_by: region\n-- @sorted_by: amount\nSELECT * FROM raw.sales"
        )
        var results = try run()
        #expect(results["mart.sales"]?.runType == .backfill)
        #expect(try partitioning("sales") == [["region", "identity"]])
        #expect(try sorting("sales") == [["amount", "ASC"]])
        // The first rows already land in one folder per region, each file sorted by amount.
        let files = try rows("SELECT data_file FROM ducklake_list_files('lake', 'sales', schema => 'mart')").map(\.[0])
        #expect(files.count == 2 && files.allSatisfy { $0.contains("/region=") }, "\(files)")
        for file in files {
            let amounts = try rows("SELECT amount FROM read_parquet(?)", [.varchar(file)]).map { Int($0[0]) ?? 0 }
            #expect(amounts == amounts.sorted(), "\(file)")
        }

        // Changing and removing hints alters the table: the merge table keeps its rows and history.
        try sandbox.write(
            "models/mart/sales.sql",
            "-- @kind: merge\n-- @unique_key: id\n-- @partitioned_by: id\nSELECT * FROM raw.sales")
        results = try run()
        // Nothing upstream changed: the model is skipped, and its table takes the new hints.
        #expect(results["mart.sales"]?.status == .skip)
        #expect(results["mart.sales"]?.runType == .skip)
        #expect(try partitioning("sales") == [["id", "identity"]])
        #expect(try sorting("sales").isEmpty)
        #expect(try commits("mart.sales") == 1)
        #expect(try rows("SELECT count(*) FROM mart.sales") == [["4"]])

        // A table model's hints removed: reset on a skipped run, nothing rebuilt.
        try sandbox.write(
            "models/mart/regions.sql", "-- @partitioned_by: region\nSELECT DISTINCT region FROM raw.sales")
        _ = try run()
        #expect(try partitioning("regions") == [["region", "identity"]])
        try sandbox.write("models/mart/regions.sql", "SELECT DISTINCT region FROM raw.sales")
        let before = try session().snapshots().count
        results = try run()
        #expect(results["mart.regions"]?.runType == .skip)
        #expect(results["mart.regions"]?.status == .skip)
        #expect(try partitioning("regions").isEmpty)
        #expect(try commits("mart.regions") == 1)
        // One commit for the hint, none for the unchanged models; the next run changes nothing.
        #expect(try session().snapshots().count == before + 1)
        _ = try run()
        #expect(try session().snapshots().count == before + 1)
    }

    /// DuckLake refuses to drop or retype a column a hint names: hints are reset around schema
    /// evolution and set again after it, and comments a dropped column lost are given back.
    @Test func hintsAndCommentsSurviveSchemaEvolution() throws {
        try source(["1,eu,30", "2,us,10"])
        let model = { (select: String, hints: String) in
            try sandbox.write(
                "models/mart/sales.sql",
                "-- @kind: merge\n-- @unique_key: id\n-- @column: amount = In cents.\n\(hints)SELECT \(select) FROM raw.sales"
            )
        }
        try model("id, region, amount", "-- @partitioned_by: region\n-- @sorted_by: amount\n")
        _ = try run()
        // amount, the sort column, becomes text (not a promotion DuckLake makes in place: the
        // column is rebuilt, which DuckLake allows only while no hint names it).
        try model("id, region, amount::VARCHAR AS amount", "-- @partitioned_by: region\n-- @sorted_by: amount\n")
        var results = try run()
        #expect(results["mart.sales"]?.status == .ok, "\(results["mart.sales"]?.errors ?? [])")
        #expect(try partitioning("sales") == [["region", "identity"]])
        #expect(try sorting("sales") == [["amount", "ASC"]])
        #expect(
            try rows(
                "SELECT data_type, comment FROM duckdb_columns() WHERE schema_name = 'mart' AND column_name = 'amount'")
                == [["VARCHAR", "In cents."]])
        // The partition column leaves the query along with its hint.
        try model("id, amount::VARCHAR AS amount", "")
        results = try run()
        #expect(results["mart.sales"]?.status == .ok, "\(results["mart.sales"]?.errors ?? [])")
        #expect(try partitioning("sales").isEmpty && sorting("sales").isEmpty)
        #expect(try commits("mart.sales") == 3)
    }

    @Test func aHintOnAColumnTheModelDoesNotProduceIsAnError() throws {
        try sandbox.write("models/mart/x.sql", "-- @kind: table\n-- @sorted_by: id, nope\nSELECT 1 AS id, 2 AS v")
        let results = try run()
        let error = try #require(results["mart.x"]?.errors.first)
        #expect(error.hasPrefix("models/mart/x.sql:2: @sorted_by names column nope"), "\(error)")
        #expect(error.contains("columns: id, v"), "\(error)")
        #expect(try session().catalogTables().contains(Target(schema: "mart", table: "x")) == false)
    }

    @Test func commentsFollowTheHeaderWithoutRebuilding() throws {
        try source(["1,eu,30"])
        let header = { (table: String, column: String) in
            "-- @description: \(table)\n-- @column: amount = \(column)\n-- @column: region = where | redact\nSELECT * FROM raw.sales"
        }
        try sandbox.write("models/mart/sales.sql", header("Sales by region.", "In euros."))
        _ = try run()
        let comments = {
            try self.rows(
                """
                SELECT (SELECT comment FROM duckdb_tables() WHERE database_name = 'lake' AND table_name = 'sales'
                    AND schema_name = 'mart'),
                string_agg(column_name || '=' || coalesce(comment, '-'), ', ' ORDER BY column_index)
                FROM duckdb_columns() WHERE database_name = 'lake' AND schema_name = 'mart' AND table_name = 'sales'
                """)
        }
        let first = try comments()
        #expect(first == [["Sales by region.", "id=-, region=where, amount=In euros."]], "\(first)")
        try sandbox.write("models/mart/sales.sql", header("Sales.", "In dollars."))
        let results = try run()
        #expect(results["mart.sales"]?.runType == .skip)
        let second = try comments()
        #expect(second == [["Sales.", "id=-, region=where, amount=In dollars."]], "\(second)")
        #expect(try commits("mart.sales") == 1)
        #expect(try rows("SELECT region FROM mart.sales") == [["[REDACTED]"]])
    }

    /// Every kind writes masked values, on its first run and on incremental runs.
    @Test(arguments: ["table", "append", "merge", "tracked", "scd2", "partition"])
    func masksHoldForEveryKind(kind: String) throws {
        let people = { (lines: [String]) in
            try sandbox.write("data/people.csv", (["id,email,ssn,name"] + lines).joined(separator: "\n") + "\n")
        }
        try people(["1,ann@example.com,123-45-6789,Ann", "2,bob@mail.org,987654321,Bob"])
        try sandbox.write(
            "models/raw/people.sql", "SELECT * FROM read_csv('\(sandbox.project.root.path)/data/people.csv')")
        try sandbox.write(
            "models/mart/people.sql",
            """
            -- @kind: \(kind)
            -- @unique_key: id
            -- @column: email = Contact address. | mask_email
            -- @column: ssn = | mask_ssn
            -- @column: name = | hash
            SELECT id, email, ssn, name FROM raw.people
            """)
        var results = try run()
        #expect(results["mart.people"]?.status == .ok, "\(results["mart.people"]?.errors ?? [])")
        let masked = "SELECT id, email, ssn, name FROM mart.people ORDER BY id"
        let annHash = try rows("SELECT sha256('Ann')")[0][0]
        #expect(try rows(masked + " LIMIT 1") == [["1", "a***@example.com", "***-**-6789", annHash]])
        try people([
            "1,ann@example.com,123-45-6789,Ann", "2,bob@mail.org,987654321,Bob", "3,cy@x.io,111-22-3333,Cy",
        ])
        results = try run()
        #expect(results["mart.people"]?.status == .ok, "\(results["mart.people"]?.errors ?? [])")
        #expect(results["mart.people"]?.runType == (kind == "table" ? .full : .incremental))
        let all = try rows("SELECT DISTINCT id, email, ssn FROM mart.people ORDER BY id")
        #expect(
            all == [
                ["1", "a***@example.com", "***-**-6789"], ["2", "b***@mail.org", "***-**-4321"],
                ["3", "c***@x.io", "***-**-3333"],
            ])
        #expect(try rows("SELECT count(*) FROM mart.people WHERE name IN ('Ann', 'Bob', 'Cy')") == [["0"]])
    }

    @Test func aMaskChangeChangesTheQueryButADescriptionDoesNot() throws {
        try source(["1,eu,30"])
        try sandbox.write("models/mart/sales.sql", "-- @column: region = Where.\nSELECT * FROM raw.sales")
        _ = try run()
        try sandbox.write("models/mart/sales.sql", "-- @column: region = Where sold.\nSELECT * FROM raw.sales")
        #expect(try run()["mart.sales"]?.runType == .skip)
        try sandbox.write("models/mart/sales.sql", "-- @column: region = Where sold. | mask\nSELECT * FROM raw.sales")
        let results = try run()
        #expect(results["mart.sales"]?.runType == .backfill)
        #expect(results["mart.sales"]?.reason == "sql changed")
        #expect(try rows("SELECT region FROM mart.sales") == [["**"]])
    }

    @Test func aProjectMacroMasksWhenATagNamesIt() throws {
        try sandbox.write("config/macros/masks.sql", "CREATE MACRO mask_initial(v) AS left(v, 1) || '.';")
        try sandbox.write("models/mart/x.sql", "-- @column: name = | mask_initial\nSELECT 'Grace' AS name")
        #expect(try run()["mart.x"]?.status == .ok)
        #expect(try rows("SELECT name FROM mart.x") == [["G."]])
        try sandbox.write("models/mart/x.sql", "-- @column: name = | mask_missing\nSELECT 'Grace' AS name")
        let error = try #require(try run()["mart.x"]?.errors.first)
        #expect(error.hasPrefix("models/mart/x.sql:1: @column name: no masking macro mask_missing"), "\(error)")
        #expect(error.contains("mask_initial") && error.contains("mask_email"), "\(error)")
    }

    /// Regression: `@column: EMAIL = | mask_email` renamed the query's `Email` column to `EMAIL`.
    @Test func aMaskKeepsTheQuerysSpellingOfTheColumn() throws {
        try sandbox.write(
            "models/mart/spelled.sql", "-- @column: EMAIL = | mask_email\nSELECT 1 AS id, 'ann@example.com' AS Email")
        #expect(try run()["mart.spelled"]?.status == .ok)
        #expect(try rows("SELECT column_name FROM (DESCRIBE mart.spelled)") == [["id"], ["Email"]])
        #expect(try rows("SELECT \"Email\" FROM mart.spelled") == [["a***@example.com"]])
    }

    @Test func maskErrors() throws {
        try sandbox.write(
            "models/mart/x.sql", "-- @kind: table\n-- @column: mail = | mask_email\nSELECT 1 AS id, 'a' AS email")
        let missing = try #require(try run()["mart.x"]?.errors.first)
        #expect(missing.hasPrefix("models/mart/x.sql:2: @column names column mail"), "\(missing)")
        #expect(missing.contains("columns: id, email"), "\(missing)")

        // A tag that is not a masking tag labels the column, as in dbt.
        let labelled = try ModelParser.parse(
            path: "models/x.sql", text: "-- @column: email = | pii | mask_email\nSELECT 1")
        #expect(labelled.directives.columns.first?.tags == ["pii", "mask_email"])
        #expect(labelled.directives.columns.first?.mask == "mask_email")
        let notATag = #expect(throws: OndatraError.self) {
            try ModelParser.parse(path: "models/x.sql", text: "-- @column: email = | not a tag\nSELECT 1")
        }
        #expect(notATag?.line == 1)
        #expect(notATag?.message.contains("'not a tag' is not a tag") == true, "\(notATag?.message ?? "")")
        let key = #expect(throws: OndatraError.self) {
            try ModelParser.parse(
                path: "models/x.sql",
                text: "-- @column: id = | hash\n-- @kind: merge\n-- @unique_key: id\nSELECT 1 AS id")
        }
        #expect(key?.line == 1)
        #expect(key?.message.contains("never masked") == true)
        let two = #expect(throws: OndatraError.self) {
            try ModelParser.parse(path: "models/x.sql", text: "-- @column: a = | mask | redact\nSELECT 1 AS a")
        }
        #expect(two?.message.contains("one masking tag") == true)
    }

    @Test func extensionsLoadBeforeTheModelRuns() throws {
        try sandbox.write("models/mart/ok.sql", "-- @extension: json, parquet\nSELECT '{\"a\": 1}'::JSON ->> 'a' AS a")
        try sandbox.write("models/mart/missing.sql", "-- @kind: table\n-- @extension: spatial\nSELECT 1 AS a")
        let results = try run()
        #expect(results["mart.ok"]?.status == .ok)
        let error = try #require(results["mart.missing"]?.errors.first)
        #expect(error.hasPrefix("models/mart/missing.sql:2: @extension spatial is not installed"), "\(error)")
        #expect(error.contains("scripts/bootstrap"), "\(error)")
        let bad = #expect(throws: OndatraError.self) {
            try ModelParser.parse(path: "models/x.sql", text: "-- @extension: x; DROP TABLE y\nSELECT 1")
        }
        #expect(bad?.line == 1)
        #expect(bad?.message.contains("is not an extension name") == true)
    }
}
