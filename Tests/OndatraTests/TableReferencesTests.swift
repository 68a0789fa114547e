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
