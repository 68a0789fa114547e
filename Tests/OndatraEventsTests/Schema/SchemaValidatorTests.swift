import Foundation
import OndatraEvents
import Testing

@Suite struct SchemaValidatorTests {
    private typealias Fixture = SchemaValidatorFixture
    private let pageViews = "event_name VARCHAR NOT NULL,\npage_url VARCHAR,\nreceived_at TIMESTAMPTZ"

    @Test func writesDeclaredOrderWithNullsAndReceivedAt() throws {
        let validator = try Fixture.validator(pageViews)
        let line = Fixture.check(validator, #"{"page_url": "/a", "event_name": "view"}"#)
        #expect(
            line == .success(#"{"event_name":"view","page_url":"/a","received_at":"2024-02-29T12:34:56.789012Z"}"#))
        let minimal = Fixture.check(validator, #"{"event_name": "v", "received_at": null}"#)
        #expect(minimal == .success(#"{"event_name":"v","page_url":null,"received_at":"2024-02-29T12:34:56.789012Z"}"#))
        let own = Fixture.check(validator, #"{"event_name": "v", "received_at": "2020-01-01T00:00:00+02:00"}"#)
        #expect(own == .success(#"{"event_name":"v","page_url":null,"received_at":"2020-01-01 00:00:00+02:00"}"#))
        let object = try EventJSON.parseObject(Array(#"{"event_name":"v"}"#.utf8))
        #expect(try validator.validate(object, receivedAt: Fixture.receivedAt).last == UInt8(ascii: "\n"))
    }

    @Test func fillsReceivedAtByTypeAndCase() throws {
        let date = try Fixture.validator("x INT,\nRECEIVED_AT DATE NOT NULL")
        #expect(Fixture.check(date, "{}") == .success(#"{"x":null,"RECEIVED_AT":"2024-02-29"}"#))
        let text = try Fixture.validator("received_at VARCHAR")
        #expect(Fixture.check(text, "{}") == .success(#"{"received_at":"2024-02-29T12:34:56.789012Z"}"#))
        let number = try Fixture.validator("received_at BIGINT NOT NULL")
        #expect(
            Fixture.check(number, "{}")
                == .failure(
                    EventRejection(message: "field 'received_at' is NOT NULL but missing", field: "received_at")))
        let other = try Fixture.validator("receivedat TIMESTAMP")
        #expect(Fixture.check(other, "{}") == .success(#"{"receivedat":null}"#))
    }

    @Test func formatsReceiveTimesInUTC() throws {
        let validator = try Fixture.validator("received_at TIMESTAMP")
        let cases: [(Double, String)] = [
            (0, "1970-01-01T00:00:00.000000Z"),
            (-0.000001, "1969-12-31T23:59:59.999999Z"),
            (951_782_400, "2000-02-29T00:00:00.000000Z"),
            (4_107_542_399.5, "2100-02-28T23:59:59.500000Z"),
            (253_402_300_799, "9999-12-31T23:59:59.000000Z"),
            (-62_135_596_800, "0001-01-01T00:00:00.000000Z"),
            (.infinity, "1970-01-01T00:00:00.000000Z"),
        ]
        for (seconds, expected) in cases {
            let line = try validator.validate(EventJSONObject([:]), receivedAt: Date(timeIntervalSince1970: seconds))
            #expect(String(decoding: line, as: UTF8.self) == "{\"received_at\":\"\(expected)\"}\n")
        }
    }

    @Test func refusesMissingAndNullNotNullColumns() throws {
        let validator = try Fixture.validator(pageViews)
        #expect(
            Fixture.check(validator, #"{"page_url": "/a"}"#)
                == .failure(EventRejection(message: "field 'event_name' is NOT NULL but missing", field: "event_name")))
        #expect(
            Fixture.check(validator, #"{"event_name": null}"#)
                == .failure(EventRejection(message: "field 'event_name' is NOT NULL but null", field: "event_name")))
    }

    @Test func refusesUnknownFields() throws {
        let validator = try Fixture.validator(pageViews)
        #expect(
            Fixture.check(validator, #"{"evnt_name": "v"}"#)
                == .failure(
                    EventRejection(
                        message: "unknown field 'evnt_name' (declared: event_name, page_url, received_at)",
                        field: "evnt_name")))
        // Names are matched exactly, as read_json does.
        #expect(
            Fixture.check(validator, #"{"Event_Name": "v"}"#).failureMessage?.hasPrefix("unknown field 'Event_Name'")
                == true)
        let many = try Fixture.validator((0..<20).map { "column_\($0) INT" }.joined(separator: "\n"))
        #expect(
            Fixture.check(many, #"{"colum_7": 1}"#).failureMessage
                == "unknown field 'colum_7'; did you mean 'column_7'? (20 columns declared)")
        #expect(Fixture.check(many, #"{"zzz": 1}"#).failureMessage == "unknown field 'zzz' (20 columns declared)")
        let long = String(repeating: "x", count: 100)
        #expect(
            Fixture.check(validator, "{\"\(long)\": 1}").failureMessage?.contains(
                String(repeating: "x", count: 60) + "…'") == true)
    }

    @Test func refusesAFieldGivenTwiceInAHandBuiltObject() throws {
        let validator = try Fixture.validator("a INT")
        let object = EventJSONObject(members: [
            EventJSONMember(key: "a", value: .null), EventJSONMember(key: "a", value: .null),
        ])
        #expect(throws: EventRejection(message: "field 'a' is given twice", field: "a")) {
            try validator.validate(object, receivedAt: Fixture.receivedAt)
        }
    }

    @Test func writesAnEmptyObjectWithoutColumns() throws {
        let validator = EventValidator(columns: [])
        #expect(try validator.validate(EventJSONObject([:]), receivedAt: Fixture.receivedAt) == Array("{}\n".utf8))
        #expect(Fixture.check(validator, #"{"a":1}"#).failureMessage == "unknown field 'a' (no columns declared)")
    }

    @Test func keepsNonASCIINamesAndValues() throws {
        let validator = try Fixture.validator("\"名前\" VARCHAR NOT NULL,\n\"quote\"\"d\" TEXT,\nstadt_größe INT")
        let line = Fixture.check(
            validator, "{\"stadt_größe\": \"12\", \"名前\": \"Zoë 😀\\u0001\\n\", \"quote\\\"d\": \"\\\"\"}")
        #expect(line == .success("{\"名前\":\"Zoë 😀\\u0001\\n\",\"quote\\\"d\":\"\\\"\",\"stadt_größe\":12}"))
    }

    @Test func acceptsOtherTypesThroughTheHook() throws {
        let accepting = try Fixture.validator("s STRUCT(a INT, b VARCHAR),\nm MAP(VARCHAR, INT)[]")
        #expect(
            Fixture.check(accepting, #"{"s": {"a": 1, "b": [1.50, "x"]}, "m": [{"k": 1}, null]}"#)
                == .success(#"{"s":{"a":1,"b":[1.50,"x"]},"m":[{"k":1},null]}"#))
        let refusing = try Fixture.validator("s STRUCT(a INT)") { value, type in
            value.contains("bad") ? "\(type) has no field 'bad'" : nil
        }
        #expect(Fixture.check(refusing, #"{"s": {"a": 1}}"#) == .success(#"{"s":{"a":1}}"#))
        #expect(
            Fixture.check(refusing, #"{"s": {"bad": 1}}"#).failureMessage
                == #"field 's': expected STRUCT(a INT), got {"bad":1} (STRUCT(a INT) has no field 'bad')"#)
    }

    @Test func clipsLongValuesInMessages() throws {
        let message = Fixture.value("INT", "\"" + String(repeating: "é", count: 200) + "\"")
        #expect(message == "! field 'a': expected INTEGER, got \"" + String(repeating: "é", count: 59) + "…")
        let array = Fixture.value(
            "BIGINT", "[" + Array(repeating: "1234567890", count: 50).joined(separator: ",") + "]")
        #expect(array.hasSuffix("…"))
        #expect(array.count < 120)
    }
}

extension Result where Failure == EventRejection {
    /// The rejection's message, or nil on success.
    var failureMessage: String? {
        if case .failure(let rejection) = self { return rejection.message }
        return nil
    }
}
