import OndatraEvents
import Testing

@Suite struct SchemaTypeTests {
    @Test func mapsDuckDBAliases() throws {
        let cases: [(String, EventType)] = [
            ("bool", .boolean), ("LOGICAL", .boolean),
            ("int1", .integer(.tinyint)), ("int2", .integer(.smallint)), ("short", .integer(.smallint)),
            ("int", .integer(.integer)), ("int4", .integer(.integer)), ("signed", .integer(.integer)),
            ("int8", .integer(.bigint)), ("long", .integer(.bigint)),
            ("uint8", .integer(.utinyint)), ("USMALLINT", .integer(.usmallint)), ("uinteger", .integer(.uinteger)),
            ("ubigint", .integer(.ubigint)),
            ("real", .float), ("float4", .float), ("float", .float), ("FLOAT(24)", .float), ("FLOAT(25)", .double),
            ("float8", .double), ("double  precision", .double),
            ("numeric", .decimal(precision: 18, scale: 3)), ("DECIMAL(10)", .decimal(precision: 10, scale: 0)),
            ("dec( 9 , 4 )", .decimal(precision: 9, scale: 4)),
            ("text", .varchar), ("string", .varchar), ("char", .varchar), ("bpchar", .varchar),
            ("VARCHAR(10)", .varchar), ("character varying", .varchar),
            ("date", .date), ("time", .time), ("timetz", .timeWithTimeZone), ("time with time zone", .timeWithTimeZone),
            ("datetime", .timestamp(.microseconds)), ("timestamp", .timestamp(.microseconds)),
            ("timestamp_s", .timestamp(.seconds)), ("timestamp_ms", .timestamp(.milliseconds)),
            ("timestamp_ns", .timestamp(.nanoseconds)), ("TIMESTAMP(3)", .timestamp(.milliseconds)),
            ("TIMESTAMP(0)", .timestamp(.seconds)), ("TIMESTAMP(9)", .timestamp(.nanoseconds)),
            ("timestamptz", .timestampWithTimeZone), ("timestamp with time zone", .timestampWithTimeZone),
            ("interval", .interval), ("uuid", .uuid), ("guid", .uuid), ("json", .json),
            ("blob", .blob), ("bytea", .blob), ("varbinary", .blob),
            ("INTEGER[]", .list(.integer(.integer))), ("varchar[][]", .list(.list(.varchar))),
            ("STRUCT(a INT)[]", .list(.other("STRUCT(a INT)"))),
            ("map(varchar, int)", .other("map(varchar, int)")), ("geometry", .other("GEOMETRY")),
            (
                "STRUCT(\"a b\" INT[], c STRUCT(d DOUBLE PRECISION), e MAP(VARCHAR, TIMESTAMP WITH TIME ZONE))",
                .other("STRUCT(\"a b\" INT[], c STRUCT(d DOUBLE PRECISION), e MAP(VARCHAR, TIMESTAMP WITH TIME ZONE))")
            ),
            ("ROW(a DECIMAL(10, 2), \"x\"\"y\" DATE)", .other("ROW(a DECIMAL(10, 2), \"x\"\"y\" DATE)")),
        ]
        for (text, expected) in cases {
            #expect(try EventType.parse(text) == expected, "\(text)")
        }
    }

    @Test func canonicalNames() {
        #expect(EventType.decimal(precision: 18, scale: 3).sqlName == "DECIMAL(18,3)")
        #expect(EventType.list(.list(.timestampWithTimeZone)).sqlName == "TIMESTAMP WITH TIME ZONE[][]")
        #expect(EventType.integer(.uhugeint).sqlName == "UHUGEINT")
        #expect(EventType.timestamp(.nanoseconds).sqlName == "TIMESTAMP_NS")
        #expect(EventType.timeWithTimeZone.sqlName == "TIME WITH TIME ZONE")
    }

