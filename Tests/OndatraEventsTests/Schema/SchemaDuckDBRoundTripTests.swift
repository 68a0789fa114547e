import Foundation
import OndatraEvents
import Testing

/// Checks the validator against DuckDB itself (off unless `ONDATRA_EVENTS_DUCKDB_CHECK=1`; needs
/// `python3` with the `duckdb` package at the version the project pins).
///
/// For every case the validator accepts, its normalized line must read back through `read_json`
/// with the declared `sqlName` as exactly what DuckDB's `TRY_CAST` makes of the original value (or,
/// where CAST refuses an ISO 8601 form the validator takes, at least read back), and must load into
/// a DuckLake table written to Parquet; for every case it refuses, the script reports whether
/// DuckDB would have cast it (a known stricter spot, listed in ``EventValidator``'s documentation)
/// or not. Types the declarations refuse are shown failing in DuckLake (``SchemaDuckDBScript``).
@Suite struct SchemaDuckDBRoundTripTests {
    /// Values to try per declared type (JSON text).
    static let candidates: [(String, [String])] = [
        (
            "BOOLEAN",
            [
                "true", "false", "0", "1", "2", "\"t\"", "\"F\"", "\"yes\"", "\"n\"", "\"1\"", "\"0\"", "\"on\"",
                "\" true\"",
            ]
        ),
        ("TINYINT", ["127", "-128", "128", "\"-128\"", "\" 42 \"", "1.0", "1e2", "1.5", "\"1.5\"", "\"+5\"", "-0"]),
        ("UTINYINT", ["255", "256", "-0", "\"-0\"", "-1"]),
        ("SMALLINT", ["32767", "-32769"]), ("USMALLINT", ["65535", "65536"]),
        ("INTEGER", ["2147483647", "-2147483648", "2147483648", "\"0x10\"", "\"1_000\"", "\"5.\"", "\"  7\\n\""]),
        ("UINTEGER", ["4294967295", "4294967296"]),
        (
            "BIGINT",
            ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "12.30e1", "\"007\"", "true"]
        ),
        ("UBIGINT", ["18446744073709551615", "18446744073709551616"]),
        (
            "FLOAT",
            [
                "1.5", "3.4028235e38", "16777217", "\"1e39\"", "1e39", "\"nan\"", "\"-inf\"", "\" .5 \"", "0.1",
                "1e-50", "\"+2.5\"", "1e400", "-1e309",
            ]
        ),
        (
            "DOUBLE",
            [
                "1.5", "-0.0", "1e400", "\"1e400\"", "123456789012345678901234567890", "\"NaN\"", "\"-NaN\"",
                "\"Infinity\"", "\"-Infinity\"", "\"+INF\"", "\"5.\"", "\"-.5\"", "\"5.e2\"", "\"1_0.5\"", "0.1",
                "2.2250738585072014e-308", "4.9e-324", "1e309", "-1e309", "1.7976931348623157e308",
                "1797693134862315708145274537202" + String(repeating: "0", count: 278),
                "1" + String(repeating: "0", count: 309),
            ]
        ),
        (
            "DECIMAL(4,2)",
            [
                "1", "99.99", "99.994", "99.995", "0.005", "-0.005", "0.0049999", "-0.001", "\" 4.5 \"", "\".5\"",
                "1.5e1", "15e-1", "1e-400", "-0", "100",
            ]
        ),
        (
            "DECIMAL(18,3)",
            ["1.2345", "-1.2345", "1.5e2", "\"1.2355\"", "999999999999999.9994", "999999999999999.9995"]
        ),
        ("DECIMAL(38,10)", ["1234567890123456789012345678.1234567891", "-9999999999999999999999999999.99999999994"]),
        ("DECIMAL(1,1)", ["0.94", "0.95"]),
        ("DECIMAL(38,0)", ["99999999999999999999999999999999999999", "1e37", "1e38"]),
        (
            "VARCHAR",
            [
                "\"x\"", "\"\"", "1.50", "1E5", "-0", "true", "\"\\u0000\\t\\\"\\\\\"", "\"\\u2028é😀\"", "\"a\\/b\"",
                "\"line\\nbreak\\r\\n\"",
            ]
        ),
        ("BLOB", ["\"abc\"", "\"a\\\\x41\"", "\"é\"", "\"\\u0000\""]),
        (
            "DATE",
            [
                "\"2024-02-29\"", "\"2000-02-29\"", "\" 2024-01-05 \"", "\"2024-01-05T23:00:00-05:00\"",
                "\"2024-01-05 10:00:00.123Z\"", "\"0000-01-01\"", "\"0001-01-01\"", "\"9999-12-31\"", "\"2023-02-29\"",
                "\"1900-02-29\"", "\"2024-1-5\"", "\"2024/01/05\"", "\"2024-02-29T24:00:00\"", "\"2024-02-29T10:00Z\"",
                "\"2024-02-29T10:00+02\"",
            ]
        ),
        (
            "TIME",
            [
                "\"10:00\"", "\"23:59:59.999999\"", "\"24:00:00\"", "\"10:00:00.123456789\"", "\" 10:00:00 \"",
                "\"10:00:00+02\"", "\"10:00:00Z\"", "\"24:00:01\"", "\"1:2:3\"", "\"10:00:00.1234567890123\"",
                "\"10:00Z\"", "\"10:00+02:00\"", "\"24:00:00\"",
            ]
        ),
        (
            "TIMETZ",
            [
                "\"10:00:00+02:30\"", "\"10:00:00\"", "\"10:00:00Z\"", "\"10:00:00-0130\"", "\"24:00:00+00\"",
                "\"10:00Z\"", "\"10:00+02\"", "\"10:00:00+15:59\"", "\"10:00:00-15:59\"", "\"10:00:00+16:00\"",
                "\"23:59:59.1234567891+01:00\"",
            ]
        ),
        (
            "UUID",
            [
                "\"123e4567-e89b-12d3-a456-426614174000\"", "\"{123e4567-e89b-12d3-a456-426614174000}\"",
                "\"123E4567-E89B-12D3-A456-426614174000\"", "\"123e4567e89b12d3a456426614174000\"",
                "\"{123e4567e89b12d3a456426614174000}\"", "\"123e-4567-e89b-12d3-a456-426614174000\"",
                "\" 123e4567-e89b-12d3-a456-426614174000\"",
            ]
        ),
        ("JSON", ["{ \"x\" : [1, 2.50, \"é\"] }", "\"abc\"", "12.50", "true", "[]", "\"{\\\"x\\\":1}\""]),
        ("INTEGER[]", ["[1, null, \"3\"]", "[]", "[1, 2.5]", "\"[1,2]\""]),
        ("VARCHAR[][]", ["[[\"a\", 1], [], null, [null]]"]),
        ("DECIMAL(3,1)[]", ["[1, \"2.25\"]"]),
        ("TIMESTAMPTZ[]", ["[\"2024-02-29T10:00:00+02\", null]"]),
        ("STRUCT(a INTEGER, b VARCHAR)", ["{\"a\": 1, \"b\": \"x\"}"]),
        ("MAP(VARCHAR, INTEGER)", ["{\"k\": 1}"]),
        ("GEOMETRY", ["\"POINT(1 2)\"", "\"POLYGON((0 0, 1 0, 1 1, 0 0))\"", "\"POINT EMPTY\""]),
        ("INTERVAL[]", ["[\"1 day\", null, \"2 hours\"]", "[\"1 day\", \"-1 day\"]"]),
    ]

    /// Types the declarations refuse, each with a value to show what DuckLake does with it.
    static let refused: [(String, String)] = [
        ("HUGEINT", "123456789012345678901234567890"),
        ("UHUGEINT", "\"340282366920938463463374607431768211455\""),
        ("ENUM('a', 'b')", "\"a\""),
        ("UNION(i INTEGER, s VARCHAR)", "1"),
        ("INTEGER[3]", "[1, 2, 3]"),
        ("TIME_NS", "\"10:00:00.123456789\""),
        ("VARIANT", "42"),
        ("STRUCT(i INTERVAL)", "{\"i\": \"-1 day\"}"),
        ("STRUCT(t TIMESTAMP_NS)", "{\"t\": \"1677-09-21 12:00:00\"}"),
        ("MAP(VARCHAR, HUGEINT)", "{\"k\": 123456789012345678901234567890}"),
    ]

    /// Timestamps and intervals, tried for every timestamp type.
    static let timestamps = [
        "2024-02-29T10:00:00", "2024-02-29 10:00:00", "2024-02-29T10:00", "2024-02-29", "2024-02-29T10:00:00Z",
        "2024-02-29T10:00:00.1234567Z", "2024-02-29T10:00:00.123456789", "2024-02-29T10:00:00+02",
        "2024-02-29T10:00:00+0230", "2024-02-29T10:00:00-02:30", "2024-02-29T24:00:00", "2024-02-29T10:00:00-00",
        "2024-02-29T10:00:00+23:59", "2024-02-29T10:00:00.9999995", "2024-02-29T10:00:00.9",
        "2024-02-29T10:00:00+24:00",
        "2024-02-29T10:00:00 UTC", "2024-02-29T10", "2023-02-29T10:00:00", "1970-01-01T00:00:00.000001Z",
        "2024-02-29T10:00Z", "2024-02-29T10:00+02", "2024-02-29 10:00-0230", "2024-02-29T10:00:00.123456789123Z",
        "0000-01-01T00:00:00", "0000-01-01T00:00:00+05:00", "9999-12-31T23:59:59.999999", "9999-12-31T24:00:00",
        "9999-12-31T23:00:00-05:00", "1600-01-01T00:00:00Z", "1677-09-21T12:00:00Z", "1677-09-22T00:00:00Z",
        "1677-09-22T00:30:00+01:00", "2262-04-11T23:47:16.854775806Z", "2262-04-11T23:47:16.8547758069",
        "2262-04-11T23:47:16.854775807Z", "2262-04-12T00:47:16.854775806+01:00", "2262-04-11T24:00:00",
    ]

    static let intervals = [
        "1 day", "2 hours 3 minutes", "01:02:03", "1 year 2 months", "1 day ago", "-1 day", "1.5 days", "1d", "1DAY",
        "5 m", "3 mons", "1 week", "1 decade", "1 century", "1 millennium", "1 quarter", "10 ms", "10 us", "1",
        "1 day 01:02:03", "1 yr", "2 hrs", "3 secs", "@ 1 day", "1 d 2 h", "1:02:03.5", "-01:02:03", "1 day -2 hours",
        "5. day", "1  day", "2147483647 months", "1 day 01:02 ago", "01:02:03 ago", "1 day 01:02:03 ago", "  1 day  ",
        "-1 day ago", "100:00:00",
        "P1D", "1:2", "01:02:03 1 day", "1000000000 years", "2147483648 months", "+1 day", "1.5 months",
        "0 days ago", "-0 days", "-00:00:00", "1193:02:47.295", "1193:02:47.296", "1193 hours", "1194 hours",
        "1193 hours 2.5 days", "1 month -0.5 month", "2 days -1 day", "10 us", "1 day 1.5 ms", "-1 day -2 hours ago",
        "4294967 seconds", "4294968 seconds",
    ]

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ONDATRA_EVENTS_DUCKDB_CHECK"] == "1"))
    func normalizedLinesReadBackAsDuckDBCasts() throws {
        var all = Self.candidates
        for type in ["TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"] {
            all.append((type, Self.timestamps.map { "\"\($0)\"" }))
        }
        all.append(("INTERVAL", Self.intervals.map { "\"\($0)\"" }))
        var rows: [[String: String]] = []
        for (typeText, inputs) in all {
            let type = try EventType.parse(typeText)
            let validator = EventValidator(columns: [EventColumn(name: "a", type: type)])
            for input in inputs {
                let value = try EventJSON.parseValue(Array(input.utf8))
                var row = ["type": type.sqlName, "input": input, "kind": value.typeName]
                if case .string(let text) = value { row["text"] = text }
                if case .number(let number) = value { row["text"] = number.text }
                do {
                    let line = try validator.validate(EventJSONObject(["a": value]), receivedAt: Date())
                    row["line"] = String(decoding: line, as: UTF8.self)
                } catch {
                    row["error"] = error.message
                }
                rows.append(row)
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schema-roundtrip-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let casesFile = directory.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: rows).write(to: casesFile)
        for (type, _) in Self.refused {
            #expect(throws: EventTypeError.self, "\(type)") { try EventType.parse(type) }
        }
        let refusedFile = directory.appendingPathComponent("refused.json")
        let refused = Self.refused.map { ["type": $0.0, "sample": $0.1] }
        try JSONSerialization.data(withJSONObject: refused).write(to: refusedFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", SchemaDuckDBScript.source, casesFile.path, refusedFile.path, directory.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(output)
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
