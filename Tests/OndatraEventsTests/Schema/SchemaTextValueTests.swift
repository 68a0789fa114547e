import OndatraEvents
import Testing

@Suite struct SchemaTextValueTests {
    private func check(_ type: String, _ cases: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (input, expected) in cases {
            let got = SchemaValidatorFixture.value(type, input)
            #expect(got == expected, "\(type) \(input)", sourceLocation: sourceLocation)
        }
    }

    @Test func varcharTakesAnyScalarAndJSONText() {
        check(
            "VARCHAR",
            [
                ("\"x\"", "\"x\""), ("\"\"", "\"\""), ("1.50", "\"1.50\""), ("1E5", "\"1E5\""), ("-0", "\"-0\""),
                ("true", "\"true\""), ("false", "\"false\""), ("\"\\u0000\\t\\\"\\\\\"", "\"\\u0000\\t\\\"\\\\\""),
                ("\"\\u2028é😀\"", "\"\u{2028}é😀\""), ("\"a\\/b\"", "\"a/b\""),
                ("[1, \"a\", {\"b\": null}]", "\"[1,\\\"a\\\",{\\\"b\\\":null}]\""),
                ("{ \"x\" : [ 2.50 ] }", "\"{\\\"x\\\":[2.50]}\""), ("[]", "\"[]\""), ("{}", "\"{}\""),
            ])
    }

    @Test func jsonTakesAnything() {
        check(
            "JSON",
            [
                ("{ \"x\" : [1, 2.50, \"é\"] }", "{\"x\":[1,2.50,\"é\"]}"), ("\"abc\"", "\"abc\""), ("12.50", "12.50"),
                ("true", "true"), ("[]", "[]"), ("\"{\\\"x\\\":1}\"", "\"{\\\"x\\\":1}\""),
            ])
    }

    @Test func blobTakesStrings() {
        check(
            "BLOB",
            [
                ("\"abc\"", "\"abc\""), ("\"a\\\\x41\"", "\"a\\\\x41\""), ("\"é\"", "\"é\""),
                ("1", "! field 'a': expected BLOB, got 1"), ("[1]", "! field 'a': expected BLOB, got [1]"),
            ])
    }

    @Test func dates() {
        check(
            "DATE",
            [
                ("\"2024-02-29\"", "\"2024-02-29\""), ("\"2000-02-29\"", "\"2000-02-29\""),
                ("\" 2024-01-05 \"", "\"2024-01-05\""),
                ("\"2024-01-05T23:00:00-05:00\"", "\"2024-01-05\""), ("\"2024-01-05 10:00:00.123Z\"", "\"2024-01-05\""),
                ("\"0000-01-01\"", "\"0000-01-01\""), ("\"9999-12-31\"", "\"9999-12-31\""),
                ("\"2023-02-29\"", "! field 'a': expected DATE, got \"2023-02-29\" (2023 is not a leap year)"),
                ("\"1900-02-29\"", "! field 'a': expected DATE, got \"1900-02-29\" (1900 is not a leap year)"),
                ("\"2024-02-30\"", "! field 'a': expected DATE, got \"2024-02-30\" (2024-02 has no day 30)"),
                ("\"2024-04-31\"", "! field 'a': expected DATE, got \"2024-04-31\" (2024-04 has no day 31)"),
                ("\"2024-01-00\"", "! field 'a': expected DATE, got \"2024-01-00\" (2024-01 has no day 0)"),
                ("\"2024-13-01\"", "! field 'a': expected DATE, got \"2024-13-01\" (month 13 does not exist)"),
                ("\"2024-1-5\"", "! field 'a': expected DATE, got \"2024-1-5\" (expected YYYY-MM-DD)"),
                ("\"2024/01/05\"", "! field 'a': expected DATE, got \"2024/01/05\" (expected YYYY-MM-DD)"),
                ("\"20240105\"", "! field 'a': expected DATE, got \"20240105\" (expected YYYY-MM-DD)"),
                ("\"2024-01-05x\"", "! field 'a': expected DATE, got \"2024-01-05x\" (expected YYYY-MM-DD)"),
                (
                    "\"2024-01-05T25:00\"",
                    "! field 'a': expected DATE, got \"2024-01-05T25:00\" (time 25:00:00 is out of range)"
                ),
                ("\"\"", "! field 'a': expected DATE, got \"\" (expected YYYY-MM-DD)"),
                ("20240105", "! field 'a': expected DATE, got 20240105"),
            ])
    }

