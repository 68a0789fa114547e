import OndatraEvents
import Testing

@Suite struct SchemaNumberValueTests {
    private func check(_ type: String, _ cases: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (input, expected) in cases {
            let got = SchemaValidatorFixture.value(type, input)
            #expect(got == expected, "\(type) \(input)", sourceLocation: sourceLocation)
        }
    }

    /// For integer kinds a declaration refuses (HUGEINT, UHUGEINT), still checked in a hand-built column.
    private func check(
        _ kind: EventIntegerKind, _ cases: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (input, expected) in cases {
            let got = SchemaValidatorFixture.value(of: .integer(kind), input)
            #expect(got == expected, "\(kind) \(input)", sourceLocation: sourceLocation)
        }
    }

    @Test func integers() {
        check(
            "BIGINT",
            [
                ("42", "42"), ("-0", "0"), ("\"42\"", "42"), ("\" \\t42\\n \"", "42"), ("\"+5\"", "5"), ("\"-0\"", "0"),
                ("1.0", "1"), ("1e2", "100"), ("12.30e1", "123"), ("\"1.0\"", "1"), ("\"5.\"", "5"),
                ("0e999999999", "0"),
                ("9223372036854775807", "9223372036854775807"), ("-9223372036854775808", "-9223372036854775808"),
                ("\"007\"", "7"),
                (
                    "9223372036854775808",
                    "! field 'a': expected BIGINT, got 9223372036854775808 (out of range -9223372036854775808..9223372036854775807)"
                ),
                (
                    "-9223372036854775809",
                    "! field 'a': expected BIGINT, got -9223372036854775809 (out of range -9223372036854775808..9223372036854775807)"
                ),
                (
                    "1e19",
                    "! field 'a': expected BIGINT, got 1e19 (out of range -9223372036854775808..9223372036854775807)"
                ),
                (
                    "1e999999999999",
                    "! field 'a': expected BIGINT, got 1e999999999999 (out of range -9223372036854775808..9223372036854775807)"
                ),
                ("1.5", "! field 'a': expected BIGINT, got 1.5 (has a fraction; BIGINT takes whole numbers)"),
                ("\"1.5\"", "! field 'a': expected BIGINT, got \"1.5\" (has a fraction; BIGINT takes whole numbers)"),
                ("1e-1", "! field 'a': expected BIGINT, got 1e-1 (has a fraction; BIGINT takes whole numbers)"),
                ("\"abc\"", "! field 'a': expected BIGINT, got \"abc\""),
                ("\"\"", "! field 'a': expected BIGINT, got \"\""),
                ("\"0x10\"", "! field 'a': expected BIGINT, got \"0x10\""),
                ("\"1_000\"", "! field 'a': expected BIGINT, got \"1_000\""),
                ("\"１２\"", "! field 'a': expected BIGINT, got \"１２\""),
                ("true", "! field 'a': expected BIGINT, got true"),
                ("[1]", "! field 'a': expected BIGINT, got [1]"),
                ("{\"x\":1}", "! field 'a': expected BIGINT, got {\"x\":1}"),
            ])
        check(
            "TINYINT",
            [
                ("127", "127"), ("-128", "-128"),
                ("128", "! field 'a': expected TINYINT, got 128 (out of range -128..127)"),
            ])
        check(
            "UTINYINT",
            [
                ("255", "255"), ("-0", "0"), ("\"-0\"", "0"),
                ("-1", "! field 'a': expected UTINYINT, got -1 (out of range 0..255)"),
            ])
        check(
            "SMALLINT",
            [("-32768", "-32768"), ("32768", "! field 'a': expected SMALLINT, got 32768 (out of range -32768..32767)")])
        check(
            "INTEGER",
            [
                ("2147483647", "2147483647"),
                (
                    "\"-2147483649\"",
                    "! field 'a': expected INTEGER, got \"-2147483649\" (out of range -2147483648..2147483647)"
                ),
            ])
        check(
            "UINTEGER",
            [
                ("4294967295", "4294967295"),
                ("4294967296", "! field 'a': expected UINTEGER, got 4294967296 (out of range 0..4294967295)"),
            ])
        check(
            "UBIGINT",
            [
                ("18446744073709551615", "18446744073709551615"),
                (
                    "1.8446744073709551616e19",
                    "! field 'a': expected UBIGINT, got 1.8446744073709551616e19 (out of range 0..18446744073709551615)"
                ),
            ])
        check(
            .hugeint,
            [
                ("170141183460469231731687303715884105727", "170141183460469231731687303715884105727"),
                ("-170141183460469231731687303715884105728", "-170141183460469231731687303715884105728"),
                (
                    "170141183460469231731687303715884105728",
                    "! field 'a': expected HUGEINT, got 170141183460469231731687303715884105728 (out of range -170141183460469231731687303715884105728..170141183460469231731687303715884105727)"
                ),
            ])
        check(
            .uhugeint,
            [
                ("340282366920938463463374607431768211455", "340282366920938463463374607431768211455"),
                ("3.40282366920938463463374607431768211455e38", "340282366920938463463374607431768211455"),
                (
                    "340282366920938463463374607431768211456",
                    "! field 'a': expected UHUGEINT, got 340282366920938463463374607431768211456 (out of range 0..340282366920938463463374607431768211455)"
                ),
            ])
    }

