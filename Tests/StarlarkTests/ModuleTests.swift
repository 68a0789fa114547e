import BigInt
import Foundation
import Testing

@testable import Starlark

/// Calls a module member with positional and named arguments.
private func call(
    _ module: StarlarkModuleValue, _ name: String, _ positional: [Value] = [],
    _ named: [(name: String, value: Value)] = []
) throws -> Value {
    guard case .builtin(let builtin) = module.members[name] else {
        throw StarlarkError("no builtin \(name)")
    }
    return try builtin.call(StarlarkThread(), Arguments(positional, named: named))
}

/// The message of the error `body` throws, or nil.
private func errorMessage(_ body: () throws -> Value) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as StarlarkError {
        return error.message
    } catch {
        return "\(error)"
    }
}

private func string(_ value: Value) -> String? {
    if case .string(let s) = value { return s }
    return nil
}

private func list(_ values: [Value]) -> Value { .list(StarlarkList(values)) }

private func dict(_ entries: [(String, Value)]) -> Value {
    let d = StarlarkDict()
    for (key, value) in entries { try! d.set(.string(key), value) }
    return .dict(d)
}

@Suite struct JSONModuleTests {
    let json = JSONModule.module

    func encode(_ value: Value) throws -> String? { string(try call(json, "encode", [value])) }

    @Test func encodesScalarsAndContainers() throws {
        #expect(try encode(.none) == "null")
        #expect(try encode(.bool(true)) == "true")
        #expect(try encode(.int(-123)) == "-123")
        #expect(try encode(.int(BigInt("3539537889086624823140625", radix: 10)!)) == "3539537889086624823140625")
        #expect(try encode(.float(3.539537889086625e+24)) == "3.539537889086625e+24")
        #expect(try encode(.float(12.345e67)) == "1.2345e+68")
        #expect(try encode(.float(1)) == "1.0")
        #expect(try encode(.string("hello")) == "\"hello\"")
        #expect(try encode(list([.int(1), .int(2), .int(3)])) == "[1,2,3]")
        #expect(try encode(.tuple([.int(1), .int(2)])) == "[1,2]")
        #expect(try encode(.range(StarlarkRange(start: 0, stop: 3, step: 1))) == "[0,1,2]")
        #expect(try encode(dict([("y", .string("two")), ("x", .int(1))])) == "{\"x\":1,\"y\":\"two\"}")
    }

    /// The encoder sorts a dict's keys once for a run of dicts with the same keys: rows with other
    /// keys, keys in another order and nested dicts must still come out sorted.
    @Test func sortsTheKeysOfEveryDictInAList() throws {
        let rows = list([
            dict([("b", .int(1)), ("a", .int(2))]),
            dict([("b", .int(3)), ("a", dict([("z", .int(0)), ("y", .int(9))]))]),
            dict([("a", .int(5)), ("b", .int(6))]),
            dict([("c", .string("x")), ("a", .none)]),
            dict([("b", .int(7)), ("a", .int(8))]),
        ])
        #expect(
            try encode(rows)
                == #"[{"a":2,"b":1},{"a":{"y":9,"z":0},"b":3},{"a":5,"b":6},{"a":null,"c":"x"},{"a":8,"b":7}]"#)
    }