    @Test func times() {
        check(
            "TIME",
            [
                ("\"10:00\"", "\"10:00\""), ("\"23:59:59.999999\"", "\"23:59:59.999999\""),
                ("\"24:00:00\"", "\"24:00:00\""),
                ("\"10:00:00.123456789\"", "\"10:00:00.123456789\""), ("\" 10:00:00 \"", "\"10:00:00\""),
                ("\"10:00:00+02\"", "\"10:00:00+02\""), ("\"10:00:00Z\"", "\"10:00:00Z\""),
                ("\"24:00:01\"", "! field 'a': expected TIME, got \"24:00:01\" (time 24:00:01 is out of range)"),
                ("\"10:60:00\"", "! field 'a': expected TIME, got \"10:60:00\" (time 10:60:00 is out of range)"),
                ("\"23:59:60\"", "! field 'a': expected TIME, got \"23:59:60\" (time 23:59:60 is out of range)"),
                ("\"1:2:3\"", "! field 'a': expected TIME, got \"1:2:3\" (expected a time HH:MM[:SS[.ffffff]])"),
                (
                    "\"10:00:00.\"",
                    "! field 'a': expected TIME, got \"10:00:00.\" (expected a time HH:MM[:SS[.ffffff]])"
                ),
                ("\"10\"", "! field 'a': expected TIME, got \"10\" (expected a time HH:MM[:SS[.ffffff]])"),
            ])
        check(
            "TIMETZ",
            [
                ("\"10:00:00+02:30\"", "\"10:00:00+02:30\""), ("\"10:00:00\"", "\"10:00:00\""),
                (
                    "\"10:00:00Z\"",
                    "! field 'a': expected TIME WITH TIME ZONE, got \"10:00:00Z\" (expected the end or an offset like +02:00)"
                ),
            ])
    }

    @Test func timestamps() {
        let good = [
            "2024-02-29T10:00:00", "2024-02-29 10:00:00", "2024-02-29T10:00", "2024-02-29", "2024-02-29T10:00:00Z",
            "2024-02-29T10:00:00.1234567Z", "2024-02-29T10:00:00+02", "2024-02-29T10:00:00+0230",
            "2024-02-29T10:00:00-02:30", "2024-02-29T24:00:00", "2024-02-29T10:00:00-00", "2024-02-29T10:00:00+23:59",
        ]
        for type in ["TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"] {
            check(type, good.map { ("\"\($0)\"", "\"\($0)\"") })
        }
        check(
            "TIMESTAMPTZ",
            [
                ("\"\\t2024-02-29T10:00:00Z\\n\"", "\"2024-02-29T10:00:00Z\""),
                (
                    "\"2023-02-29T10:00:00Z\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2023-02-29T10:00:00Z\" (2023 is not a leap year)"
                ),
                (
                    "\"2024-02-29t10:00:00\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29t10:00:00\" (expected ISO 8601 like 2024-01-31T12:00:00Z)"
                ),
                (
                    "\"2024-02-29T10\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10\" (expected a time HH:MM[:SS[.ffffff]])"
                ),
                (
                    "\"2024-02-29T10:00:00z\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:00z\" (expected the end, Z or an offset like +02:00)"
                ),
                (
                    "\"2024-02-29T10:00:00 +02:00\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:00 +02:00\" (expected the end, Z or an offset like +02:00)"
                ),
                (
                    "\"2024-02-29T10:00:00+2\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:00+2\" (expected the end, Z or an offset like +02:00)"
                ),
                (
                    "\"2024-02-29T10:00:00+02:3\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:00+02:3\" (expected the end, Z or an offset like +02:00)"
                ),
                (
                    "\"2024-02-29T10:00:00+24:00\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:00+24:00\" (offset out of range)"
                ),
                (
                    "\"2024-02-29T10:00:00 UTC\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:00 UTC\" (expected the end, Z or an offset like +02:00)"
                ),
                (
                    "\"2024-02-29T10:00:60\"",
                    "! field 'a': expected TIMESTAMP WITH TIME ZONE, got \"2024-02-29T10:00:60\" (time 10:00:60 is out of range)"
                ),
                ("1709210096", "! field 'a': expected TIMESTAMP WITH TIME ZONE, got 1709210096"),
            ])
    }