    /// Types DuckLake cannot store faithfully, or read_json cannot read: refused with what to declare
    /// instead (SchemaDuckDBRoundTripTests shows DuckLake failing on each).
    @Test func refusesTypesDuckLakeCannotStore() {
        let hugeint = "as DOUBLE, which keeps only about 16 digits"
        let cases: [(String, String)] = [
            ("HUGEINT", "DuckLake stores HUGEINT \(hugeint)"), ("int128", "DuckLake stores INT128 \(hugeint)"),
            ("UHUGEINT", "DuckLake stores UHUGEINT \(hugeint)"), ("uint128", "use DECIMAL(38, 0) or VARCHAR"),
            ("ENUM('a', 'b')", "DuckLake cannot store ENUM; use VARCHAR"),
            ("UNION(i INT, s VARCHAR)", "DuckLake cannot store UNION; use JSON, or a STRUCT with one field per member"),
            ("INTEGER[3]", "INTEGER[3] is a fixed-size array, which DuckLake cannot store; use INTEGER[] (a list)"),
            ("VARCHAR[2][]", "VARCHAR[2] is a fixed-size array"),
            ("TIME_NS", "DuckLake's Parquet writer cannot store TIME_NS; use TIME (microseconds) or VARCHAR"),
            ("VARIANT", "read_json cannot read VARIANT; use JSON"),
            ("POINT_2D", "POINT_2D is a type of the spatial extension, which events columns cannot use; use GEOMETRY"),
            ("BOX_2D", "use GEOMETRY (sent as WKT text such as 'POINT(1 2)')"),
            // Inside composites too, where DuckDB's cast check would let them through.
            ("STRUCT(a HUGEINT)", "in STRUCT field 'a': DuckLake stores HUGEINT \(hugeint)"),
            ("MAP(VARCHAR, ENUM('x'))", "in MAP value: DuckLake cannot store ENUM"),
            ("STRUCT(a STRUCT(b INTEGER[2]))", "in STRUCT field 'a': in STRUCT field 'b': INTEGER[2] is a fixed-size"),
            ("STRUCT(a INTERVAL)", "in STRUCT field 'a': INTERVAL inside STRUCT or MAP is not supported"),
            ("MAP(VARCHAR, INTERVAL[])", "declare it as its own column, or as a list (INTERVAL[])"),
            ("STRUCT(t TIMESTAMP_NS)", "TIMESTAMP_NS inside STRUCT or MAP is not supported"),
            ("STRUCT(a HUGEINT)[]", "in STRUCT field 'a'"),
        ]
        for (text, fragment) in cases {
            do {
                let type = try EventType.parse(text)
                Issue.record("\(text) parsed as \(type)")
            } catch {
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
    }

    @Test func refusesBadTypes() {
        let cases: [(String, String)] = [
            ("", "missing type"),
            ("DECIMAL(0)", "precision 1 to 38"),
            ("DECIMAL(5, 6)", "precision 1 to 38"),
            ("DECIMAL(a)", "precision 1 to 38"),
            ("VARCHAR(x)", "optional length"),
            ("TIMESTAMP(10)", "precision of 0 to 9"),
            ("FLOAT(54)", "1 to 53 bits"),
            ("UUID(3)", "takes no parameters"),
            ("STRUCT", "needs its parameters"),
            ("STRUCT()", "needs its parameters"),
            ("STRUCT(a INT", "unbalanced"),
            ("INT(3) x", "unexpected 'x'"),
            ("[]", "missing element type"),
            ("INT[x]", "array size"),
            ("VARINT", "cannot be read from JSON"),
            ("INT[3]", "INT[3] is a fixed-size array, which DuckLake cannot store; use INT[] (a list)"),
            ("MAP(VARCHAR)", "MAP takes a key and a value type"),
            ("STRUCT(a)", "STRUCT fields are written `name TYPE`"),
            ("STRUCT(a INT, A VARCHAR)", "STRUCT field 'A' is declared twice"),
            ("STRUCT(a INTEGR)", "in STRUCT field 'a': unknown type 'INTEGR'; did you mean INTEGER?"),
            ("INTEGR", "did you mean INTEGER?"),
            ("UINT", "did you mean"),
        ]
        for (text, fragment) in cases {
            #expect(throws: EventTypeError.self, "\(text)") { try EventType.parse(text) }
            do {
                _ = try EventType.parse(text)
            } catch {
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
    }
}