    @Test func floats() {
        // 309 digits: the largest DOUBLE's, and one past it.
        let maxDigits = "17976931348623157" + String(repeating: "0", count: 292)
        let tooManyDigits = "1" + String(repeating: "0", count: 309)
        let shownTooMany = "1" + String(repeating: "0", count: 59) + "…"
        check(
            "DOUBLE",
            [
                ("1.5", "1.5"), ("-0.0", "-0.0"), ("1.7976931348623157e308", "1.7976931348623157e308"),
                ("123456789012345678901234567890", "123456789012345678901234567890"), ("1e-400", "1e-400"),
                (maxDigits, maxDigits),
                // Beyond DOUBLE's range read_json would make infinity: refused, as for FLOAT.
                ("1E400", "! field 'a': expected DOUBLE, got 1E400 (out of range for DOUBLE)"),
                ("1e309", "! field 'a': expected DOUBLE, got 1e309 (out of range for DOUBLE)"),
                ("-1e309", "! field 'a': expected DOUBLE, got -1e309 (out of range for DOUBLE)"),
                ("1.8e308", "! field 'a': expected DOUBLE, got 1.8e308 (out of range for DOUBLE)"),
                (tooManyDigits, "! field 'a': expected DOUBLE, got \(shownTooMany) (out of range for DOUBLE)"),
                // Infinity only as a string.
                ("\"1e400\"", "\"1e400\""),
                ("\"1.5\"", "\"1.5\""), ("\" +1.5e3 \"", "\"1.5e3\""), ("\".5\"", "\"0.5\""), ("\"-.5\"", "\"-0.5\""),
                ("\"5.\"", "\"5\""),
                ("\"5.e2\"", "\"5e2\""), ("\"nan\"", "\"NaN\""), ("\"-NaN\"", "\"NaN\""), ("\"inf\"", "\"Infinity\""),
                ("\"-Infinity\"", "\"-Infinity\""), ("\"+INF\"", "\"Infinity\""), ("\" infinity \"", "\"Infinity\""),
                ("\"abc\"", "! field 'a': expected DOUBLE, got \"abc\""),
                ("\"infinit\"", "! field 'a': expected DOUBLE, got \"infinit\""),
                ("\"1_0\"", "! field 'a': expected DOUBLE, got \"1_0\""),
                ("\"0x10\"", "! field 'a': expected DOUBLE, got \"0x10\""),
                ("true", "! field 'a': expected DOUBLE, got true"),
                ("[1.5]", "! field 'a': expected DOUBLE, got [1.5]"),
                ("\".\"", "! field 'a': expected DOUBLE, got \".\""),
                ("\"-\"", "! field 'a': expected DOUBLE, got \"-\""),
            ])
        check(
            "REAL",
            [
                ("3.4028235e38", "3.4028235e38"), ("16777217", "16777217"), ("\"1e39\"", "\"1e39\""),
                ("1e-50", "1e-50"),
                ("1e39", "! field 'a': expected FLOAT, got 1e39 (out of range for FLOAT)"),
                ("1e400", "! field 'a': expected FLOAT, got 1e400 (out of range for FLOAT)"),
                (String(repeating: "9", count: 38), String(repeating: "9", count: 38)),
                (
                    "-" + String(repeating: "9", count: 39),
                    "! field 'a': expected FLOAT, got -\(String(repeating: "9", count: 39)) (out of range for FLOAT)"
                ),
                ("-3.5e38", "! field 'a': expected FLOAT, got -3.5e38 (out of range for FLOAT)"),
            ])
    }

