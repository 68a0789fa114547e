import DuckDB

/// A representative use of every part of the DuckDB module, for `scripts/leakcheck` to run
/// under valgrind: any handle that is not destroyed shows up as memory definitely lost. A program
/// of its own, linking only the DuckDB module, so valgrind reads a small binary.
@main
struct LeakWorkload {
    static func main() throws {
        try LeakWorkload().run()
    }

    func run() throws {
        for _ in 0..<2 {
            try exercise()
        }
        print("leak workload done")
    }

    private func exercise() throws {
        let connection = try Database(options: ["threads": "1"]).connect()
        try connection.execute(
            "CREATE TABLE t(id BIGINT, name VARCHAR, tags VARCHAR[], info STRUCT(a INT, b VARCHAR), m MAP(VARCHAR, INT))"
        )

        let appender = try Appender(connection: connection, table: "t")
        try appender.appendRow([
            .bigint(1), .varchar("a name longer than twelve bytes"), .list([.varchar("x")]),
            .structure([.init("a", .integer(1)), .init("b", .varchar("y"))]), .map([.init(.varchar("k"), .integer(2))]),
        ])
        let chunk = try appender.makeChunk()
        for row in 0..<100 {
            chunk.column(0).set(Int64(row + 2), at: row)
            try chunk.column(1).set(row % 7 == 0 ? .null : .varchar("row number \(row) with padding"), at: row)
            try chunk.column(2).set(.list([.varchar("t\(row)"), .null]), at: row)
            try chunk.column(3).set(.structure([.init("a", .integer(Int32(row))), .init("b", .null)]), at: row)
            try chunk.column(4).set(.map([.init(.varchar("r"), .integer(Int32(row)))]), at: row)
        }
        chunk.count = 100
        try appender.append(chunk)
        try appender.close()

        let result = try connection.query("SELECT * FROM t ORDER BY id")
        while let next = try result.nextChunk() {
            let ids = try next.column(0).primitives(as: Int64.self)
            let names = try next.column(1).strings()
            for row in 0..<next.count {
                _ = ids[row]
                _ = names[row]
                _ = (0..<next.columnCount).map { next.column($0).value(at: row) }
            }
        }

        let statement = try connection.prepare("SELECT ?::VARCHAR[], ?::STRUCT(a INT), ?::UUID, ?::DECIMAL(20,3)")
        try statement.bind([
            .list([.varchar("p")]), .structure([.init("a", .integer(3))]),
            .uuid(UUIDValue(bits: 42)), .decimal(DecimalValue(value: 12345, width: 20, scale: 3)),
        ])
        _ = try statement.execute().allRows()
        _ = statement.statementType
        // Typing statements prepares each one, including one that fails to prepare.
        _ = try connection.statementTypes("SELECT 1; SELECT * FROM missing; INSERT INTO t (id) VALUES (1)")

        let early = try connection.query("SELECT * FROM range(100000)")
        _ = try early.nextChunk()
        early.close()

        _ = try? connection.query("SELECT * FROM missing")
        _ = try? connection.execute("SELEC")
        _ = try? connection.statementTypes("SELEC")
        _ = try? connection.query("SELECT 1::BIGNUM")
        _ = try? statement.bind([])
        _ = try? Appender(connection: connection, table: "missing")
        _ = try? connection.transaction { connection in
            try connection.execute("INSERT INTO t (id) VALUES (999)")
            try connection.execute("SELECT * FROM missing")
        }
        _ = connection.interruptHandle
    }
}
