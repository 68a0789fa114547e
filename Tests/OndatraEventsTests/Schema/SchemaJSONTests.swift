import OndatraEvents
import Testing

@Suite struct SchemaJSONTests {
    /// The parse error for `text` as a single event, or nil.
    private func objectError(_ bytes: [UInt8]) -> EventJSONError? {
        do {
            _ = try EventJSON.parseObject(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func objectError(_ text: String) -> EventJSONError? { objectError(Array(text.utf8)) }

    @Test func parsesAnObjectKeepingOrderAndNumberText() throws {
        let object = try EventJSON.parseObject(
            Array(#" { "b" : 1.50, "a": [true, false, null, -0, 1E+3], "c": {"d": "x"} } "#.utf8))
        #expect(object.members.map(\.key) == ["b", "a", "c"])
        #expect(object["b"] == .number(try #require(EventJSONNumber("1.50"))))
        guard case .array(let items)? = object["a"] else {
            Issue.record("a is not an array")
            return
        }
        #expect(items.count == 5)
        #expect(items[0] == .bool(true) && items[1] == .bool(false) && items[2] == .null)
        guard case .number(let zero) = items[3], case .number(let thousand) = items[4] else {
            Issue.record("not numbers")
            return
        }
        #expect(zero.text == "-0" && zero.kind == .integer)
        #expect(thousand.text == "1E+3" && thousand.kind == .exponent)
        #expect(EventJSONNumber("2.5")?.kind == .decimal)
        #expect(EventJSONNumber("1e") == nil && EventJSONNumber(" 1") == nil && EventJSONNumber("01") == nil)
        #expect(object["c"] == .object(EventJSONObject(["d": .string("x")])))
        #expect(object["zz"] == nil)
    }

    @Test func keepsHugeNumbersExactly() throws {
        let digits = String(repeating: "9", count: 400)
        let object = try EventJSON.parseObject(Array("{\"n\": -\(digits).\(digits)e-99999}".utf8))
        guard case .number(let number)? = object["n"] else {
            Issue.record("not a number")
            return
        }
        #expect(number.text == "-\(digits).\(digits)e-99999")
        #expect(number.kind == .exponent)
    }

    @Test func decodesEscapesAndUnicode() throws {
        let text = #"{"k\u00e9y": "a\"b\\c\/d\b\f\n\r\t\u0000\u20AC\ud83d\ude00 é 😀"}"#
        let object = try EventJSON.parseObject(Array(text.utf8))
        #expect(object.members[0].key == "kéy")
        #expect(object["kéy"] == .string("a\"b\\c/d\u{8}\u{C}\n\r\t\u{0}€😀 é 😀"))
    }

    @Test func toleratesABOMAndWhitespace() throws {
        let object = try EventJSON.parseObject([0xEF, 0xBB, 0xBF] + Array("\r\n\t {\"a\":1}\r\n".utf8))
        #expect(object.count == 1)
        #expect(try EventJSON.parseObject(Array("{}".utf8)).count == 0)
    }

    @Test func reportsTheOffendingByte() {
        let cases: [(String, Int, String)] = [
            ("", 0, "expected a JSON object, got end of input"),
            ("   ", 3, "expected a JSON object, got end of input"),
            ("[1]", 0, "expected a JSON object, got '['"),
            ("{", 1, "expected a string key, got end of input"),
            ("{\"a\" 1}", 5, "expected ':' after the key, got '1'"),
            ("{\"a\":}", 5, "expected a value, got '}'"),
            ("{\"a\":1,}", 7, "expected a string key, got '}'"),
            ("{\"a\":1 \"b\":2}", 7, "expected ',' or '}', got '\"'"),
            ("{\"a\":tru}", 8, "expected 'true', got '}'"),
            ("{\"a\":nul", 8, "expected 'null', got end of input"),
            ("{\"a\":01}", 6, "expected no leading zero in a number, got '1'"),
            ("{\"a\":-}", 6, "expected a digit, got '}'"),
            ("{\"a\":1.}", 7, "expected a digit after '.', got '}'"),
            ("{\"a\":1e+}", 8, "expected a digit in the exponent, got '}'"),
            ("{\"a\":+1}", 5, "expected a value, got '+'"),
            ("{\"a\":NaN}", 5, "expected a value, got 'N'"),
            ("{\"a\":1} x", 8, "expected nothing after the JSON value, got 'x'"),
            ("{\"a\":1}{}", 7, "expected nothing after the JSON value, got '{'"),
            ("{\"a\":\"x\ny\"}", 7, "got byte 0x0A"),
            ("{\"a\":\"\\x\"}", 7, "expected one of"),
            ("{\"a\":\"\\u12G4\"}", 10, "expected 4 hex digits after \\u, got 'G'"),
            (
                "{\"a\":\"\\ud83d\"}", 6,
                "lone surrogate \\ud83d in a string: a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF"
            ),
            (
                "{\"a\":\"\\uD83D\\u0041\"}", 6,
                "lone surrogate \\uD83D in a string: a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF, not \\u0041"
            ),
            (
                "{\"a\":\"\\ude00\"}", 6,
                "lone surrogate \\ude00 in a string: a low surrogate must follow a high surrogate \\uD800-\\uDBFF"
            ),
            ("{\"a\":\"abc", 9, "expected '\"' to end the string that starts at byte 5, got end of input"),
            ("{\"a\":1,\"a\":2}", 7, "duplicate key 'a'"),
            ("{'a':1}", 1, "expected a string key, got '''"),
        ]
        for (text, offset, fragment) in cases {
            let error = objectError(text)
            #expect(error?.offset == offset, "\(text): \(error?.description ?? "no error")")
            #expect(error?.reason.contains(fragment) == true, "\(text): \(error?.description ?? "no error")")
            #expect(error?.description.hasPrefix("invalid JSON at byte \(offset): ") == true)
        }
    }

    /// The trial's messages: a lone surrogate said `got '\'`, invalid UTF-8 pointed one byte late.
    @Test func namesALoneSurrogateAndAnInvalidByteWhereTheyAre() {
        let surrogate = objectError(#"{"a":"x\ud83dy"}"#)
        #expect(
            surrogate?.description
                == #"invalid JSON at byte 7: lone surrogate \ud83d in a string: a high surrogate must be followed by a low surrogate \uDC00-\uDFFF"#
        )
        let latin1 = objectError(Array(#"{"a":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8))
        #expect(
            latin1?.description
                == #"invalid JSON at byte 9: invalid UTF-8 byte 0xE9 in a string (it starts a 3-byte character, which '"' cannot continue)"#
        )
    }

    @Test func rejectsInvalidUTF8WithItsOffset() {
        let prefix = Array("{\"a\":\"ok".utf8)  // the string's bytes start at offset 6
        let cases: [([UInt8], String)] = [
            ([0xFF], "invalid UTF-8 byte 0xFF in a string"),  // never valid
            ([0xC0, 0x80], "invalid UTF-8 byte 0xC0 in a string"),  // overlong NUL
            ([0xC3], "invalid UTF-8 byte 0xC3 in a string (it starts a 2-byte character, which '\"' cannot continue)"),
            ([0xE2, 0x28, 0xA1], "0xE2 in a string (it starts a 3-byte character, which '(' cannot continue)"),
            ([0xED, 0xA0, 0x80], "0xED in a string (it starts a 3-byte character, which byte 0xA0 cannot continue)"),
            ([0xF4, 0x90, 0x80, 0x80], "0xF4 in a string (it starts a 4-byte character, which byte 0x90 cannot"),
            ([0xE0, 0x80, 0x80], "0xE0 in a string (it starts a 3-byte character, which byte 0x80 cannot continue)"),
            ([0xE2, 0x82], "0xE2 in a string (it starts a 3-byte character, which '\"' cannot continue)"),
            ([0x80], "invalid UTF-8 byte 0x80 in a string (a continuation byte with no lead byte before it)"),
        ]
        for (bad, reason) in cases {
            // The offending byte is always the one that starts the character: offset 8.
            let error = objectError(prefix + bad + Array("\"}".utf8))
            #expect(error?.offset == 8, "\(bad): \(error?.description ?? "none")")
            #expect(error?.reason.contains(reason) == true, "\(bad): \(error?.description ?? "none")")
        }
        let cut = objectError(prefix + [0xF0, 0x9F])
        #expect(
            cut?.description
                == "invalid JSON at byte 8: invalid UTF-8 byte 0xF0 in a string (it starts a 4-byte character, "
                + "which the end of input cannot continue)")
        // Keys are checked the same way.
        #expect(objectError(Array("{\"".utf8) + [0xFE] + Array("\":1}".utf8))?.offset == 2)
    }

    @Test func limitsNestingTo64() throws {
        let ok = "{\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        #expect(objectError(ok) == nil)
        let deep = "{\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        let error = objectError(deep)
        #expect(error?.offset == 5 + 63)
        #expect(error?.reason.contains("nesting deeper than 64") == true)
        // A batch's array is one level: its objects can hold 62 more.
        let batch = "[{\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}]"
        #expect(throws: EventJSONError.self) { try EventJSON.parseBatch(Array(batch.utf8)) }
        let huge = String(repeating: "[", count: 100_000)
        #expect(throws: EventJSONError.self) { try EventJSON.parseValue(Array(huge.utf8)) }
    }

    @Test func findsDuplicatesInLargeObjects() {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(objectError("{\(members)}") == nil)
        let error = objectError("{\(members),\"k17\":1}")
        #expect(error?.reason == "duplicate key 'k17'")
        #expect(error?.offset == members.utf8.count + 2)
    }

    @Test func parsesBatches() throws {
        let batch = try EventJSON.parseBatch(Array(" [ {\"a\":1} , {} ]\n".utf8))
        #expect(batch.count == 2)
        #expect(try EventJSON.parseBatch(Array("[]".utf8)).isEmpty)
        let cases: [(String, Int, String)] = [
            ("{\"a\":1}", 0, "expected a JSON array of objects"),
            ("[1]", 1, "expected an object (each batch element is one event), got '1'"),
            ("[{},]", 4, "expected an object"),
            ("[{} {}]", 4, "expected ',' or ']'"),
            ("[{}", 3, "expected ',' or ']', got end of input"),
            ("[{}] []", 5, "expected nothing after"),
        ]
        for (text, offset, fragment) in cases {
            do {
                _ = try EventJSON.parseBatch(Array(text.utf8))
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.offset == offset, "\(text): \(error)")
                #expect(error.reason.contains(fragment), "\(text): \(error)")
            }
        }
    }

    @Test func readsRawBuffers() throws {
        let bytes = Array("{\"a\":[1,2]}".utf8)
        let object = try bytes.withUnsafeBytes { raw throws(EventJSONError) in try EventJSON.parseObject(raw) }
        #expect(object.count == 1)
        let batch = try Array("[{\"a\":1}]".utf8).withUnsafeBytes { raw throws(EventJSONError) in
            try EventJSON.parseBatch(raw)
        }
        #expect(batch.count == 1)
    }
}