    /// Floats from 1e-4 to 1e6 take a shorter path; it must write what the general one writes.
    @Test func floatsWriteTheSameTextOnEveryPath() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            0, -0.0, 1e-4, -1e-4, 0.00012345, 1, 2.5, 0.1, 3086.25, 99999.99, 999999.9999999999, 1e6,
        ]
        values += (0..<2000).map { _ in Double.random(in: -1e6...1e6, using: &generator) }
        values += (0..<2000).map { _ in Double.random(in: 1e-4...1, using: &generator) }
        values += (0..<200).map { _ in Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) / 4 }
        for value in values {
            var general = FloatFormat.shortest(value, exponentThreshold: 6)
            if !general.contains(".") && !general.contains("e") { general += ".0" }
            #expect(FloatFormat.g(value) == general, "\(value)")
        }
        #expect(FloatFormat.g(1e-5) == "1e-05")
        #expect(FloatFormat.g(1234567.0) == "1.234567e+06")
    }

    @Test func escapesStrings() throws {
        #expect(try encode(.string("a\"b\\c")) == "\"a\\\"b\\\\c\"")
        #expect(try encode(.string("<é>\n\u{1}")) == "\"\\u003cé\\u003e\\n\\u0001\"")
        #expect(try encode(.string("<ascii>")) == "\"<ascii>\"")
        #expect(try encode(.string("tab\there")) == "\"tab\\there\"")
        #expect(try encode(.string("del\u{7F}")) == "\"del\\u007f\"")
        #expect(try encode(.string("plain ascii, <&> ~")) == "\"plain ascii, <&> ~\"")
        #expect(try encode(.string("é&\u{2028}x\u{2029}\u{7F}")) == "\"é\\u0026\\u2028x\\u2029\u{7F}\"")
        #expect(try encode(.string("\u{1F600}\u{8}\u{C}\u{1F}")) == "\"\u{1F600}\\b\\f\\u001f\"")
    }

    @Test func reportsEncodingErrors() throws {
        #expect(
            errorMessage { try call(json, "encode", [.float(.nan)]) }
                == "json.encode: cannot encode non-finite float nan")
        let intKey = StarlarkDict()
        try intKey.set(.int(1), .string("two"))
        #expect(
            errorMessage { try call(json, "encode", [.dict(intKey)]) } == "json.encode: dict has int key, want string")
        let length = Value.builtin(Builtin("len") { _, _, _ in .none })
        #expect(
            errorMessage { try call(json, "encode", [list([.int(1), dict([("x", length)])])]) }
                == "json.encode: at list index 1: in dict key \"x\": cannot encode builtin_function_or_method as JSON")
        let recursive = StarlarkDict()
        try recursive.set(.string("r"), .dict(recursive))
        #expect(
            errorMessage { try call(json, "encode", [.dict(recursive)]) }
                == "json.encode: in dict key \"r\": cycle in JSON structure")
        let inner = StarlarkList()
        let outer = Value.tuple([.int(1), .int(2), .list(inner)])
        inner.elements.append(outer)
        #expect(
            errorMessage { try call(json, "encode", [outer]) }
                == "json.encode: at tuple index 2: at list index 0: cycle in JSON structure")
        #expect(
            errorMessage { try call(json, "encode_indent", [.string("foo"), .string("bar")]) }
                == "json.encode_indent: got 2 arguments, want 1")
    }

    @Test func decodesValues() throws {
        func decode(_ text: String) throws -> Value { try call(json, "decode", [.string(text)]) }
        #expect(try decode("null").isNone)
        #expect(try decode("-123").equals(.int(-123)))
        #expect(try decode("3539537889086624823140625").equals(.int(BigInt("3539537889086624823140625", radix: 10)!)))
        #expect(try decode("3.539537889086625e+24").equals(.float(3.539537889086625e+24)))
        #expect(try decode("0e+1").equals(.float(0)))
        #expect(try decode("[1,2,3]").equals(list([.int(1), .int(2), .int(3)])))
        let object = try decode("{\"two\": 2, \"one\": 1}")
        guard case .dict(let d) = object else {
            Issue.record("not a dict")
            return
        }
        #expect(d.keys.map(\.str) == ["two", "one"])
        #expect(try decode("\"\\ud83d\\ude39\\ud83d\\udc8d\"").equals(.string("😹💍")))
        #expect(try decode("\"\\u0123\"").equals(.string("ģ")))
        #expect(try decode("\"foo\\u0000bar\"").equals(.string("foo\u{0}bar")))
        #expect(try decode("\"\\ud800x\"").equals(.string("\u{FFFD}x")))
    }

    @Test func reportsDecodingErrors() throws {
        func failure(_ text: String) -> String? { errorMessage { try call(json, "decode", [.string(text)]) } }
        #expect(failure("truefalse") == "json.decode: at offset 4, unexpected character 'f' after value")
        #expect(failure("\"abc")?.hasSuffix("unclosed string literal") == true)
        #expect(failure("\"ab\\gc\"")?.contains("invalid character 'g' in string escape code") == true)
        #expect(failure("'abc'")?.hasSuffix("unexpected character '\\''") == true)
        for bad in ["1.2.3", "-", "-00", "00", "--1", "-+1", "1e1e1", "0123", "000.123", "-0123"] {
            #expect(failure(bad)?.hasSuffix("invalid number: \(bad)") == true, "\(bad)")
        }
        #expect(failure("-abc")?.hasSuffix("invalid number: -") == true)
        #expect(failure("+1")?.hasSuffix("unexpected character '+'") == true)
        #expect(failure("0x123")?.hasSuffix("unexpected character 'x' after value") == true)
        #expect(failure("[1, 2 ")?.hasSuffix("unexpected end of file") == true)
        #expect(failure("[1, 2, ]")?.hasSuffix("unexpected character ']'") == true)
        #expect(failure("[1, 2}")?.hasSuffix("got '}', want ',' or ']'") == true)
        #expect(failure("{\"one\" 1")?.hasSuffix("after object key, got '1', want ':' ") == true)
        #expect(failure("{\"one\": 1 \"two\": 2")?.hasSuffix("in object, got '\"', want ',' or '}'") == true)
        #expect(failure("{\"one\": 1]")?.hasSuffix("in object, got ']', want ',' or '}'") == true)
    }

    @Test func decodeDefaultAndKeywordRules() throws {
        let fallback = try call(json, "decode", [.string("{\"invalid\": 1")], [("default", .string("d"))])
        #expect(string(fallback) == "d")
        #expect(try call(json, "decode", [.string("{\"invalid\": 1"), .none]).isNone)
        let keyword = errorMessage {
            try call(json, "decode", [], [("x", .string("{")), ("default", .string("d"))])
        }
        #expect(keyword?.contains("unexpected keyword argument x") == true)
    }

    @Test func indents() throws {
        let text = Value.string("{\"x\":1,\"y\":[\"one\",\"two\"],\"z\":{},\"w\":[ ]}")
        let tabbed = try call(json, "indent", [text])
        #expect(
            string(tabbed)
                == "{\n\t\"x\": 1,\n\t\"y\": [\n\t\t\"one\",\n\t\t\"two\"\n\t],\n\t\"z\": {},\n\t\"w\": []\n}")
        let custom = try call(
            json, "indent", [.string("[1,{\"a\":2}]")], [("prefix", .string("¶")), ("indent", .string("–"))])
        #expect(string(custom) == "[\n¶–1,\n¶–{\n¶––\"a\": 2\n¶–}\n¶]")
        let encoded = try call(json, "encode_indent", [dict([("x", .int(1))])])
        #expect(string(encoded) == "{\n\t\"x\": 1\n}")
        #expect(
            errorMessage { try call(json, "indent", [.string("!@#$%^& this is not json")]) }
                == "json.indent: invalid character '!' looking for beginning of value")
        #expect(
            errorMessage { try call(json, "indent", [.string("[1,")]) } == "json.indent: unexpected end of JSON input")
    }

    @Test func roundTripsEveryCodePoint() throws {
        var text = ""
        for value in 0..<0x10000 {
            if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
        }
        let encoded = try call(json, "encode", [.string(text)])
        #expect(try call(json, "decode", [encoded]).equals(.string(text)))
    }
}

