import OndatraEvents
import Testing

/// Dates, times, timestamps and intervals: what is accepted, the canonical text it is written as
/// (which `read_json` reads for the column type; SchemaDuckDBRoundTripTests checks that against
/// DuckDB and DuckLake), and the ranges DuckDB and DuckLake's Parquet hold.
@Suite struct SchemaTemporalValueTests {
    private func check(_ type: String, _ cases: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (input, expected) in cases {
            let got = SchemaValidatorFixture.value(type, input)
            #expect(got == expected, "\(type) \(input)", sourceLocation: sourceLocation)
        }
    }

    /// The rejection message for `input` (a JSON string's text) in a column of `type`.
    private func refusal(_ type: String, _ input: String, _ reason: String) -> (String, String) {
        ("\"\(input)\"", "! field 'a': expected \(type), got \"\(input)\" (\(reason))")
    }

    @Test func dates() {
        check(
            "DATE",
            [
                ("\"2024-02-29\"", "\"2024-02-29\""), ("\"2000-02-29\"", "\"2000-02-29\""),
                ("\" 2024-01-05 \"", "\"2024-01-05\""),
                ("\"2024-01-05T23:00:00-05:00\"", "\"2024-01-05\""), ("\"2024-01-05 10:00:00.123Z\"", "\"2024-01-05\""),
                ("\"0000-01-01\"", "\"0000-01-01\""), ("\"9999-12-31\"", "\"9999-12-31\""),
                ("\"2024-02-29T10:00Z\"", "\"2024-02-29\""), ("\"2024-02-29T24:00:00+02\"", "\"2024-02-29\""),
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

    @Test func timesAreWrittenHHMMSS() {
        check(
            "TIME",
            [
                ("\"10:00\"", "\"10:00:00\""), ("\"23:59:59.999999\"", "\"23:59:59.999999\""),
                ("\"24:00:00\"", "\"24:00:00\""), ("\"10:00:00.123456789\"", "\"10:00:00.123456789\""),
                ("\"10:00:00.1234567891234\"", "\"10:00:00.123456789\""), ("\" 10:00:00 \"", "\"10:00:00\""),
                // TIME ignores an offset, as DuckDB does; `10:00Z` is one DuckDB's own cast refuses.
                ("\"10:00:00+02\"", "\"10:00:00\""), ("\"10:00:00Z\"", "\"10:00:00\""), ("\"10:00Z\"", "\"10:00:00\""),
                ("\"10:00-05:30\"", "\"10:00:00\""),
                refusal("TIME", "24:00:01", "time 24:00:01 is out of range"),
                refusal("TIME", "10:60:00", "time 10:60:00 is out of range"),
                refusal("TIME", "23:59:60", "time 23:59:60 is out of range"),
                refusal("TIME", "1:2:3", "expected a time HH:MM[:SS[.ffffff]]"),
                refusal("TIME", "10:00:00.", "expected a time HH:MM[:SS[.ffffff]]"),
                refusal("TIME", "10", "expected a time HH:MM[:SS[.ffffff]]"),
            ])
    }

    @Test func timesWithTimeZoneAlwaysHaveAnOffsetUpTo1559() {
        let type = "TIME WITH TIME ZONE"
        check(
            "TIMETZ",
            [
                ("\"10:00:00+02:30\"", "\"10:00:00+02:30\""), ("\"10:00:00-0130\"", "\"10:00:00-01:30\""),
                ("\"10:00:00+02\"", "\"10:00:00+02:00\""), ("\"10:00+02\"", "\"10:00:00+02:00\""),
                // read_json reads no offset as UTC; Z is UTC too (DuckDB's cast refuses it).
                ("\"10:00:00\"", "\"10:00:00+00:00\""), ("\"10:00:00Z\"", "\"10:00:00+00:00\""),
                ("\"10:00Z\"", "\"10:00:00+00:00\""),
                ("\"10:00:00+15:59\"", "\"10:00:00+15:59\""), ("\"10:00:00-15:59\"", "\"10:00:00-15:59\""),
                ("\"24:00:00+05:00\"", "\"24:00:00+05:00\""),
                refusal(type, "10:00:00+16:00", "TIME WITH TIME ZONE takes offsets up to ±15:59"),
                refusal(type, "10:00:00-23:59", "TIME WITH TIME ZONE takes offsets up to ±15:59"),
                refusal(type, "10:00:00+24:00", "offset out of range"),
            ])
    }

    @Test func timestampsAreWrittenCanonically() {
        // Input, then how TIMESTAMP, _S, _MS and _NS get it, then TIMESTAMPTZ.
        let cases = [
            ("2024-02-29T10:00:00", "2024-02-29 10:00:00", "2024-02-29 10:00:00+00:00"),
            ("2024-02-29 10:00:00", "2024-02-29 10:00:00", "2024-02-29 10:00:00+00:00"),
            ("2024-02-29T10:00", "2024-02-29 10:00:00", "2024-02-29 10:00:00+00:00"),
            ("2024-02-29", "2024-02-29 00:00:00", "2024-02-29 00:00:00+00:00"),
            ("2024-02-29T10:00:00Z", "2024-02-29 10:00:00+00:00", "2024-02-29 10:00:00+00:00"),
            // The trial's event: minutes then an offset, which DuckDB cannot read as sent.
            ("2024-02-29T10:00Z", "2024-02-29 10:00:00+00:00", "2024-02-29 10:00:00+00:00"),
            ("2024-02-29T10:00+02", "2024-02-29 10:00:00+02:00", "2024-02-29 10:00:00+02:00"),
            ("2024-02-29T10:00:00.1234567Z", "2024-02-29 10:00:00.1234567+00:00", "2024-02-29 10:00:00.1234567+00:00"),
            (
                "2024-02-29T10:00:00.123456789123", "2024-02-29 10:00:00.123456789",
                "2024-02-29 10:00:00.123456789+00:00"
            ),
            ("2024-02-29T10:00:00+0230", "2024-02-29 10:00:00+02:30", "2024-02-29 10:00:00+02:30"),
            ("2024-02-29T10:00:00-02:30", "2024-02-29 10:00:00-02:30", "2024-02-29 10:00:00-02:30"),
            ("2024-02-29T24:00:00", "2024-02-29 24:00:00", "2024-02-29 24:00:00+00:00"),
            ("2024-02-29T10:00:00-00", "2024-02-29 10:00:00+00:00", "2024-02-29 10:00:00+00:00"),
            ("2024-02-29T10:00:00+23:59", "2024-02-29 10:00:00+23:59", "2024-02-29 10:00:00+23:59"),
        ]
        // Outside TIMESTAMP_NS's range (nanosecondTimestampsStayInTheirRange).
        let extremes = [
            ("0000-01-01T00:00:00+05:00", "0000-01-01 00:00:00+05:00", "0000-01-01 00:00:00+05:00"),
            ("9999-12-31T24:00:00", "9999-12-31 24:00:00", "9999-12-31 24:00:00+00:00"),
        ]
        for type in ["TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"] {
            let all = type == "TIMESTAMP_NS" ? cases : cases + extremes
            check(type, all.map { ("\"\($0.0)\"", "\"\($0.1)\"") })
        }
        check("TIMESTAMPTZ", (cases + extremes).map { ("\"\($0.0)\"", "\"\($0.2)\"") })
    }

    @Test func nanosecondTimestampsStayInTheirRange() {
        let range = "out of range for TIMESTAMP_NS: 1677-09-22 00:00:00 to 2262-04-11 23:47:16.854775806 UTC"
        check(
            "TIMESTAMP_NS",
            [
                ("\"1677-09-22T00:00:00Z\"", "\"1677-09-22 00:00:00+00:00\""),
                ("\"2262-04-11T23:47:16.854775806Z\"", "\"2262-04-11 23:47:16.854775806+00:00\""),
                // Digits past the ninth are dropped, as DuckDB drops them.
                ("\"2262-04-11T23:47:16.8547758069\"", "\"2262-04-11 23:47:16.854775806\""),
                ("\"2262-04-12T00:47:16.854775806+01:00\"", "\"2262-04-12 00:47:16.854775806+01:00\""),
                ("\"1677-09-21T23:00:00-01:00\"", "\"1677-09-21 23:00:00-01:00\""),
                refusal("TIMESTAMP_NS", "1600-01-01T00:00:00Z", range),
                // DuckDB reads 1677-09-21 but cannot convert it, so DuckLake cannot write it.
                refusal("TIMESTAMP_NS", "1677-09-21T12:00:00Z", range),
                refusal("TIMESTAMP_NS", "1677-09-22T00:30:00+01:00", range),
                refusal("TIMESTAMP_NS", "2262-04-11T23:47:16.854775807Z", range),
                refusal("TIMESTAMP_NS", "2262-04-11T24:00:00", range),
                refusal("TIMESTAMP_NS", "2262-04-11T23:00:00-01:00", range),
                refusal("TIMESTAMP_NS", "9999-12-31", range),
            ])
        // Every other timestamp holds all of 0000-9999 (ISO 8601's four-digit years), offsets included.
        for type in ["TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMPTZ"] {
            for input in ["0000-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "1600-01-01"] {
                #expect(!SchemaValidatorFixture.value(type, "\"\(input)\"").hasPrefix("!"), "\(type) \(input)")
            }
        }
    }

    @Test func timestampErrorsSayWhatIsWrong() {
        check(
            "TIMESTAMPTZ",
            [
                ("\"\\t2024-02-29T10:00:00Z\\n\"", "\"2024-02-29 10:00:00+00:00\""),
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
            "1 day", "2 hours 3 minutes", "01:02:03", "1 year 2 months", "1.5 days", "1d", "1DAY", "5 m", "3 mons",
            "1 week", "1 decade", "1 century", "1 millennium", "1 quarter", "10 ms", "10 us", "1", "1 day 01:02:03",
            "1 yr", "2 hrs", "3 secs", "@ 1 day", "1 d 2 h", "1:02:03.5", "5. day", "1  day", "2147483647 months",
            // Zero, or negated twice: not negative.
            "0 days ago", "-0 days", "-00:00:00", "-1 day ago", "-1 day -2 hours ago",
            // The time part Parquet holds: 2^32 - 1 milliseconds.
            "1193:02:47.295", "1193:02:47.2959", "1193 hours", "4294967 seconds", "100000 days",
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

    @Test func intervalsAreNeverNegative() {
        let reason =
            "negative intervals cannot be stored: DuckLake keeps INTERVAL in Parquet, which does not support "
            + "negative intervals or negative parts"
        check(
            "INTERVAL",
            ["-1 day", "1 day ago", "-01:02:03", "1 day -2 hours", "2 days -1 day", "1 month -0.5 month", "-1 us"].map {
                refusal("INTERVAL", $0, reason)
            })
        check(
            "INTERVAL[]", [("[\"1 day\", \"-1 day\"]", "! field 'a[1]': expected INTERVAL, got \"-1 day\" (\(reason))")]
        )
    }

    @Test func intervalTimePartsFitParquetsMilliseconds() {
        let reason =
            "its time part is over 1193:02:47.295, the most DuckLake's Parquet stores (32-bit milliseconds); "
            + "write longer spans in days, like '50 days'"
        check(
            "INTERVAL",
            ["1193:02:47.296", "1194 hours", "4294968 seconds", "1193 hours 2.5 days", "-1194 hours ago"].map {
                refusal("INTERVAL", $0, reason)
            })
    }
}
