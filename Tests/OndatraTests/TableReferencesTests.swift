import DuckDB
import Testing

@testable import Ondatra

/// What a statement reads, as DuckDB's parser sees it: tables, table functions and files.
@Suite struct TableReferencesTests {
    let connection: Connection
    let models: Set<Target> = [Target(schema: "raw", table: "orders")]

    init() throws {
        connection = try Database().connect()
    }

    @Test func findsTablesThroughCTEsAndSubqueries() throws {
        let found = try TableReferences.of(
            "WITH recent AS (SELECT * FROM raw.orders) SELECT * FROM recent JOIN (SELECT * FROM lake.raw.customers) c USING (id)",
            on: connection)
        #expect(
            found.tables.map(\.table) == ["customers", "orders"]
                || found.tables.map(\.table) == ["orders", "customers"])
        #expect(found.targets(catalog: "lake", models: models) == [Target(schema: "raw", table: "orders")])
    }

    /// Regression: a CTE named like a model in one subquery hid that model everywhere, so the
    /// model reading it had no dependency and kept stale rows.
    @Test func aCTENameHidesTablesOnlyInItsOwnScope() throws {
        let main: Set<Target> = [Target(schema: "main", table: "orders")]
        let found = try TableReferences.of(
            """
            WITH x AS (SELECT id FROM orders)
            SELECT * FROM x, (WITH orders AS (SELECT 7 AS k) SELECT k FROM orders) y
            """, on: connection)
        #expect(found.targets(catalog: "lake", models: main) == [Target(schema: "main", table: "orders")])
        let inner = try TableReferences.of(
            "WITH orders AS (SELECT 1 AS id) SELECT * FROM orders UNION ALL SELECT * FROM (SELECT 2) t", on: connection)
        #expect(inner.targets(catalog: "lake", models: main).isEmpty)
        // A CTE sees the CTEs of its WITH, itself included (a recursive one).
        let recursive = try TableReferences.of(
            "WITH RECURSIVE orders AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM orders WHERE n < 3) SELECT * FROM orders",
            on: connection)
        #expect(recursive.targets(catalog: "lake", models: main).isEmpty)
    }

    @Test func findsLiteralFilePaths() throws {
        let found = try TableReferences.of(
            """
            SELECT * FROM read_parquet('data/*.parquet', hive_partitioning = true) p
            JOIN read_csv(['a.csv', 'b.csv']) c USING (id) JOIN 'extra.json' e USING (id) JOIN raw.orders USING (id)
            """, on: connection)
        #expect(Set(found.filePatterns) == ["data/*.parquet", "a.csv", "b.csv", "extra.json"])
        #expect(!found.readsComputedFilePaths)
        #expect(found.readsOnlyModelsAndFiles(catalog: "lake", models: models))
    }

    @Test func computedPathsAndOtherSourcesAreNotTracked() throws {
        let computed = try TableReferences.of("SELECT * FROM read_csv(concat('da', 'ta.csv'))", on: connection)
        #expect(computed.readsComputedFilePaths)
        #expect(!computed.readsOnlyModelsAndFiles(catalog: "lake", models: models))
        let other = try TableReferences.of(
            "SELECT * FROM read_csv('a.csv') JOIN range(3) r ON true JOIN raw.unknown USING (id)", on: connection)
        #expect(other.filePatterns == ["a.csv"])
        #expect(!other.readsOnlyModelsAndFiles(catalog: "lake", models: models))
    }
}
