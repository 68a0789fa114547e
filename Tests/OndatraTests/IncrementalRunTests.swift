import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// Regressions of incremental runs that once gave wrong results, and of run types that once
/// threw history away. Each case is a real project on a real DuckLake catalog.
@Suite struct IncrementalRunTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    @discardableResult
    private func run(_ selection: [Target] = [], fullRefresh: Bool = false) throws -> [String: ModelResult] {
        let session = try Session(project: sandbox.project, environment: [:])
        let summary = try Runner(project: sandbox.project, session: session).run(
            selection: selection, fullRefresh: fullRefresh)
        return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
    }

    private func rows(_ sql: String) throws -> [[String]] {
        try Session(project: sandbox.project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
    }

    /// A CSV file under data/ and a model reading it.
    private func source(_ name: String, kind: String = "table", key: String? = nil, _ lines: [String]) throws {
        try sandbox.write("data/\(name).csv", lines.joined(separator: "\n") + "\n")
        let header = "-- @kind: \(kind)\n" + (key.map { "-- @unique_key: \($0)\n" } ?? "")
        try sandbox.write(
            "models/raw/\(name).sql", header + "SELECT * FROM read_csv('\(sandbox.project.root.path)/data/\(name).csv')"
        )
    }

    private func expectOK(_ results: [String: ModelResult], sourceLocation: SourceLocation = #_sourceLocation) {
        for result in results.values where result.status == .error {
            Issue.record("\(result.target): \(result.errors)", sourceLocation: sourceLocation)
        }
        // Every rewrite these models use must work, not fall back to the full query.
        for result in results.values where result.warnings.contains(where: { $0.hasPrefix("incremental query failed") })
        {
            Issue.record("\(result.target): \(result.warnings)", sourceLocation: sourceLocation)
        }
    }

    /// The issue's first reproduction: the delta rewrite applied under an aggregate wrote the new
    /// order's sum alone (`total = 100, n = 1`).
    @Test func aMergeAggregateOverAnAppendSourceKeepsWholeSums() throws {
        try source("orders", kind: "append", ["order_id,customer_id,amount", "1,1,10", "2,1,20", "3,2,5"])
        try sandbox.write(
            "models/mart/totals.sql",
            """
            -- @kind: merge
            -- @unique_key: customer_id
            SELECT customer_id, sum(amount) AS total, count(*) AS n FROM raw.orders GROUP BY customer_id
            """)
        expectOK(try run())
        try source("orders", kind: "append", ["order_id,customer_id,amount", "1,1,10", "2,1,20", "3,2,5", "4,1,100"])
        let results = try run()
        expectOK(results)
        #expect(results["mart.totals"]?.rowsAffected == 1)
        #expect(results["mart.totals"]?.strategy == "affected keys")
        #expect(
            try rows("SELECT customer_id, total, n FROM mart.totals ORDER BY 1") == [
                ["1", "130", "3"], ["2", "5", "1"],
            ])
    }

    /// A change on the right side of a join reaches merge and partition models.
    @Test func joinedTablesChangesReachTheModel() throws {
        try source("orders", kind: "merge", key: "order_id", ["order_id,customer_id,amount", "1,1,10", "2,2,20"])
        try source("customers", kind: "merge", key: "customer_id", ["customer_id,plan", "1,free", "2,pro"])
        try sandbox.write(
            "models/mart/order_plans.sql",
            """
            -- @kind: merge
            -- @unique_key: order_id
            SELECT o.order_id, o.amount, c.plan FROM raw.orders o JOIN raw.customers c USING (customer_id)
            """)
        try sandbox.write(
            "models/mart/plan_revenue.sql",
            """
            -- @kind: partition
            -- @unique_key: plan
            SELECT c.plan, sum(o.amount) AS revenue FROM raw.orders o JOIN raw.customers c USING (customer_id) GROUP BY c.plan
            """)
        try sandbox.write(
            "models/mart/left_plans.sql",
            """
            -- @kind: merge
            -- @unique_key: order_id
            SELECT o.order_id, c.plan FROM raw.orders o LEFT JOIN raw.customers c USING (customer_id)
            """)
        expectOK(try run())
        try source("customers", kind: "merge", key: "customer_id", ["customer_id,plan", "1,pro", "2,pro"])
        let results = try run()
        expectOK(results)
        #expect(results["mart.order_plans"]?.strategy == "delta")
        #expect(results["mart.plan_revenue"]?.strategy == "affected keys")
        #expect(results["mart.left_plans"]?.strategy == "full query")
        #expect(try rows("SELECT order_id, plan FROM mart.order_plans ORDER BY 1") == [["1", "pro"], ["2", "pro"]])
        #expect(try rows("SELECT order_id, plan FROM mart.left_plans ORDER BY 1") == [["1", "pro"], ["2", "pro"]])
        // The free partition vanished and the pro partition holds both orders.
        #expect(try rows("SELECT plan, revenue FROM mart.plan_revenue ORDER BY 1") == [["pro", "30"]])
    }

    /// Every branch of a UNION ALL is followed, not only the first.
    @Test func unionAllBranchesAreAllFollowed() throws {
        try source("a", kind: "merge", key: "id", ["id,v", "1,x"])
        try source("b", kind: "merge", key: "id", ["id,v", "2,y"])
        try sandbox.write(
            "models/mart/both.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, v FROM raw.a UNION ALL SELECT id, v FROM raw.b")
        try sandbox.write(
            "models/mart/log.sql", "-- @kind: append\nSELECT id, v FROM raw.a UNION ALL SELECT id, v FROM raw.b")
        expectOK(try run())
        try source("b", kind: "merge", key: "id", ["id,v", "2,z", "3,w"])
        let results = try run()
        expectOK(results)
        #expect(results["mart.both"]?.strategy == "delta")
        #expect(results["mart.log"]?.strategy == "delta")
        #expect(try rows("SELECT id, v FROM mart.both ORDER BY 1") == [["1", "x"], ["2", "z"], ["3", "w"]])
        // Append adds the new result rows only, not branch a again.
        #expect(
            try rows("SELECT id, v FROM mart.log ORDER BY 1, 2") == [
                ["1", "x"], ["2", "y"], ["2", "z"], ["3", "w"],
            ])
    }

    /// The seed's "append → Slack" pattern: a notification table rebuilt every run; the append
    /// model adds each notification once.
    @Test func appendOverARebuiltTableAddsOnlyNewRows() throws {
        try source("events", ["id,message", "1,hello"])
        try sandbox.write("models/mart/notifications.sql", "SELECT id, 'new: ' || message AS text FROM raw.events")
        try sandbox.write("models/sync/slack.sql", "-- @kind: append\nSELECT text FROM mart.notifications")
        expectOK(try run())
        try source("events", ["id,message", "1,hello", "2,world"])
        var results = try run()
        expectOK(results)
        #expect(results["sync.slack"]?.rowsAffected == 1)
        #expect(results["sync.slack"]?.strategy == "delta")
        try source("events", ["id,message", "1,hello", "2,world", "3,again"])
        results = try run()
        #expect(results["sync.slack"]?.rowsAffected == 1)
        #expect(try rows("SELECT text FROM sync.slack ORDER BY 1") == [["new: again"], ["new: hello"], ["new: world"]])
    }

    /// An append model over a file (whose past cannot be read back) keeps its last result, so it
    /// adds exactly the rows new in the result since then: a line that comes back after a log
    /// rotation is added again, and a file rewritten unchanged adds nothing.
    @Test func appendOverAFileAddsWhatIsNewSinceTheLastRun() throws {
        try source("log", kind: "append", ["line", "a", "b"])
        expectOK(try run())
        try source("log", kind: "append", ["line", "b", "c"])
        var results = try run()
        expectOK(results)
        #expect(results["raw.log"]?.rowsAffected == 1)
        try source("log", kind: "append", ["line", "c", "a", "a"])
        results = try run()
        #expect(results["raw.log"]?.rowsAffected == 2)
        #expect(
            try rows("SELECT line, count(*) FROM raw.log GROUP BY 1 ORDER BY 1") == [
                ["a", "3"], ["b", "1"], ["c", "1"],
            ])
        try source("log", kind: "append", ["line", "c", "a", "a"])
        results = try run()
        #expect(results["raw.log"]?.rowsAffected == 0)
        // The kept result is not a model's table.
        #expect(!(results.keys.contains { $0.hasPrefix("__ondatra") }))
    }

    /// Kinds that compare with their table still write when the result is empty: every group
    /// and key vanished.
    @Test func anEmptyResultEmptiesTrackedAndClosesSCD2() throws {
        try source("items", kind: "merge", key: "id", ["id,price", "1,10", "2,20"])
        try sandbox.write(
            "models/mart/groups.sql",
            "-- @kind: tracked\n-- @unique_key: id\nSELECT id, price FROM raw.items WHERE price < 100")
        try sandbox.write(
            "models/mart/versions.sql",
            "-- @kind: scd2\n-- @unique_key: id\nSELECT id, price FROM raw.items WHERE price < 100")
        expectOK(try run())
        try source("items", kind: "merge", key: "id", ["id,price", "1,100", "2,200"])
        expectOK(try run())
        #expect(try rows("SELECT count(*) FROM mart.groups") == [["0"]])
        #expect(try rows("SELECT count(*) FROM mart.versions WHERE is_current") == [["0"]])
    }

    /// A column whose type changes (a CSV column that is empty one day reads as VARCHAR) keeps the
    /// values the tables hold; downstream models read everything when an upstream's columns changed.
    @Test func aTypeChangeKeepsStoredValues() throws {
        try source("orders", kind: "merge", key: "id", ["id,amount", "1,10.5", "2,20.0"])
        try sandbox.write("models/raw/log.sql", "-- @kind: append\nSELECT * FROM raw.orders")
        try sandbox.write(
            "models/mart/doubled.sql",
            "-- @kind: partition\n-- @unique_key: id\nSELECT id, coalesce(amount::VARCHAR, '-') AS a FROM raw.orders")
        expectOK(try run())
        try source("orders", kind: "merge", key: "id", ["id,amount", "3,"])
        let results = try run()
        expectOK(results)
        #expect(
            try rows("SELECT id, amount FROM raw.orders ORDER BY 1") == [
                ["1", "10.5"], ["2", "20.0"], ["3", "NULL"],
            ])
        #expect(try rows("SELECT typeof(amount) FROM raw.orders LIMIT 1") == [["VARCHAR"]])
        #expect(try rows("SELECT count(*) FROM raw.log WHERE amount IS NOT NULL") == [["2"]])
        #expect(results["mart.doubled"]?.strategy == "full query")
        #expect(try rows("SELECT id, a FROM mart.doubled ORDER BY 1") == [["1", "10.5"], ["2", "20.0"], ["3", "-"]])
    }

    /// When the snapshots of a model's last run were expired, its table stays: a kind that keeps
    /// history is not rebuilt without `--full-refresh`.
    @Test func expiredSnapshotsDoNotRebuildHistory() throws {
        try source("items", kind: "merge", key: "id", ["id,v", "1,a", "2,b"])
        expectOK(try run())
        try source("items", kind: "merge", key: "id", ["id,v", "2,b", "3,c"])
        expectOK(try run())
        // A later commit of another model: expiring keeps only the newest snapshot.
        try source("other", ["id", "1"])
        expectOK(try run())
        let session = try Session(project: sandbox.project, environment: [:])
        _ = try session.query("SELECT count(*) FROM ducklake_expire_snapshots('lake', older_than => now())").allRows()
        let results = try run()
        expectOK(results)
        #expect(results["raw.items"]?.runType == .full)
        #expect(results["raw.items"]?.reason == "no run recorded")
        #expect(try rows("SELECT id FROM raw.items ORDER BY 1") == [["1"], ["2"], ["3"]])
    }

    /// A run that reads changed inputs and writes nothing records that it is up to date, even
    /// when no later commit of the run carries the record: the next run reads nothing.
    @Test func aRunThatWritesNothingIsNotRepeated() throws {
        try source("items", kind: "merge", key: "id", ["id,v", "1,a"])
        expectOK(try run())
        // Rewritten with the same content: read once, nothing to write.
        try source("items", kind: "merge", key: "id", ["id,v", "1,a"])
        var results = try run()
        #expect(results["raw.items"]?.reason == "source files changed")
        #expect(results["raw.items"]?.rowsAffected == 0)
        results = try run()
        #expect(results["raw.items"]?.reason == "no dependencies")
        #expect(results["raw.items"]?.strategy == nil)
    }

    /// A partition aggregate sees rows that moved from one partition to another.
    @Test func partitionAggregateSeesRowsMovingBetweenPartitions() throws {
        try source(
            "orders", kind: "merge", key: "order_id", ["order_id,region,amount", "1,eu,10", "2,eu,20", "3,us,5"])
        try sandbox.write(
            "models/mart/regions.sql",
            "-- @kind: partition\n-- @unique_key: region\nSELECT region, sum(amount) AS total, count(*) AS n FROM raw.orders GROUP BY region"
        )
        expectOK(try run())
        try source(
            "orders", kind: "merge", key: "order_id", ["order_id,region,amount", "1,eu,10", "2,us,20", "3,us,5"])
        let results = try run()
        expectOK(results)
        #expect(results["mart.regions"]?.strategy == "affected keys")
        #expect(
            try rows("SELECT region, total, n FROM mart.regions ORDER BY 1") == [
                ["eu", "10", "1"], ["us", "25", "2"],
            ])
    }

    /// A SQL change goes through each history-keeping kind's own path and keeps what it holds.
    @Test func aSQLChangeKeepsHistory() throws {
        try source("products", kind: "merge", key: "id", ["id,price", "1,10", "2,20"])
        try sandbox.write(
            "models/mart/prices.sql", "-- @kind: scd2\n-- @unique_key: id\nSELECT id, price FROM raw.products")
        try sandbox.write(
            "models/mart/latest.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, price FROM raw.products WHERE id = 1"
        )
        try sandbox.write(
            "models/mart/groups.sql", "-- @kind: tracked\n-- @unique_key: id\nSELECT id, price FROM raw.products")
        expectOK(try run())
        try source("products", kind: "merge", key: "id", ["id,price", "1,11", "2,20"])
        expectOK(try run())

        // New SQL for all three.
        try sandbox.write(
            "models/mart/prices.sql",
            "-- @kind: scd2\n-- @unique_key: id\nSELECT id, price * 2 AS price FROM raw.products")
        try sandbox.write(
            "models/mart/latest.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, price FROM raw.products WHERE id = 2"
        )
        try sandbox.write(
            "models/mart/groups.sql",
            "-- @kind: tracked\n-- @unique_key: id\n-- a comment and new spacing, same rows\nSELECT  id,  price FROM raw.products"
        )
        let results = try run()
        expectOK(results)
        #expect(results["mart.prices"]?.runType == .full)
        #expect(results["mart.prices"]?.reason == "sql changed")
        // scd2 kept every closed version and closed the current ones whose values changed.
        #expect(
            try rows("SELECT id, price, is_current FROM mart.prices ORDER BY id, valid_from_snapshot") == [
                ["1", "10", "false"], ["1", "11", "false"], ["1", "22", "true"], ["2", "20", "false"],
                ["2", "40", "true"],
            ])
        // Merge kept the key the new query no longer returns.
        #expect(try rows("SELECT id, price FROM mart.latest ORDER BY 1") == [["1", "11"], ["2", "20"]])
        // Tracked rewrote nothing: the rows are the same.
        #expect(results["mart.groups"]?.rowsAffected == 0)
    }

    /// A kind or key change of a history-keeping kind is refused until `--full-refresh` names it.
    @Test func kindAndKeyChangesNeedFullRefresh() throws {
        try source("products", kind: "merge", key: "id", ["id,price", "1,10"])
        try sandbox.write(
            "models/mart/prices.sql", "-- @kind: scd2\n-- @unique_key: id\nSELECT id, price FROM raw.products")
        try sandbox.write("models/mart/plain.sql", "SELECT id, price FROM raw.products")
        expectOK(try run())
        try sandbox.write(
            "models/mart/prices.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, price FROM raw.products")
        try sandbox.write(
            "models/mart/plain.sql", "-- @kind: partition\n-- @unique_key: id\nSELECT id, price FROM raw.products")
        var results = try run()
        #expect(results["mart.prices"]?.status == .error)
        let message = results["mart.prices"]?.errors.first ?? ""
        #expect(message.contains("kind changed: scd2 → merge"))
        #expect(message.contains("ondatrasql run --full-refresh mart.prices"))
        // Nothing was thrown away.
        #expect(try rows("SELECT count(*) FROM mart.prices WHERE is_current") == [["1"]])
        // A table becoming a partition has nothing to lose: it is rebuilt.
        #expect(results["mart.plain"]?.runType == .backfill)
        #expect(results["mart.plain"]?.reason == "kind changed: table → partition")

        results = try run([Target(schema: "mart", table: "prices")], fullRefresh: true)
        expectOK(results)
        #expect(results["mart.prices"]?.runType == .backfill)
        #expect(results["mart.prices"]?.reason == "full refresh")
        #expect(results["mart.prices"]?.line.hasPrefix("[OK] mart.prices (merge, backfill, 1 rows, ") == true)
        #expect(results["mart.prices"]?.line.hasSuffix(") — full refresh") == true)
        #expect(try rows("SELECT * FROM mart.prices") == [["1", "10"]])
        // The change is accepted: the next run finds nothing to do.
        results = try run()
        #expect(results["mart.prices"]?.status == .skip && results["mart.prices"]?.reason == "deps unchanged")
    }

    /// A full refresh that also changes the columns says it rebuilt the table, not that it
    /// evolved it in place.
    @Test func aRebuildSaysWhatReallyHappened() throws {
        try source("products", kind: "merge", key: "id", ["id,price", "1,10"])
        try sandbox.write(
            "models/mart/prices.sql", "-- @kind: scd2\n-- @unique_key: id\nSELECT id, price FROM raw.products")
        expectOK(try run())
        try sandbox.write(
            "models/mart/prices.sql",
            "-- @kind: scd2\n-- @unique_key: id\nSELECT id, price, 'eur' AS currency FROM raw.products")
        let results = try run([Target(schema: "mart", table: "prices")], fullRefresh: true)
        expectOK(results)
        let warnings = results["mart.prices"]?.warnings ?? []
        #expect(warnings == ["rebuilt the table (full refresh) with new columns: + currency (VARCHAR)"])
        #expect(
            try rows("SELECT name FROM pragma_table_info('lake.mart.prices')").map { $0[0] } == [
                "id", "price", "currency", "valid_from_snapshot", "valid_to_snapshot", "is_current",
            ])
    }

    /// A model that reads a file through an expression cannot be fingerprinted, so it runs.
    @Test func computedFilePathsAreReadEveryRun() throws {
        try sandbox.write("data/a.csv", "id\n1\n")
        let folder = sandbox.project.root.path + "/data/"
        try sandbox.write("models/raw/files.sql", "SELECT * FROM read_csv('\(folder)' || 'a.csv')")
        expectOK(try run())
        try sandbox.write("data/a.csv", "id\n1\n2\n")
        let results = try run()
        #expect(results["raw.files"]?.runType == .full)
        #expect(try rows("SELECT count(*) FROM raw.files") == [["2"]])
    }

    /// A key type change rebuilds a table without moving the key column to the end.
    @Test func aKeyTypeChangeKeepsTheColumnOrder() throws {
        try sandbox.write(
            "models/mart/codes.sql", "-- @kind: partition\n-- @unique_key: code\nSELECT 1 AS code, 'a' AS label")
        expectOK(try run())
        try sandbox.write(
            "models/mart/codes.sql", "-- @kind: partition\n-- @unique_key: code\nSELECT 'x1' AS code, 'a' AS label")
        let results = try run()
        expectOK(results)
        #expect(
            try rows("SELECT name FROM pragma_table_info('lake.mart.codes')") == [["code"], ["label"]])
        #expect(try rows("SELECT code, label FROM mart.codes") == [["x1", "a"]])
    }

    /// A timestamp cursor on a first run: both variables are typed like the cursor column, so
    /// `coalesce` of them works.
    @Test func incrementalVariablesAreTypedLikeTheCursor() throws {
        try sandbox.write(
            "models/raw/events.sql",
            """
            -- @kind: append
            -- @incremental: seen_at
            -- @incremental_initial: 2024-01-01 00:00:00
            SELECT * FROM (SELECT TIMESTAMP '2024-06-01 10:00:00' AS seen_at)
            WHERE seen_at > coalesce(getvariable('incremental_last_value'), getvariable('incremental_initial_value'))
            """)
        let results = try run()
        expectOK(results)
        #expect(results["raw.events"]?.rowsAffected == 1)
    }
}
