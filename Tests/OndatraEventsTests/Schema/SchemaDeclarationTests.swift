import OndatraEvents
import Testing

@Suite struct SchemaDeclarationTests {
    /// The error `body` raises, or nil when it parses.
    private func error(_ body: String, firstLine: Int = 3) -> EventDeclarationError? {
        do {
            _ = try EventDeclarations.parse(body, file: "models/raw/page_views.sql", firstLine: firstLine)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesTheSpecExample() throws {
        let body = "event_name VARCHAR NOT NULL,\npage_url VARCHAR,\nreceived_at TIMESTAMPTZ\n"
        let columns = try EventDeclarations.parse(body, file: "m.sql", firstLine: 3)
        #expect(
            columns == [
                EventColumn(name: "event_name", type: .varchar, notNull: true, line: 3),
                EventColumn(name: "page_url", type: .varchar, notNull: false, line: 4),
                EventColumn(name: "received_at", type: .timestampWithTimeZone, notNull: false, line: 5),
            ])
    }

    @Test func readsMultiWordAndParameterisedTypes() throws {
        let body = """
            a DOUBLE PRECISION,
            b TIMESTAMP WITH TIME ZONE NOT NULL,
            c VARCHAR(255),
            d DECIMAL(18, 2),
            e INTEGER[],
            f STRUCT(a INTEGER, b VARCHAR),
            g MAP(VARCHAR, INTEGER),
            h time without time zone,
            i numeric (10,4) not null,
            j BIGINT[][] ,
            k INT ARRAY,
            l STRUCT("x--y" VARCHAR, z INTEGER[])
            """
        let columns = try EventDeclarations.parse(body, file: "m.sql", firstLine: 1)
        #expect(
            columns.map(\.type.sqlName) == [
                "DOUBLE", "TIMESTAMP WITH TIME ZONE", "VARCHAR", "DECIMAL(18,2)", "INTEGER[]",
                "STRUCT(a INTEGER, b VARCHAR)", "MAP(VARCHAR, INTEGER)", "TIME", "DECIMAL(10,4)", "BIGINT[][]",
                "INTEGER[]", "STRUCT(\"x--y\" VARCHAR, z INTEGER[])",
            ])
        #expect(
            columns.map(\.notNull) == [
                false, true, false, false, false, false, false, false, true, false, false, false,
            ])
    }

    @Test func skipsCommentsBlankLinesCRLFAndABOM() throws {
        let body =
            "\u{FEFF}-- @description: views\r\n\r\n  -- a comment\r\nid BIGINT NOT NULL, -- the id\r\n\tname\tVARCHAR\t--x\r\n"
        let columns = try EventDeclarations.parse(body, file: "m.sql", firstLine: 10)
        #expect(columns.map(\.name) == ["id", "name"])
        #expect(columns.map(\.line) == [13, 14])
        #expect(columns[0].notNull)
    }

    @Test func readsQuotedAndNonASCIINames() throws {
        let body = "\"page url\" VARCHAR,\n\"say \"\"hi\"\"\" TEXT,\nstadt_größe INTEGER,\n\"-- not a comment\" JSON"
        let columns = try EventDeclarations.parse(body, file: "m.sql", firstLine: 1)
        #expect(columns.map(\.name) == ["page url", "say \"hi\"", "stadt_größe", "-- not a comment"])
    }

    @Test func refusesConstraints() {
        for constraint in [
            "PRIMARY KEY", "UNIQUE", "DEFAULT 'x'", "CHECK (id > 0)", "REFERENCES users(id)", "COLLATE nocase",
            "GENERATED ALWAYS AS (1)", "NULL", "CONSTRAINT c NOT NULL", "NOT NULL DEFAULT 1",
        ] {
            let found = error("ok INTEGER,\nid BIGINT \(constraint),\n")
            #expect(found?.line == 4, "\(constraint)")
            #expect(found?.message.contains("events columns take no constraints but NOT NULL") == true, "\(constraint)")
            #expect(found?.message.contains("write `id BIGINT") == true, "\(found?.message ?? "")")
        }
        let table = error("id BIGINT,\nPRIMARY KEY (id)")
        #expect(table?.line == 4)
        #expect(table?.message.contains("no constraints but NOT NULL") == true)
    }

    @Test func namesTheFileAndLineOfAMissingType() {
        let found = error("a VARCHAR\n\nuser_id\n", firstLine: 7)
        #expect(found?.description.hasPrefix("models/raw/page_views.sql:9: column 'user_id' has no type") == true)
        #expect(found?.message.contains("write `user_id VARCHAR`") == true)
        #expect(error("x NOT NULL")?.message.contains("column 'x' has no type before NOT") == true)
        #expect(error("x,")?.message.contains("has no type") == true)
    }

    @Test func suggestsTheNearestTypeName() {
        #expect(error("a VARCHR")?.message == "column 'a': unknown type 'VARCHR'; did you mean VARCHAR?")
        #expect(error("a TIMESTAMPZ")?.message.contains("did you mean TIMESTAMP or TIMESTAMPTZ?") == true)
        #expect(error("a BIGINTEGER")?.message.contains("did you mean INTEGER") == true)
        #expect(error("a BANANA")?.message.contains("did you mean") == false)
        #expect(error("a FOOBAR")?.message.contains("use a DuckDB type such as VARCHAR") == true)
        #expect(error("a TIMESTAMP WITH TIMEZONE")?.message == "column 'a': write TIMESTAMP WITH TIME ZONE")
    }

    @Test func refusesDuplicateNamesIgnoringCase() {
        let found = error("Event VARCHAR\nother INT\n\"EVENT\" TEXT", firstLine: 2)
        #expect(found?.line == 4)
        #expect(found?.message.contains("column 'EVENT' is declared twice (first on line 2)") == true)
        // DuckDB folds ASCII only, so these two differ.
        #expect(error("\"Ä\" INT\n\"ä\" INT") == nil)
    }

    @Test func refusesAnEmptyBody() {
        for body in ["", "\n\n", "-- only a comment\n", "\u{FEFF}", "  \r\n\t\r\n"] {
            let found = error(body, firstLine: 5)
            #expect(found?.line == 5)
            #expect(found?.message.contains("at least one column") == true)
        }
    }

    @Test func refusesOtherTokens() {
        #expect(error("a INT, b INT")?.message.contains("one column per line") == true)
        #expect(error("a INT b")?.message.contains("unexpected 'b' after the type") == true)
        #expect(
            error("x VARCHAR NOT NULL NOT NULL")?.message
                == "column 'x': NOT NULL given twice; write `x VARCHAR NOT NULL`")
        #expect(
            error("x VARCHAR NOT NULL DEFAULT 'a'")?.message
                == "column 'x': events columns take no constraints but NOT NULL (found DEFAULT 'a'); write "
                + "`x VARCHAR NOT NULL` (NOT NULL is optional)")
        #expect(error("a STRUCT(b INT")?.message.contains("unclosed '('") == true)
        #expect(error("\"a INT")?.message.contains("unclosed") == true)
        #expect(error("1a INT")?.message.contains("starts with a letter") == true)
        #expect(error("(a) INT")?.message.contains("expected a column name") == true)
        #expect(error("\"\" INT")?.message.contains("cannot be empty") == true)
        #expect(error("a ;")?.message.contains("expected a type, got ';'") == true)
        #expect(error("a INT;")?.message.contains("unexpected ';'") == true)
        #expect(error(",")?.message.contains("lone ','") == true)
        #expect(error("a INT\n, b INT")?.message.contains("but not start with one") == true)
        #expect(error("a DECIMAL(40, 2)")?.message.contains("precision 1 to 38") == true)
        #expect(error("a BOOLEAN(3)")?.message.contains("BOOLEAN takes no parameters") == true)
        #expect(error("a BIT")?.message.contains("cannot be read from JSON") == true)
    }

    @Test func refusesTypesDuckLakeCannotStoreAtTheirLine() {
        let cases: [(String, String)] = [
            ("status ENUM('new', 'old') NOT NULL", "column 'status': DuckLake cannot store ENUM; use VARCHAR"),
            ("v UNION(i INT, s VARCHAR)", "column 'v': DuckLake cannot store UNION; use JSON, or a STRUCT"),
            ("xyz INTEGER[3]", "column 'xyz': INTEGER[3] is a fixed-size array, which DuckLake cannot store; use "),
            ("\"big id\" HUGEINT", "column 'big id': DuckLake stores HUGEINT as DOUBLE"),
            ("n UHUGEINT,", "use DECIMAL(38, 0) or VARCHAR"),
            ("t TIME_NS", "cannot store TIME_NS; use TIME (microseconds) or VARCHAR"),
            ("p POINT_2D", "use GEOMETRY"),
            ("s STRUCT(a INT, b ENUM('x'))", "column 's': in STRUCT field 'b': DuckLake cannot store ENUM"),
        ]
        for (declaration, fragment) in cases {
            let found = error("ok VARCHAR,\n-- a comment\n\(declaration)\nlater INT", firstLine: 10)
            #expect(found?.line == 12, "\(declaration)")
            #expect(found?.message.contains(fragment) == true, "\(found?.message ?? "no error")")
        }
        // GEOMETRY is stored by DuckLake (Parquet's geometry type), sent as WKT text.
        #expect(error("shape GEOMETRY") == nil)
    }

    @Test func errorDescriptionIsFileLineMessage() {
        let error = EventDeclarationError(file: "f.sql", line: 12, message: "boom")
        #expect(error.description == "f.sql:12: boom")
    }
}
