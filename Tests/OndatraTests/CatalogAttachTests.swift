import Testing

@testable import Ondatra

/// Reading and pointing elsewhere the `ATTACH` of `config/catalog.sql`, for `sandbox`.
@Suite struct CatalogAttachTests {
    @Test func theDefaultAttachIsReadAndRedirectedWithItsOtherOptions() throws {
        let attach = try #require(
            CatalogAttach(
                statement: """
                    -- the catalog
                    ATTACH 'ducklake:sqlite:/p/it''s here/lake.sqlite' AS lake
                        (DATA_PATH '/p/it''s here/lake.files/', DATA_INLINING_ROW_LIMIT 0)
                    """))
        #expect(attach.metadata == .sqlite(path: "/p/it's here/lake.sqlite"))
        #expect(attach.dataPath == "/p/it's here/lake.files/")
        #expect(
            attach.redirected(location: "sqlite:/s/catalog.sqlite", dataPath: "/s/files/")
                == "ATTACH 'ducklake:sqlite:/s/catalog.sqlite' AS lake (DATA_INLINING_ROW_LIMIT 0, "
                + "DATA_PATH '/s/files/', OVERRIDE_DATA_PATH true)")
    }

    @Test func duckDBFilesIfNotExistsReadOnlyAndTheTypeForm() throws {
        let plain = try #require(
            CatalogAttach(statement: "attach if not exists 'ducklake:meta.ducklake' as \"My Lake\""))
        #expect(plain.metadata == .duckdb(path: "meta.ducklake"))
        #expect(plain.dataPath == nil)
        #expect(
            plain.redirected(location: "duckdb:/s/c", dataPath: "/s/f/")
                == "ATTACH IF NOT EXISTS 'ducklake:duckdb:/s/c' AS \"My Lake\" (DATA_PATH '/s/f/', OVERRIDE_DATA_PATH true)"
        )
        let typed = try #require(
            CatalogAttach(statement: "ATTACH DATABASE 'sqlite:x.db' AS l (TYPE ducklake, READ_ONLY, DATA_PATH 'd/')"))
        #expect(typed.metadata == .sqlite(path: "x.db"))
        #expect(typed.dataPath == "d/")
        // READ_ONLY is dropped: the sandbox writes to its copy.
        #expect(
            typed.redirected(location: "sqlite:/s/c", dataPath: "/s/f/")
                == "ATTACH 'sqlite:/s/c' AS l (TYPE ducklake, DATA_PATH '/s/f/', OVERRIDE_DATA_PATH true)")
    }

    @Test func serversAndOtherStatementsAreTold() {
        #expect(
            CatalogAttach(statement: "ATTACH 'ducklake:postgres:dbname=lake host=db' AS lake")?.metadata
                == .postgres(connection: "dbname=lake host=db"))
        #expect(CatalogAttach(statement: "ATTACH 'ducklake:mysql:db=lake' AS lake")?.metadata == .server("mysql"))
        #expect(CatalogAttach(statement: "ATTACH 'ducklake:md:my_lake' AS lake")?.metadata == .server("md"))
        #expect(CatalogAttach(statement: "ATTACH 'other.duckdb' AS other") == nil)
        #expect(CatalogAttach(statement: "USE lake") == nil)
        #expect(CatalogAttach(statement: "INSTALL ducklake") == nil)
    }
}
