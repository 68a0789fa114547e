import Foundation
import Testing

@testable import Ondatra

@Suite struct DotEnvTests {
    @Test func parsesTheUsualForms() throws {
        let values = try DotEnv.parse(
            """
            # a comment
            PLAIN=value
            export EXPORTED = spaced value
            DOUBLE="line\\nbreak \\"quoted\\""
            SINGLE='literal \\n # not a comment'
            INLINE=abc # trailing comment
            EMPTY=

            WINDOWS=crlf\r
            """)
        #expect(values["PLAIN"] == "value")
        #expect(values["EXPORTED"] == "spaced value")
        #expect(values["DOUBLE"] == "line\nbreak \"quoted\"")
        #expect(values["SINGLE"] == "literal \\n # not a comment")
        #expect(values["INLINE"] == "abc")
        #expect(values["EMPTY"] == "")
        #expect(values["WINDOWS"] == "crlf")
    }

    /// A Windows `.env` once read as one line: the first value swallowed the rest of the file.
    @Test func windowsAndClassicMacLineEndingsEndLines() throws {
        for ending in ["\r\n", "\r"] {
            let text = ["# comment", "API_TOKEN=tok-123", "QUOTED=\"a b\"", "", "LAST=end", ""].joined(
                separator: ending)
            let values = try DotEnv.parse(text)
            #expect(values == ["API_TOKEN": "tok-123", "QUOTED": "a b", "LAST": "end"], "\(ending.debugDescription)")
            let error = #expect(throws: OndatraError.self) { try DotEnv.parse("A=1\(ending)oops\(ending)") }
            #expect(error?.line == 2)
        }
    }

    @Test func badLinesNameTheLine() {
        let missingEquals = #expect(throws: OndatraError.self) { try DotEnv.parse("A=1\nnot an assignment") }
        #expect(missingEquals?.description == ".env:2: expected KEY=value")
        let badName = #expect(throws: OndatraError.self) { try DotEnv.parse("1ABC=x") }
        #expect(badName?.line == 1)
        let unterminated = #expect(throws: OndatraError.self) { try DotEnv.parse("A=\"open") }
        #expect(unterminated?.message.contains("unterminated") == true)
    }
}

@Suite struct VariableExpanderTests {
    let expander = VariableExpander(variables: ["HOST": "db.local", "PASS": "s3cret"])

    @Test func expandsInCodeAndQuotes() throws {
        let text = try expander.expand("ATTACH 'postgres:host=${HOST} password=${PASS}' AS x -- ${HOST}", file: "f.sql")
        #expect(text == "ATTACH 'postgres:host=db.local password=s3cret' AS x -- ${HOST}")
    }

