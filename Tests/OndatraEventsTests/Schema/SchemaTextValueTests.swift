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
