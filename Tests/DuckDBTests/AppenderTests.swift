import DuckDB
import Testing

@Suite struct AppenderTests {
    let connection: Connection

    init() throws {
        connection = try Database().connect()
        try connection.execute(
            "CREATE TABLE items(id BIGINT, name VARCHAR, price DECIMAL(10,2), tags VARCHAR[], seen DATE, info STRUCT(a INT, b VARCHAR))"
        )
    }

    @Test func rowAppendsOfEveryKindOfValue() throws {
        let appender = try Appender(connection: connection, table: "items")
        #expect(appender.columnTypes.count == 6)
        try appender.appendRow([
            .bigint(1), .varchar("apple"), .decimal(DecimalValue(value: 199, width: 10, scale: 2)),
            .list([.varchar("red"), .varchar("fruit")]), .date(DateValue(year: 2024, month: 1, day: 2)),
            .structure([.init("a", .integer(7)), .init("b", .varchar("x"))]),
        ])
        try appender.appendRow([.bigint(2), .null, .null, .null, .null, .null])
        try appender.close()
        let rows = try connection.rows("SELECT * FROM items ORDER BY id")
        #expect(rows.count == 2)
        #expect(rows[0][1] == .varchar("apple"))
        #expect(rows[0][2].description == "1.99")
        #expect(rows[0][3] == .list([.varchar("red"), .varchar("fruit")]))
        #expect(rows[0][5] == .structure([.init("a", .integer(7)), .init("b", .varchar("x"))]))
        #expect(rows[1].dropFirst().allSatisfy { $0.isNull })
    }

    @Test func chunkAppendsIncludingNestedAndNull() throws {
        let appender = try Appender(connection: connection, table: "items")
        let chunk = try appender.makeChunk()
        var total = 0
        for batch in 0..<3 {
            chunk.reset()
            let rows = DataChunk.capacity
            for row in 0..<rows {
                let id = batch * rows + row
                chunk.column(0).set(Int64(id), at: row)
                try chunk.column(1).set(id % 10 == 0 ? .null : .varchar("item number \(id)"), at: row)
                try chunk.column(2).set(.bigint(Int64(id % 100)), at: row)
                try chunk.column(3).set(.list((0..<(id % 3)).map { .varchar("t\($0)") }), at: row)
                try chunk.column(4).set(.date(DateValue(days: Int32(id % 365))), at: row)
                try chunk.column(5).set(.structure([.init("a", .integer(Int32(id))), .init("b", .null)]), at: row)
            }
            chunk.count = rows
            try appender.append(chunk)
            total += rows
        }
        try appender.close()
        let summary = try connection.rows(
            "SELECT count(*), count(name), sum(len(tags)), sum(price), max(info.a) FROM items")[0]
        #expect(summary[0].int64 == Int64(total))
        #expect(summary[1].int64 == Int64((0..<total).filter { $0 % 10 != 0 }.count))
        #expect(summary[2].int64 == Int64((0..<total).reduce(0) { $0 + $1 % 3 }))
        #expect(summary[3].description == "\((0..<total).reduce(0) { $0 + $1 % 100 }).00")
        #expect(summary[4] == .integer(Int32(total - 1)))
    }

    @Test func wrongValuesAreClearErrors() throws {
        let appender = try Appender(connection: connection, table: "items")
        #expect(throws: DuckDBError.self) { try appender.appendRow([.bigint(1)]) }
        let chunk = try appender.makeChunk()
        let error = #expect(throws: DuckDBError.self) { try chunk.column(0).set(.varchar("nope"), at: 0) }
        #expect(error?.message.contains("BIGINT") == true)
        #expect(throws: DuckDBError.self) { try Appender(connection: connection, table: "no_such_table") }
    }
}
