import OndatraEvents
import Testing

@Suite struct SchemaTypeTests {
    @Test func mapsDuckDBAliases() throws {
        let cases: [(String, EventType)] = [
            ("bool", .boolean), ("LOGICAL", .boolean),
            ("int1", .integer(.tinyint)), ("int2", .integer(.smallint)), ("short", .integer(.smallint)),
            ("int", .integer(.integer)), ("int4", .integer(.integer)), ("signed", .integer(.integer)),
            ("int8", .integer(.bigint)), ("long", .integer(.bigint)), ("int128", .integer(.hugeint)),
            ("uint8", .integer(.utinyint)), ("USMALLINT", .integer(.usmallint)), ("uinteger", .integer(.uinteger)),
            ("ubigint", .integer(.ubigint)), ("uhugeint", .integer(.uhugeint)),
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
            ("INTEGER[3]", .other("INTEGER[3]")), ("map(varchar, int)", .other("map(varchar, int)")),
            ("UNION(i INT, s VARCHAR)", .other("UNION(i INT, s VARCHAR)")),
            ("ENUM('a', 'b')", .other("ENUM('a', 'b')")),
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