@Suite struct MathModuleTests {
    let math = MathModule.module

    func float(_ name: String, _ args: Value...) throws -> Double? {
        if case .float(let f) = try call(math, name, args) { return f }
        return nil
    }

    @Test func ceilAndFloorReturnInts() throws {
        #expect(try call(math, "ceil", [.float(0.4)]).equals(.int(1)))
        #expect(try call(math, "floor", [.float(-0.5)]).equals(.int(-1)))
        #expect(try call(math, "ceil", [.int(10)]).equals(.int(10)))
        let big = try call(math, "ceil", [.float(9_223_372_036_854_775_808.0 + 0.5)])
        #expect(big.bigIntValue == BigInt(1) << 63)
        #expect(
            errorMessage { try call(math, "ceil", [.float(.infinity)]) } == "cannot convert float infinity to integer")
        #expect(errorMessage { try call(math, "floor", [.float(.nan)]) } == "cannot convert float NaN to integer")
        #expect(
            errorMessage { try call(math, "floor", [.string("0")]) }?.contains("got string, want float or int") == true)
    }

    @Test func floatFunctions() throws {
        #expect(try float("fabs", .int(-2)) == 2)
        #expect(try float("mod", .int(5), .int(3)) == 2)
        #expect(try float("pow", .int(5), .int(3)) == 125)
        #expect(try float("copysign", .float(3.2), .int(-1)) == -3.2)
        #expect(try float("remainder", .int(3), .int(5)) == -2)
        #expect(try float("round", .float(-0.5)) == -1)
        #expect(try float("round", .float(0.5)) == 1)
        #expect(try float("exp", .int(1)) == M_E)
        #expect(try float("sqrt", .int(4)) == 2)
        #expect(try float("sqrt", .int(-4))?.isNaN == true)
        #expect(try float("atan2", .float(-0.0), .int(-10)) == -Double.pi)
        #expect(try float("hypot", .int(4), .int(3)) == 5)
        #expect(try float("degrees", .float(1)) == 57.29577951308232)
        #expect(try float("radians", .float(1)) == 0.017453292519943295)
        #expect(try float("atanh", .float(0.5)) == 0.5493061443340548)
        #expect(try float("cosh", .int(1)) == 1.5430806348152437)
        #expect(try float("gamma", .int(0)) == .infinity)
        #expect(try float("gamma", .int(-1))?.isNaN == true)
        #expect(try float("log", .int(10), .int(10)) == 1)
        #expect(try float("log", .int(0)) == -.infinity)
        #expect(errorMessage { try call(math, "log", [.int(2), .int(1)]) } == "division by zero")
        #expect(
            errorMessage { try call(math, "log", [.int(10), .string("10")]) }?.contains("got string, want float or int")
                == true)
        #expect(math.members["e"].flatMap { if case .float(let f) = $0 { f } else { nil } } == M_E)
    }
}

