import Foundation
import OndatraEvents
import Testing

/// Speed of parsing and validating small events (off unless `ONDATRA_EVENTS_BENCH=1`; meaningful in
/// a release build: `swift test -c release --filter SchemaBenchmarkTests`).
@Suite struct SchemaBenchmarkTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ONDATRA_EVENTS_BENCH"] == "1"))
    func validatesSmallEvents() throws {
        let declarations = """
            event_name VARCHAR NOT NULL,
            user_id BIGINT,
            page_url VARCHAR,
            amount DECIMAL(10,2),
            received_at TIMESTAMPTZ
            """
        let validator = EventValidator(columns: try EventDeclarations.parse(declarations, file: "b.sql", firstLine: 1))
        let bodies = (0..<1000).map { index in
            Array(
                #"{"event_name":"page_view","user_id":\#(100_000 + index),"page_url":"https://example.com/p/\#(index)","amount":\#(index).25}"#
                    .utf8)
        }
        let total = 100_000
        let now = Date()
        // Validation alone, over events parsed beforehand.
        let objects = try bodies.map { body throws(EventJSONError) in try EventJSON.parseObject(body) }
        var bytes = 0
        let validateStart = ContinuousClock.now
        for index in 0..<total {
            bytes += try validator.validate(objects[index % objects.count], receivedAt: now).count
        }
        let validateTime = ContinuousClock.now - validateStart
        // Parsing and validation together, as the collector does per request.
        let bothStart = ContinuousClock.now
        for index in 0..<total {
            let object = try EventJSON.parseObject(bodies[index % bodies.count])
            bytes += try validator.validate(object, receivedAt: now).count
        }
        let bothTime = ContinuousClock.now - bothStart
        // A batch of 1000 events, 100 times.
        let batchBody = Array(
            ("[" + bodies.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]").utf8)
        let batchStart = ContinuousClock.now
        for _ in 0..<(total / 1000) {
            let batch = try EventJSON.parseBatch(batchBody)
            bytes += try validator.validateBatch(batch, receivedAt: now).lines.count
        }
        let batchTime = ContinuousClock.now - batchStart
        func rate(_ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return
                "\(Int(Double(total) / seconds)) events/s (\(String(format: "%.2f", seconds / Double(total) * 1e6)) µs each)"
        }
        // Events that carry their own time, a float and an interval: the canonical rewriting.
        let timed = EventValidator(
            columns: try EventDeclarations.parse(
                declarations + ",\nscore DOUBLE,\nduration INTERVAL", file: "b.sql", firstLine: 1))
        let timedObjects = try (0..<1000).map { index throws(EventJSONError) in
            try EventJSON.parseObject(
                Array(
                    #"{"event_name":"page_view","user_id":\#(index),"received_at":"2024-02-29T10:\#(10 + index % 50):00.\#(index)Z","score":\#(index).5e3,"duration":"\#(index % 9) minutes"}"#
                        .utf8))
        }
        let timedStart = ContinuousClock.now
        for index in 0..<total {
            bytes += try timed.validate(timedObjects[index % timedObjects.count], receivedAt: now).count
        }
        let timedTime = ContinuousClock.now - timedStart
        print("validate: \(rate(validateTime))")
        print("parse + validate: \(rate(bothTime))")
        print("batch of 1000, parse + validate: \(rate(batchTime))")
        print("validate with a client timestamp, a double and an interval: \(rate(timedTime))")
        #expect(bytes > 0)
    }
}
