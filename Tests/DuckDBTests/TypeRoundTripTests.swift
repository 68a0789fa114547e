import DuckDB
import Testing

/// Every type DuckDB returns, read back through the generic `Value` path, with NULLs and nesting.
@Suite struct TypeRoundTripTests {
    let connection: Connection

    init() throws {
        connection = try Database().connect()
    }

    private func single(_ expression: String) throws -> (Value, LogicalType) {
        let result = try connection.query("SELECT \(expression) AS v")
        let type = result.columnTypes[0]
        let rows = try result.allRows()
        return (rows[0][0], type)
    }

    @Test(arguments: [
        ("true", Value.boolean(true), LogicalType.boolean),
        ("(-8)::TINYINT", .tinyint(-8), .tinyint),
        ("(-300)::SMALLINT", .smallint(-300), .smallint),
        ("(-70000)::INTEGER", .integer(-70000), .integer),
        ("(-5000000000)::BIGINT", .bigint(-5_000_000_000), .bigint),
        (
            "(-170141183460469231731687303715884105727)::HUGEINT", .hugeint(-170141183460469231731687303715884105727),
            .hugeint
        ),
        ("200::UTINYINT", .utinyint(200), .utinyint),
        ("60000::USMALLINT", .usmallint(60000), .usmallint),
        ("4000000000::UINTEGER", .uinteger(4_000_000_000), .uinteger),
        ("18446744073709551615::UBIGINT", .ubigint(UInt64.max), .ubigint),
        ("340282366920938463463374607431768211455::UHUGEINT", .uhugeint(UInt128.max), .uhugeint),
        ("1.5::FLOAT", .float(1.5), .float),
        ("-2.25::DOUBLE", .double(-2.25), .double),
        ("'hello wörld'", .varchar("hello wörld"), .varchar),
        ("'a string longer than twelve bytes'", .varchar("a string longer than twelve bytes"), .varchar),
        ("''", .varchar(""), .varchar),
        ("'\\x00\\xFFab'::BLOB", .blob([0, 255, 97, 98]), .blob),
        ("'0101'::BIT", .bit("0101"), .bit),
        ("DATE '2024-02-29'", .date(DateValue(year: 2024, month: 2, day: 29)), .date),
        ("DATE '1969-12-31'", .date(DateValue(days: -1)), .date),
        ("TIME '13:14:15.123456'", .time(TimeValue(microseconds: 47_655_123_456)), .time),
        (
            "INTERVAL '1 year 2 months 3 days 4 hours'",
            .interval(IntervalValue(months: 14, days: 3, microseconds: 14_400_000_000)), .interval
        ),
        ("'00000000-0000-0000-0000-000000000001'::UUID", .uuid(UUIDValue(bits: 1)), .uuid),
        ("'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID", .uuid(UUIDValue(bits: UInt128.max)), .uuid),
    ])
    func scalar(expression: String, expected: Value, type: LogicalType) throws {
        let (value, actualType) = try single(expression)
        #expect(value == expected)
        #expect(actualType == type)
        let (null, nullType) = try single("NULL::\(type)")
        #expect(null == .null)
        #expect(nullType == type)
    }

    @Test func decimalsOfEveryStorageWidth() throws {
        for (expression, width, text) in [
            ("1.25::DECIMAL(4,2)", UInt8(4), "1.25"), ("-12345.6789::DECIMAL(9,4)", 9, "-12345.6789"),
            ("123456789012.345678::DECIMAL(18,6)", 18, "123456789012.345678"),
            ("-12345678901234567890123456789.123456789::DECIMAL(38,9)", 38, "-12345678901234567890123456789.123456789"),
            ("0.05::DECIMAL(3,2)", 3, "0.05"),
        ] {
            let (value, type) = try single(expression)
            guard case .decimal(let decimal) = value else {
                Issue.record("\(expression) gave \(value)")
                continue
            }
            #expect(decimal.width == width)
            #expect(decimal.description == text)
            #expect(type == .decimal(width: width, scale: decimal.scale))
        }
    }

    @Test func timestampsInEveryUnit() throws {
        let cases: [(String, LogicalType, String)] = [
            ("TIMESTAMP '2024-05-06 07:08:09.123456'", .timestamp(.microseconds), "2024-05-06 07:08:09.123456"),
            ("TIMESTAMP_S '2024-05-06 07:08:09'", .timestamp(.seconds), "2024-05-06 07:08:09"),
            ("TIMESTAMP_MS '2024-05-06 07:08:09.120'", .timestamp(.milliseconds), "2024-05-06 07:08:09.12"),
            ("TIMESTAMP_NS '2024-05-06 07:08:09.123456789'", .timestamp(.nanoseconds), "2024-05-06 07:08:09.123456789"),
            ("TIMESTAMP '1960-01-01 00:00:00.5'", .timestamp(.microseconds), "1960-01-01 00:00:00.5"),
            ("'infinity'::TIMESTAMP", .timestamp(.microseconds), "infinity"),
        ]
        for (expression, type, text) in cases {
            let (value, actualType) = try single(expression)
            #expect(actualType == type)
            #expect(value.description == text, "\(expression)")
        }
        try connection.execute("SET TimeZone = 'UTC'")
        let (tz, tzType) = try single("TIMESTAMPTZ '2024-05-06 07:08:09+02'")
        #expect(tzType == .timestampTZ)
        guard case .timestampTZ(let stamp) = tz else { Issue.record("got \(tz)"); return }
        #expect(stamp.iso8601(suffix: "Z") == "2024-05-06T05:08:09Z")
        let (timeTZ, timeTZType) = try single("TIMETZ '10:11:12+05:30'")
        #expect(timeTZType == .timeTZ)
        #expect(timeTZ.description == "10:11:12+05:30")
    }

