import DuckDB
import Testing

@testable import Ondatra

@Suite struct ValueJSONTests {
    @Test func followsTheSpecRules() throws {
        let connection = try Database().connect()
        try connection.execute("SET TimeZone = 'UTC'")
        let row = try connection.rows(
            """
            SELECT 1::BIGINT, 2.5::DOUBLE, 12345678901234567890::HUGEINT, 9007199254740993::HUGEINT,
                   12.34::DECIMAL(10,2), 123456789012345678.9::DECIMAL(20,1), NULL, 'a"b',
                   DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.5', TIMESTAMPTZ '2024-01-02 03:04:05+00',
                   [1, 2], {'k': 'v', 'n': NULL}, MAP {1: 'one'}, 'nan'::DOUBLE, true
            """)[0]
        #expect(
            row.map(\.jsonText) == [
                "1", "2.5", "\"12345678901234567890\"", "\"9007199254740993\"", "12.34", "\"123456789012345678.9\"",
                "null", #""a\"b""#, "\"2024-01-02\"", "\"2024-01-02T03:04:05.5\"", "\"2024-01-02T03:04:05Z\"",
                "[1,2]", #"{"k":"v","n":null}"#, #"[{"key":1,"value":"one"}]"#, "\"nan\"", "true",
            ])
    }
}