    @Test func decimals() {
        check(
            "DECIMAL(4,2)",
            [
                ("1", "\"1.00\""), ("99.99", "\"99.99\""), ("99.994", "\"99.99\""), ("0.005", "\"0.01\""),
                ("-0.005", "\"-0.01\""),
                ("0.0049999", "\"0.00\""), ("-0.001", "\"0.00\""), ("\" 4.5 \"", "\"4.50\""), ("\".5\"", "\"0.50\""),
                ("\"5.\"", "\"5.00\""),
                ("1.5e1", "\"15.00\""), ("15e-1", "\"1.50\""), ("1e-400", "\"0.00\""), ("0", "\"0.00\""),
                ("-0", "\"0.00\""),
                (
                    "99.995",
                    "! field 'a': expected DECIMAL(4,2), got 99.995 (more than 2 digits before the decimal point)"
                ),
                (
                    "-99.995",
                    "! field 'a': expected DECIMAL(4,2), got -99.995 (more than 2 digits before the decimal point)"
                ),
                ("100", "! field 'a': expected DECIMAL(4,2), got 100 (more than 2 digits before the decimal point)"),
                (
                    "1e400",
                    "! field 'a': expected DECIMAL(4,2), got 1e400 (more than 2 digits before the decimal point)"
                ),
                ("\"nan\"", "! field 'a': expected DECIMAL(4,2), got \"nan\""),
                ("\"1,5\"", "! field 'a': expected DECIMAL(4,2), got \"1,5\""),
                ("false", "! field 'a': expected DECIMAL(4,2), got false"),
            ])
        check("DECIMAL", [("1.2345", "\"1.235\""), ("-1.2345", "\"-1.235\""), ("1.5e2", "\"150.000\"")])
        check(
            "DECIMAL(38,10)",
            [("1234567890123456789012345678.1234567891", "\"1234567890123456789012345678.1234567891\"")])
        check(
            "DECIMAL(1,1)",
            [
                ("0.95", "! field 'a': expected DECIMAL(1,1), got 0.95 (more than 0 digits before the decimal point)"),
                ("0.94", "\"0.9\""),
            ])
        check(
            "DECIMAL(3,0)",
            [
                ("999.4", "\"999\""),
                (
                    "999.5",
                    "! field 'a': expected DECIMAL(3,0), got 999.5 (more than 3 digits before the decimal point)"
                ),
            ])
        check(
            "DECIMAL(2,1)",
            [
                ("9.9", "\"9.9\""),
                ("10", "! field 'a': expected DECIMAL(2,1), got 10 (more than 1 digit before the decimal point)"),
            ])
    }

    @Test func booleans() {
        check(
            "BOOLEAN",
            [
                ("true", "true"), ("false", "false"), ("1", "true"), ("0", "false"), ("-0", "false"),
                ("\"TRUE\"", "true"), ("\"t\"", "true"), ("\"Yes\"", "true"), ("\"y\"", "true"), ("\"1\"", "true"),
                ("\"False\"", "false"), ("\"F\"", "false"), ("\"no\"", "false"), ("\"N\"", "false"), ("\"0\"", "false"),
                ("\" true\"", "! field 'a': expected BOOLEAN, got \" true\""),
                ("\"on\"", "! field 'a': expected BOOLEAN, got \"on\""),
                ("2", "! field 'a': expected BOOLEAN, got 2 (only 0 and 1 are booleans)"),
                ("1.0", "! field 'a': expected BOOLEAN, got 1.0 (only 0 and 1 are booleans)"),
                ("[true]", "! field 'a': expected BOOLEAN, got [true]"),
            ])
    }
}