    @Test func enums() throws {
        try connection.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
        let (value, type) = try single("'happy'::mood")
        #expect(value == .enumeration("happy"))
        #expect(type == .enumeration(["sad", "ok", "happy"]))
    }

    @Test func nestedValues() throws {
        let (list, listType) = try single("[1, NULL, 3]")
        #expect(list == .list([.integer(1), .null, .integer(3)]))
        #expect(listType == .list(.integer))

        let (nested, _) = try single("[[1, 2], [], NULL, [3]]")
        #expect(nested == .list([.list([.integer(1), .integer(2)]), .list([]), .null, .list([.integer(3)])]))

        let (structure, structType) = try single("{'a': 1, 'b': 'x', 'c': NULL::DATE}")
        #expect(structure == .structure([.init("a", .integer(1)), .init("b", .varchar("x")), .init("c", .null)]))
        #expect(structType == .structure([.init("a", .integer), .init("b", .varchar), .init("c", .date)]))

        let (map, mapType) = try single("MAP {'k1': 10, 'k2': NULL}")
        #expect(map == .map([.init(.varchar("k1"), .integer(10)), .init(.varchar("k2"), .null)]))
        #expect(mapType == .map(key: .varchar, value: .integer))

        let (array, arrayType) = try single("[1.5, 2.5, NULL]::DOUBLE[3]")
        #expect(array == .array([.double(1.5), .double(2.5), .null]))
        #expect(arrayType == .array(.double, size: 3))

        let (union, unionType) = try single("union_value(num := 42)::UNION(num INTEGER, str VARCHAR)")
        #expect(union == .union(tag: "num", value: .integer(42)))
        #expect(unionType == .union([.init("num", .integer), .init("str", .varchar)]))

        let (deep, _) = try single("[{'ids': [1, 2], 'tags': MAP {'x': [true]}}]")
        #expect(
            deep
                == .list([
                    .structure([
                        .init("ids", .list([.integer(1), .integer(2)])),
                        .init("tags", .map([.init(.varchar("x"), .list([.boolean(true)]))])),
                    ])
                ]))
    }

    @Test func parametersOfEveryKindRoundTrip() throws {
        let values: [Value] = [
            .boolean(false), .tinyint(-1), .smallint(2), .integer(3), .bigint(4), .hugeint(Int128(Int64.max) * 4),
            .utinyint(5), .usmallint(6), .uinteger(7), .ubigint(8), .uhugeint(9), .float(1.25), .double(2.5),
            .decimal(DecimalValue(value: 12345, width: 10, scale: 2)), .varchar("text with 'quotes'"),
            .blob([1, 2, 3]),
            .date(DateValue(year: 2001, month: 2, day: 3)), .time(TimeValue(microseconds: 1_000_001)),
            .timestamp(TimestampValue(value: 1_700_000_000_000_000)),
            .interval(IntervalValue(months: 1, days: 2, microseconds: 3)),
            .uuid(UUIDValue("123e4567-e89b-12d3-a456-426614174000")!),
            .list([.integer(1), .integer(2)]), .structure([.init("a", .varchar("b"))]),
            .map([.init(.varchar("k"), .bigint(1))]),
        ]
        for value in values {
            let back = try connection.scalar("SELECT ?", [value])
            #expect(back == value, "\(value)")
        }
        #expect(try connection.scalar("SELECT ? IS NULL", [.null]) == .boolean(true))
    }

    @Test func textForms() throws {
        #expect(Value.list([.varchar("a"), .null]).description == "['a', NULL]")
        #expect(Value.structure([.init("k", .integer(1))]).description == "{'k': 1}")
        #expect(Value.blob([0x41, 0x00]).description == "A\\x00")
        #expect(DateValue(year: 0, month: 1, day: 1).description == "0001-01-01 (BC)")
        #expect(IntervalValue(months: 0, days: 0, microseconds: -90_000_000).description == "-00:01:30")
        #expect(LogicalType.structure([.init("a b", .list(.integer))]).description == "STRUCT(\"a b\" INTEGER[])")
    }
}