    @Test func leavesCommentsAlone() throws {
        let text = "-- ${UNSET} in a comment\n/* ${ALSO_UNSET} */ SELECT '${HOST}'"
        #expect(
            try expander.expand(text, file: "f.sql")
                == "-- ${UNSET} in a comment\n/* ${ALSO_UNSET} */ SELECT 'db.local'")
    }

    /// In a Windows file, a `--` comment line once hid everything after it, so no `${…}` was expanded.
    @Test func commentsEndAtWindowsAndClassicMacLineEnds() throws {
        for ending in ["\r\n", "\r"] {
            let text = "-- a comment\(ending)SELECT '${HOST}';\(ending)SELECT '${MISSING}'"
            let error = #expect(throws: OndatraError.self) { try expander.expand(text, file: "f.sql") }
            #expect(error?.line == 3, "\(ending.debugDescription)")
            #expect(
                try expander.expand("-- ${UNSET}\(ending)SELECT '${HOST}'", file: "f.sql")
                    == "-- ${UNSET}\nSELECT 'db.local'")
        }
    }

    /// A folder named `it's here` once ended the literal early and broke every command.
    @Test func valuesAreEscapedForTheQuotesTheyStandIn() throws {
        let expander = VariableExpander(variables: ["DIR": "/tmp/it's \"here\"", "N": "5"])
        let expansion = try expander.expansion(
            of: "ATTACH '${DIR}/x' AS \"${DIR}\";\nSELECT ${N}, $$${DIR}$$, $q$'${DIR}'$q$ -- ${DIR}", file: "f.sql")
        #expect(
            expansion.text
                == "ATTACH '/tmp/it''s \"here\"/x' AS \"/tmp/it's \"\"here\"\"\";\n"
                + "SELECT 5, $$/tmp/it's \"here\"$$, $q$'/tmp/it's \"here\"'$q$ -- ${DIR}")
        #expect(
            expansion.references.map(\.context) == [.string, .identifier, .code, .dollarQuoted, .dollarQuoted])
        #expect(expansion.references.map(\.line) == [1, 1, 2, 2, 2])
    }

    @Test func unsetAndMalformedReferencesNameFileAndLine() {
        let unset = #expect(throws: OndatraError.self) {
            try expander.expand("SELECT 1;\nSELECT '${MISSING}'", file: "config/sources.sql")
        }
        #expect(
            unset?.description == "config/sources.sql:2: ${MISSING} is not set: define it in .env or the environment")
        let unclosed = #expect(throws: OndatraError.self) { try expander.expand("SELECT '${HOST'", file: "f.sql") }
        #expect(unclosed?.message.contains("unclosed") == true)
        #expect(throws: OndatraError.self) { try expander.expand("SELECT '${1X}'", file: "f.sql") }
    }
}

@Suite struct SQLStatementSplitterTests {
    @Test func splitsOnSemicolonsOutsideQuotesAndComments() {
        let script = """
            -- header comment; with a semicolon
            CREATE TABLE a (x VARCHAR);
            INSERT INTO a VALUES ('semi;colon'), ('it''s; fine');

            /* block; comment */
            SELECT "weird;name" FROM a;
            CREATE MACRO m() AS $$ ; $$;
            SELECT $1
            """
        let statements = SQLStatementSplitter.split(script)
        #expect(statements.map(\.line) == [2, 3, 6, 7, 8])
        #expect(statements[1].text == "INSERT INTO a VALUES ('semi;colon'), ('it''s; fine')")
        #expect(
            statements[2].text.hasSuffix("SELECT \"weird;name\" FROM a")
                || statements[2].text == "SELECT \"weird;name\" FROM a")
        #expect(statements[3].text == "CREATE MACRO m() AS $$ ; $$")
        #expect(statements[4].text == "SELECT $1")
    }

    @Test func windowsAndClassicMacLineEndsCountAsLines() {
        for ending in ["\r\n", "\r"] {
            let script = ["-- comment; here", "SELECT 1;", "", "SELECT 'a", "b'; -- end", "SELECT 3"]
                .joined(separator: ending)
            let statements = SQLStatementSplitter.split(script)
            #expect(statements.map(\.line) == [2, 4, 6], "\(ending.debugDescription)")
            #expect(statements.map(\.text) == ["SELECT 1", "SELECT 'a\nb'", "SELECT 3"])
        }
    }

    @Test func commentOnlyScriptsHaveNoStatements() {
        #expect(SQLStatementSplitter.split("-- nothing\n/* here */\n;\n").isEmpty)
    }
}

@Suite struct SecretRedactorTests {
    @Test func hidesSecretsByValueLongestFirst() {
        let redactor = SecretRedactor(secrets: ["abcd1234", "abcd12345678", "no", ""])
        #expect(redactor.redact("token abcd12345678 and abcd1234") == "token *** and ***")
        #expect(redactor.redact("no change") == "no change")
    }