@Suite struct TimeModuleTests {
    let time = TimeModule.module

    func parse(_ text: String, _ named: [(name: String, value: Value)] = []) throws -> StarlarkTime {
        guard case .object(let t as StarlarkTime) = try call(time, "parse_time", [.string(text)], named) else {
            throw StarlarkError("not a time")
        }
        return t
    }

    func duration(_ text: String) throws -> StarlarkDuration {
        guard case .object(let d as StarlarkDuration) = try call(time, "parse_duration", [.string(text)]) else {
            throw StarlarkError("not a duration")
        }
        return d
    }

    @Test func durationText() throws {
        #expect(try duration("10h").description == "10h0m0s")
        #expect(try duration("1.5s").description == "1.5s")
        #expect(try duration("3m35s").description == "3m35s")
        #expect(try duration("1500ns").description == "1.5µs")
        #expect(try duration("-2ms").description == "-2ms")
        #expect(try duration("0").description == "0s")
        #expect(try duration("10h01s").nanoseconds == 36_001_000_000_000)
        #expect(try duration("1.5h").nanoseconds == 5_400_000_000_000)
        #expect(
            errorMessage { try call(time, "parse_duration", [.string("1")]) }?.contains(
                "time: missing unit in duration \"1\"") == true)
        #expect(
            errorMessage { try call(time, "parse_duration", [.string("1x")]) }?.contains("unknown unit \"x\"") == true)
        #expect(
            errorMessage { try call(time, "parse_duration", [.string("x")]) }?.contains("time: invalid duration \"x\"")
                == true)
        #expect(
            errorMessage { try call(time, "parse_duration", [.string("9999999999h")]) }?.contains("invalid duration")
                == true)
    }

    @Test func durationArithmetic() throws {
        let hours = try duration("10h")
        let second = try duration("1s")
        #expect(try hours.binary(.slash, .object(try duration("16m")), selfIsLeft: true)?.equals(.float(37.5)) == true)
        #expect(try hours.binary(.slash, .int(20), selfIsLeft: true)?.equals(.object(try duration("30m"))) == true)
        #expect(try hours.binary(.slash, .float(37.5), selfIsLeft: true)?.equals(.object(try duration("16m"))) == true)
        #expect(try hours.binary(.slashSlash, .object(try duration("16m")), selfIsLeft: true)?.equals(.int(37)) == true)
        #expect(
            try second.binary(.star, .int(1000), selfIsLeft: false)?.equals(.object(try duration("16m40s"))) == true)
        #expect(
            errorMessage { try hours.binary(.slash, .int(20), selfIsLeft: false) ?? .none } == "unsupported operation")
        #expect(
            errorMessage { try hours.binary(.slash, .int(0), selfIsLeft: true) ?? .none }
                == "time.duration division by zero")
        #expect(try hours.binary(.less, .object(second), selfIsLeft: false)?.equals(.bool(true)) == true)
        #expect(try hours.attribute("minutes")?.equals(.float(600)) == true)
        #expect(try hours.attribute("milliseconds")?.equals(.int(36_000_000)) == true)
        #expect(try hours.hash() == (try duration("10h").hash()))
    }

    @Test func parsesAndFormatsTimes() throws {
        let t = try parse("2020-06-26T17:38:36Z")
        #expect(t.unixSeconds == 1_593_193_116)
        let fractional = try parse(
            "2020-06-26T17:38:36.123456789", [("format", .string("2006-01-02T15:04:05.999999999"))])
        #expect(fractional.unixSeconds == 1_593_193_116 && fractional.nanosecond == 123_456_789)
        #expect(try parse("2020-06-26T17:38:36.5Z").nanosecond == 500_000_000)
        let ref = try parse("2011-04-22T13:33:48Z")
        #expect(ref.description == "2011-04-22 13:33:48 +0000 UTC")
        let offset = try parse("2000-01-01T22:04:05-05:00")
        let utc = try parse("2000-01-02T03:04:05Z")
        #expect(try offset.equals(utc))
        let eastern = try #require(
            try utc.attribute("in_location").flatMap { value -> Value? in
                guard case .builtin(let b) = value else { return nil }
                return try b.call(StarlarkThread(), Arguments([.string("US/Eastern")]))
            })
        guard case .object(let easternTime as StarlarkTime) = eastern else {
            Issue.record("not a time")
            return
        }
        #expect(TimeLayout.format(easternTime, "3 04 PM") == "10 04 PM")
        #expect(easternTime.description == "2000-01-01 22:04:05 -0500 EST")
        #expect(TimeLayout.format(ref, "Mon Jan _2 15:04:05.000 MST 2006") == "Fri Apr 22 13:33:48.000 UTC 2011")
        #expect(TimeLayout.format(ref, "2006-01-02T15:04:05Z07:00") == "2011-04-22T13:33:48Z")
        #expect(!(try parse("0001-01-01T00:00:00Z")).truth)
        #expect(try parse("1970-01-01T00:00:00Z").unixNano == 0)
    }

    @Test func reportsParseErrors() throws {
        #expect(
            errorMessage { try call(time, "parse_time", [.string("2020-13-01T00:00:00Z")]) }
                == "parsing time \"2020-13-01T00:00:00Z\": month out of range")
        #expect(
            errorMessage { try call(time, "parse_time", [.string("2020-02-30T00:00:00Z")]) }
                == "parsing time \"2020-02-30T00:00:00Z\": day out of range")
        #expect(
            errorMessage { try call(time, "parse_time", [.string("x")]) }
                == "parsing time \"x\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"x\" as \"2006\"")
        #expect(
            errorMessage { try call(time, "parse_time", [.string("2020-01-01T00:00:00Zjunk")]) }
                == "parsing time \"2020-01-01T00:00:00Zjunk\": extra text: \"junk\"")
    }

    @Test func buildsTimes() throws {
        let named: [(name: String, value: Value)] = [
            ("year", .int(2009)), ("month", .int(6)), ("day", .int(12)), ("hour", .int(12)), ("minute", .int(6)),
            ("second", .int(10)), ("nanosecond", .int(99)), ("location", .string("US/Eastern")),
        ]
        guard case .object(let t as StarlarkTime) = try call(time, "time", [], named) else {
            Issue.record("not a time")
            return
        }
        #expect(t.unixSeconds == 1_244_822_770 && t.nanosecond == 99)
        #expect(try t.attribute("hour")?.equals(.int(12)) == true)
        #expect(try t.attribute("unix_nano")?.equals(.int(1_244_822_770_000_000_099)) == true)
        guard case .object(let zero as StarlarkTime) = try call(time, "time") else { return }
        #expect(zero.description == "-0001-11-30 00:00:00 +0000 UTC")
        #expect(
            errorMessage { try call(time, "time", [.int(2009)]) }?.contains("unexpected positional argument") == true)
        #expect(try call(time, "is_valid_timezone", [.string("US/Eastern")]).equals(.bool(true)))
        #expect(try call(time, "is_valid_timezone", [.string("UKN")]).equals(.bool(false)))
        guard case .object(let stamp as StarlarkTime) = try call(time, "from_timestamp", [.int(1), .int(-1)]) else {
            return
        }
        #expect(stamp.unixSeconds == 0 && stamp.nanosecond == 999_999_999)
    }

    @Test func timeArithmetic() throws {
        let ref = try parse("2011-04-22T13:33:48Z")
        let later = try parse("2011-04-22T23:33:48Z")
        let hours = try duration("10h")
        #expect(try ref.binary(.plus, .object(hours), selfIsLeft: true)?.equals(.object(later)) == true)
        #expect(try hours.binary(.plus, .object(ref), selfIsLeft: true)?.equals(.object(later)) == true)
        #expect(try later.binary(.minus, .object(ref), selfIsLeft: true)?.equals(.object(hours)) == true)
        #expect(try later.binary(.minus, .object(hours), selfIsLeft: true)?.equals(.object(ref)) == true)
        #expect(try ref.binary(.less, .object(later), selfIsLeft: true)?.equals(.bool(true)) == true)
        #expect(try ref.hash() == (try parse("2011-04-22T13:33:48Z").hash()))
    }

    @Test func nowUsesThreadClock() throws {
        let thread = StarlarkThread()
        TimeModule.setNow(thread) { Date(timeIntervalSince1970: 1_600_000_000) }
        guard case .builtin(let now) = time.members["now"],
            case .object(let t as StarlarkTime) = try now.call(thread, Arguments())
        else {
            Issue.record("no time")
            return
        }
        #expect(t.unixSeconds == 1_600_000_000)
        guard case .object(let real as StarlarkTime) = try call(time, "now") else { return }
        #expect(real.unixSeconds > 1_600_000_000)
    }
}

/// Go's duration syntax, as hosts use it for their own settings.
@Suite struct DurationTextTests {
    @Test(
        arguments: [
            ("10s", 10_000_000_000), ("500ms", 500_000_000), ("1m30s", 90_000_000_000), ("2h", 7_200_000_000_000),
            ("1.5s", 1_500_000_000), ("250us", 250_000), ("-1s", -1_000_000_000), ("0", 0),
        ] as [(String, Int64)])
    func parsesGoDurations(text: String, nanoseconds: Int64) throws {
        #expect(try DurationText.parse(text) == nanoseconds)
    }

    @Test func rejectsBadOrOverflowingDurations() {
        for bad in ["", "10", "s", "10x", "1.2.3s", "9999999999h", "9223372036854775808ns9223372036854775808ns"] {
            #expect(throws: StarlarkError.self, "\(bad)") { try DurationText.parse(bad) }
        }
    }
}
