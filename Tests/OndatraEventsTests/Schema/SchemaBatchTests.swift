import Foundation
import OndatraEvents
import Testing

@Suite struct SchemaBatchTests {
    private typealias Fixture = SchemaValidatorFixture
    private let declarations = "event_name VARCHAR NOT NULL,\nuser_id BIGINT,\nreceived_at TIMESTAMPTZ"

    @Test func writesEveryLineInOrder() throws {
        let validator = try Fixture.validator(declarations)
        let batch = try EventJSON.parseBatch(
            Array(#"[{"event_name":"a","user_id":"1"},{"user_id":2,"event_name":"b"}]"#.utf8))
        let (lines, count) = try validator.validateBatch(batch, receivedAt: Fixture.receivedAt)
        #expect(count == 2)
        #expect(
            String(decoding: lines, as: UTF8.self)
                == #"{"event_name":"a","user_id":1,"received_at":"2024-02-29T12:34:56.789012Z"}"# + "\n"
                + #"{"event_name":"b","user_id":2,"received_at":"2024-02-29T12:34:56.789012Z"}"# + "\n")
        let empty = try validator.validateBatch([], receivedAt: Fixture.receivedAt)
        #expect(empty.lines.isEmpty && empty.count == 0)
    }

    @Test func refusesTheWholeBatchNamingTheFirstBadEvent() throws {
        let validator = try Fixture.validator(declarations)
        let batch = try EventJSON.parseBatch(
            Array(#"[{"event_name":"a"},{"event_name":"b"},{"event_name":"c","user_id":"abc"},{"user_id":1}]"#.utf8))
        #expect(
            throws: EventRejection(
                message: #"event 2: field 'user_id': expected BIGINT, got "abc""#, field: "user_id", eventIndex: 2)
        ) {
            try validator.validateBatch(batch, receivedAt: Fixture.receivedAt)
        }
        let missing = try EventJSON.parseBatch(Array(#"[{"user_id":1}]"#.utf8))
        #expect(
            throws: EventRejection(
                message: "event 0: field 'event_name' is NOT NULL but missing", field: "event_name", eventIndex: 0)
        ) {
            try validator.validateBatch(missing, receivedAt: Fixture.receivedAt)
        }
    }

    @Test func validatesATenMebibyteBatch() throws {
        let validator = try Fixture.validator(
            declarations + ",\npage_url VARCHAR,\ntags VARCHAR[],\nprice DECIMAL(10,2)")
        var body = "["
        var events = 0
        while body.utf8.count < 10 * 1024 * 1024 - 200 {
            if events > 0 { body += "," }
            body += #"{"event_name":"view_\#(events)","user_id":\#(events),"page_url":"/päge/\#(events)?q=ü😀","#
            body += #""tags":["a","b\n"],"price":"\#(events % 1000).5"}"#
            events += 1
        }
        body += "]"
        let bytes = Array(body.utf8)
        #expect(bytes.count <= 10 * 1024 * 1024)
        let batch = try EventJSON.parseBatch(bytes)
        #expect(batch.count == events)
        let (lines, count) = try validator.validateBatch(batch, receivedAt: Fixture.receivedAt)
        #expect(count == events)
        #expect(lines.filter { $0 == UInt8(ascii: "\n") }.count == events)
        let last = try #require(String(decoding: lines, as: UTF8.self).split(separator: "\n").last)
        #expect(last.contains(#""user_id":\#(events - 1),"#))
        #expect(last.contains(#""tags":["a","b\n"],"price":"\#((events - 1) % 1000).50"}"#))
    }
}