    /// DuckDB reads an unquoted JWT as a qualified name and echoes one part; `a-b` as a subtraction.
    @Test func hidesFragmentsOfSixCharactersOrMore() {
        let redactor = SecretRedactor(secrets: ["eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl", "tok-abcdef_12"])
        #expect(redactor.redact(#"Referenced table "eyJhbGciOi" not found!"#) == #"Referenced table "***" not found!"#)
        #expect(redactor.redact("eyJzdWIiOiIx and c2lnbmF0dXJl") == "*** and ***")
        // `_` is not a letter or digit: `abcdef` is a fragment; `tok` and `12` are too short to hide.
        #expect(redactor.redact(#"column "abcdef" tok 12"#) == #"column "***" tok 12"#)
        #expect(redactor.redact("tok-abcdef_12") == "***")
    }

    /// DuckDB cuts long values in its messages; the beginning of a secret before the cut is hidden.
    @Test func hidesTheBeginningOfASecretCutShort() {
        let key = "1c886089e1dc1a456a55aed3135fbfe772cb68ba19ee0af0123456789abcdef0"
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cmlhbC11c2VyIn0.c2lnbmF0dXJlLXRleHQ"
        let redactor = SecretRedactor(secrets: [key, jwt])
        #expect(
            redactor.redact("Malformed JSON Input: \"\(key.prefix(47))...\"") == "Malformed JSON Input: \"***...\"")
        #expect(redactor.redact("Input: \"***.\(jwt.dropFirst(21).prefix(26))...\"") == "Input: \"***.***...\"")
        // Ordinary text before an ellipsis stays.
        #expect(redactor.redact("loading rows...") == "loading rows...")
    }

    @Test func hidesPercentEncodedAndJSONEscapedForms() {
        let secret = "p@ss word/ünï\"x"
        let redactor = SecretRedactor(secrets: [secret])
        #expect(redactor.redact("GET /x?key=p%40ss%20word%2F%C3%BCn%C3%AF%22x failed") == "GET /x?key=*** failed")
        #expect(redactor.redact("key=p%40ss+word%2f%c3%bcn%c3%af%22x&a=1") == "key=***&a=1")
        #expect(redactor.redact(#"{"key":"p@ss word/ünï\"x"}"#) == #"{"key":"***"}"#)
        #expect(redactor.redact(#"{"key":"p@ss word\/\u00fcn\u00ef\"x"}"#) == #"{"key":"***"}"#)
    }

    /// A Basic auth header is base64 of `user:password`: the characters that encode only the
    /// password are hidden wherever it starts; only the edges, shared with its neighbours, remain.
    @Test func hidesBase64WhereverTheSecretStarts() {
        let password = "correct-horse-battery"
        let redactor = SecretRedactor(secrets: [password])
        for user in ["ann", "anne", "annie"] {
            let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
            let redacted = redactor.redact("Authorization: Basic " + encoded)
            #expect(redacted.contains(SecretRedactor.mask), "\(user): \(redacted)")
            // What stays: the characters of `user:` and the one shared with the password, then at
            // most one shared character and the padding.
            let kept = redacted.count - "Authorization: Basic ".count - SecretRedactor.mask.count
            #expect(kept <= (8 * (user.count + 1) + 5) / 6 + 3, "\(user): \(redacted)")
        }
        let alone = Data(password.utf8).base64EncodedString()
        #expect(redactor.redact(alone) == "***")
        let urlSafe = alone.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(redactor.redact(urlSafe.replacingOccurrences(of: "=", with: "")) == "***")
    }
}

@Suite struct JSONValueTests {
    @Test func roundTrips() throws {
        let text = #"{"a":[1,2.5,"x\n\u00e9",true,null],"b":{"c":-3}}"#
        let value = try JSONValue.parse(text)
        #expect(value["a"]?.arrayValue?.count == 5)
        #expect(value["b"]?["c"]?.intValue == -3)
        #expect(try JSONValue.parse(value.text) == value)
        #expect(value["a"]?.arrayValue?[2].stringValue == "x\né")
    }

    @Test func rejectsBadJSON() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2"] {
            #expect(throws: OndatraError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
    }
}
