import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// tracked, scd2, partition and events over several runs, with the change types DuckLake records.
@Suite struct KindTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func session() throws -> Session { try Session(project: sandbox.project, environment: [:]) }

    private func run() throws -> [String: ModelResult] {
        let summary = try Runner(project: sandbox.project, session: try session()).run()
        return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
    }

    private func rows(_ sql: String) throws -> [[String]] {
        try session().query(sql).allRows().map { $0.map(\.description) }
    }

    private func snapshotCount() throws -> Int { try session().snapshots().count }

    /// `key:change_type` for every change of `target` in its newest commit.
    private func lastChanges(_ target: String, key: String) throws -> [String] {
        let session = try session()
        let parts = target.split(separator: ".").map(String.init)
        guard let id = try session.snapshots().last(where: { ($0.message ?? "").hasPrefix(target + " ") })?.id else {
            return []
        }
        return try session.query(
            "SELECT \(key)::VARCHAR || ':' || change_type FROM ducklake_table_changes('lake', '\(parts[0])', '\(parts[1])', \(id), \(id)) ORDER BY 1"
        ).allRows().map(\.[0].description)
    }

    /// A table-kind source whose SQL names a new CSV on every call, so it is rebuilt each run.
    private var version = 0
    /// With `sameFile`, the CSV is rewritten in place and the model's SQL stays the same.
    private mutating func source(
        _ name: String, header: String, _ lines: [String], kind: String = "table", key: String? = nil,
        sameFile: Bool = false
    ) throws {
        version += 1
        let file = sameFile ? "data/\(name).csv" : "data/\(name)_\(version).csv"
        try sandbox.write(file, ([header] + lines).joined(separator: "\n") + "\n")
        var text = "-- @kind: \(kind)\n"
        if let key { text += "-- @unique_key: \(key)\n" }
        text += "SELECT * FROM read_csv('\(sandbox.project.root.path)/\(file)')"
        try sandbox.write("models/raw/\(name).sql", text)
    }

    @Test mutating func trackedReplacesOnlyChangedGroups() throws {
        try source("lines", header: "invoice_id,line,qty", ["1,1,5", "1,2,7", "2,1,1"])
        try sandbox.write(
            "models/mart/invoices.sql",
            "-- @kind: tracked\n-- @unique_key: invoice_id\nSELECT invoice_id, line, qty FROM raw.lines")
        var results = try run()
        #expect(results["mart.invoices"]?.runType == .backfill)
        #expect(try rows("SELECT count(DISTINCT _content_hash) FROM mart.invoices") == [["2"]])

        // Same rows in another order: the group hashes do not change, nothing is written.
        try source("lines", header: "invoice_id,line,qty", ["2,1,1", "1,2,7", "1,1,5"])
        let before = try snapshotCount()
        results = try run()
        #expect(results["mart.invoices"]?.rowsAffected == 0)
        // raw.lines was rebuilt; mart.invoices wrote nothing, and the run's closing commit records
        // that it is up to date (its watermark).
        let recent = try session().snapshots().suffix(4).map { "\($0.id) \($0.message ?? "")" }
        #expect(try snapshotCount() == before + 2, "\(recent)")

        // One line of invoice 1 changes: both its rows are replaced; invoice 2 is untouched.
        try source("lines", header: "invoice_id,line,qty", ["1,1,5", "1,2,8", "2,1,1"])
        results = try run()
        #expect(results["mart.invoices"]?.rowsAffected == 2)
        #expect(
            try lastChanges("mart.invoices", key: "invoice_id") == ["1:delete", "1:delete", "1:insert", "1:insert"])

        // Invoice 2 disappears: its rows are deleted.
        try source("lines", header: "invoice_id,line,qty", ["1,1,5", "1,2,8"])
        results = try run()
        #expect(try lastChanges("mart.invoices", key: "invoice_id") == ["2:delete"])
        #expect(
            try rows("SELECT invoice_id, line, qty FROM mart.invoices ORDER BY 1, 2") == [
                ["1", "1", "5"], ["1", "2", "8"],
            ])

        // NULL, '' and 'NULL' are different contents.
        try source("lines", header: "invoice_id,line,qty", ["1,1,5", "1,2,"])
        results = try run()
        #expect(results["mart.invoices"]?.rowsAffected == 2)
    }

    @Test mutating func scd2KeepsEveryVersion() throws {
        try source("products", header: "id,name,price", ["1,pen,2", "2,ink,5"])
        try sandbox.write(
            "models/mart/products.sql", "-- @kind: scd2\n-- @unique_key: id\nSELECT id, name, price FROM raw.products")
        _ = try run()
        #expect(
            try rows("SELECT id, is_current, valid_to_snapshot FROM mart.products ORDER BY id") == [
                ["1", "true", "NULL"], ["2", "true", "NULL"],
            ])

        try source("products", header: "id,name,price", ["1,pen,3", "3,cap,1"])
        let results = try run()
        #expect(results["mart.products"]?.rowsAffected == 2)
        let versions = try rows(
            "SELECT id, price, is_current, valid_to_snapshot IS NULL FROM mart.products ORDER BY id, valid_from_snapshot"
        )
        #expect(
            versions == [
                ["1", "2", "false", "false"], ["1", "3", "true", "true"], ["2", "5", "false", "false"],
                ["3", "1", "true", "true"],
            ])
        #expect(
            try lastChanges("mart.products", key: "id") == [
                "1:insert", "1:update_postimage", "1:update_preimage", "2:update_postimage", "2:update_preimage",
                "3:insert",
            ])
        let closedAt = try rows("SELECT DISTINCT valid_to_snapshot FROM mart.products WHERE NOT is_current")
        let openedAt = try rows("SELECT DISTINCT valid_from_snapshot FROM mart.products WHERE id = 3")
        #expect(closedAt == openedAt)
    }

    @Test mutating func partitionReplacesTouchedPartitionsWithAllTheirRows() throws {
        try source(
            "sales", header: "id,day,amount", ["1,mon,10", "2,mon,20", "3,tue,30"], kind: "tracked", key: "id",
            sameFile: true)
        try sandbox.write(
            "models/mart/sales.sql", "-- @kind: partition\n-- @unique_key: day\nSELECT day, id, amount FROM raw.sales")
        _ = try run()

        // One Monday sale changes: Monday is replaced whole, Tuesday is not touched.
        try source(
            "sales", header: "id,day,amount", ["1,mon,11", "2,mon,20", "3,tue,30"], kind: "tracked", key: "id",
            sameFile: true)
        var results = try run()
        #expect(results["mart.sales"]?.runType == .incremental)
        #expect(results["mart.sales"]?.rowsAffected == 2)
        #expect(try lastChanges("mart.sales", key: "day") == ["mon:delete", "mon:delete", "mon:insert", "mon:insert"])

        // A sale removed upstream touches its partition too: the table still equals the source.
        try source(
            "sales", header: "id,day,amount", ["1,mon,11", "2,mon,20"], kind: "tracked", key: "id", sameFile: true)
        results = try run()
        #expect(try lastChanges("mart.sales", key: "day") == ["tue:delete"])
        #expect(
            try rows("SELECT day, id, amount FROM mart.sales ORDER BY id") == [
                ["mon", "1", "11"], ["mon", "2", "20"],
            ])

        // Nothing changed upstream: nothing is written.
        let before = try snapshotCount()
        results = try run()
        #expect(results["mart.sales"]?.rowsAffected == 0)
        #expect(try snapshotCount() == before)
    }

    @Test func eventsTablesTakeTheirDeclaredSchema() throws {
        try sandbox.write(
            "models/raw/page_views.sql",
            "-- @kind: events\n-- @description: page views from the site\nevent_name VARCHAR NOT NULL,\npage_url VARCHAR,\nreceived_at TIMESTAMPTZ\n"
        )
        var results = try run()
        #expect(results["raw.page_views"]?.runType == .backfill)
        #expect(
            try rows(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'page_views' ORDER BY ordinal_position"
            ) == [
                ["event_name", "VARCHAR", "NO"], ["page_url", "VARCHAR", "YES"],
                ["received_at", "TIMESTAMP WITH TIME ZONE", "YES"],
            ])
        results = try run()
        #expect(results["raw.page_views"]?.status == .skip)
        #expect(results["raw.page_views"]?.reason == "no buffered events")
        try sandbox.write("models/raw/page_views.sql", "-- @kind: events\nevent_name\n")
        results = try run()
        // The error names the file and the line, and says what to write.
        #expect(
            results["raw.page_views"]?.errors.first?.contains(
                "models/raw/page_views.sql:2: column 'event_name' has no type") == true)
    }

    @Test func mergeRejectsDuplicateKeys() throws {
        try sandbox.write(
            "models/raw/dup.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT 1 AS id UNION ALL SELECT 1")
        let results = try run()
        #expect(results["raw.dup"]?.errors.first?.contains("1 duplicate key value(s)") == true)
        #expect(results["raw.dup"]?.errors.first?.hasSuffix("; for example id=1, rows=2") == true)
    }
}