    @Test func intervals() {
        let good = [
            "1 day", "2 hours 3 minutes", "01:02:03", "1 year 2 months", "1 day ago", "-1 day", "1.5 days", "1d",
            "1DAY",
            "5 m", "3 mons", "1 week", "1 decade", "1 century", "1 millennium", "1 quarter", "10 ms", "10 us", "1",
            "1 day 01:02:03", "1 yr", "2 hrs", "3 secs", "@ 1 day", "1 d 2 h", "1:02:03.5", "-01:02:03",
            "1 day -2 hours",
            "5. day", "1  day", "2147483647 months",
        ]
        check("INTERVAL", good.map { ("\"\($0)\"", "\"\($0)\"") })
        check("INTERVAL", [("\"  1 day  \"", "\"1 day\"")])
        let bad = [
            "P1D", "abc", "1 day, 2 hours", "+1 day", "1 dayz", "1 2", "1 day 2", "ago", "1 ago", "1 day ago ago",
            ".5 day", "1:2", "1:60:00", "01:02:03 1 day", "1e2 days", "", "--1 day", "- 1 day",
            "1000000000 years", "2147483648 months", "99999999999 days", "1 day 01:02 ago", "01:02:03 ago",
        ]
        for text in bad {
            #expect(
                SchemaValidatorFixture.value("INTERVAL", "\"\(text)\"").hasPrefix(
                    "! field 'a': expected INTERVAL, got"), "\(text)")
        }
        #expect(
            SchemaValidatorFixture.value("INTERVAL", "\"2 fortnights\"")
                == "! field 'a': expected INTERVAL, got \"2 fortnights\" (unknown interval unit 'fortnights')")
        #expect(SchemaValidatorFixture.value("INTERVAL", "3600") == "! field 'a': expected INTERVAL, got 3600")
    }

    @Test func uuids() {
        let canonical = "\"123e4567-e89b-12d3-a456-426614174000\""
        check(
            "UUID",
            [
                ("\"123e4567-e89b-12d3-a456-426614174000\"", canonical),
                ("\"{123e4567-e89b-12d3-a456-426614174000}\"", canonical),
                ("\"123E4567-E89B-12D3-A456-426614174000\"", canonical),
                ("\"123e4567e89b12d3a456426614174000\"", canonical),
                ("\"{123e4567e89b12d3a456426614174000}\"", canonical),
                (
                    "\" 123e4567-e89b-12d3-a456-426614174000\"",
                    "! field 'a': expected UUID, got \" 123e4567-e89b-12d3-a456-426614174000\" (expected 8-4-4-4-12 hex digits)"
                ),
                (
                    "\"{123e4567-e89b-12d3-a456-426614174000\"",
                    "! field 'a': expected UUID, got \"{123e4567-e89b-12d3-a456-426614174000\" (expected 8-4-4-4-12 hex digits)"
                ),
                (
                    "\"123e4567-e89b-12d3-a456-42661417400g\"",
                    "! field 'a': expected UUID, got \"123e4567-e89b-12d3-a456-42661417400g\" (expected 8-4-4-4-12 hex digits)"
                ),
                (
                    "\"123e4567-e89b12d3-a456-4426614174000\"",
                    "! field 'a': expected UUID, got \"123e4567-e89b12d3-a456-4426614174000\" (expected 8-4-4-4-12 hex digits)"
                ),
                (
                    "\"123e4567e89b12d3a45642661417400\"",
                    "! field 'a': expected UUID, got \"123e4567e89b12d3a45642661417400\" (expected 8-4-4-4-12 hex digits)"
                ),
                ("42", "! field 'a': expected UUID, got 42"),
            ])
    }

    @Test func lists() {
        check(
            "INTEGER[]",
            [
                ("[1, null, \"3\"]", "[1,null,3]"), ("[]", "[]"),
                ("[1, 2.5]", "! field 'a[1]': expected INTEGER, got 2.5 (has a fraction; INTEGER takes whole numbers)"),
                ("\"[1,2]\"", "! field 'a': expected INTEGER[], got \"[1,2]\""),
                ("1", "! field 'a': expected INTEGER[], got 1"),
            ])
        check(
            "VARCHAR[][]",
            [
                ("[[\"a\", 1], [], null, [null]]", "[[\"a\",\"1\"],[],null,[null]]"),
                ("[[\"a\"], [\"b\", [1]]]", "[[\"a\"],[\"b\",\"[1]\"]]"),
                ("[[\"a\"], \"b\"]", "! field 'a[1]': expected VARCHAR[], got \"b\""),
            ])
        check(
            "DATE[][]",
            [
                (
                    "[[\"2024-02-29\"], [\"2024-02-30\"]]",
                    "! field 'a[1][0]': expected DATE, got \"2024-02-30\" (2024-02 has no day 30)"
                )
            ])
        check("DECIMAL(3,1)[]", [("[1, \"2.25\"]", "[\"1.0\",\"2.3\"]")])
    }
}
