import DuckDB
import Foundation
import Synchronization
import Testing

@Suite struct ConnectionTests {
    let connection: Connection

    init() throws {
        connection = try Database().connect()
    }

    @Test func reportsTheExpectedLibraryVersion() {
        #expect(Database.libraryVersion == "v1.5.5")
    }

    @Test func errorsCarryMessageKindAndSQL() throws {
        let sql = "SELECT * FROM missing_table"
        let error = try #require(throws: DuckDBError.self) { try connection.query(sql) }
        #expect(error.kind == .catalog)
        #expect(error.message.contains("missing_table"))
        #expect(error.sql == sql)
        #expect(error.description.contains("SQL: \(sql)"))

        let syntax = try #require(throws: DuckDBError.self) { try connection.execute("SELEC 1") }
        #expect(syntax.kind == .parser)
        #expect(syntax.sql == "SELEC 1")

        let runtime = try #require(throws: DuckDBError.self) {
            try connection.query("SELECT 'x'::INTEGER").allRows()
        }
        #expect(runtime.kind == .conversion)
    }

    @Test func statementTypesComeFromDuckDBsParserWithoutRunning() throws {
        try connection.execute("CREATE TABLE t AS SELECT 1 AS x")
        let types = try connection.statementTypes(
            "SELECT * FROM t; INSERT INTO t VALUES (2); SET threads = 1; CREATE TABLE u (y INT); SELECT * FROM u")
        // The last statement reads a table the one before it would create: it cannot be prepared yet.
        #expect(types == [.select, .insert, .set, .create, nil])
        #expect(try connection.scalar("SELECT count(*) FROM t") == .bigint(1))
        #expect(try connection.prepare("DELETE FROM t").statementType == .delete)
        #expect(StatementType.call.description == "CALL")
        let error = try #require(throws: DuckDBError.self) { try connection.statementTypes("SELEC 1") }
        #expect(error.kind == .parser)
    }

    @Test func badOptionsAndPathsAreClearErrors() {
        #expect(throws: DuckDBError.self) { try Database(options: ["no_such_option": "1"]) }
        let error = #expect(throws: DuckDBError.self) { try Database(path: "/nonexistent/dir/x.duckdb") }
        #expect(error?.message.contains("/nonexistent/dir/x.duckdb") == true)
    }

    @Test func multipleStatementsRunAndTheLastStreams() throws {
        let rows = try connection.rows("CREATE TABLE t(a INT); INSERT INTO t VALUES (1), (2); SELECT sum(a) FROM t")
        #expect(rows == [[.hugeint(3)]])
        #expect(throws: DuckDBError.self) { try connection.rows("-- only a comment\n") }
    }

    @Test func preparedStatementsBindAndRerun() throws {
        try connection.execute("CREATE TABLE people(id BIGINT, name VARCHAR)")
        let insert = try connection.prepare("INSERT INTO people VALUES (?, ?)")
        #expect(insert.parameterCount == 2)
        for id in 1...3 {
            try insert.bind([.bigint(Int64(id)), .varchar("p\(id)")])
            #expect(try insert.run() == 1)
        }
        let select = try connection.prepare("SELECT name FROM people WHERE id = $1")
        try select.bind([.bigint(2)])
        #expect(try select.execute().allRows() == [[.varchar("p2")]])
        #expect(throws: DuckDBError.self) { try select.bind([]) }
        #expect(throws: DuckDBError.self) { try select.bind(.bigint(1), at: 2) }
        #expect(throws: DuckDBError.self) { try connection.prepare("SELECT 1; SELECT 2") }
    }

    @Test func transactionsCommitAndRollBack() throws {
        try connection.execute("CREATE TABLE ledger(x INT)")
        try connection.transaction { try $0.execute("INSERT INTO ledger VALUES (1)") }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO ledger VALUES (2)")
                throw Boom()
            }
        }
        #expect(try connection.rows("SELECT x FROM ledger") == [[.integer(1)]])
    }

    @Test func typedColumnsReadWithoutBoxing() throws {
        let result = try connection.query(
            "SELECT i, 'row ' || i, i / 2, CASE WHEN i % 3 = 0 THEN NULL ELSE i END FROM range(5000) t(i)")
        var sum: Int64 = 0
        var nulls = 0
        var textBytes = 0
        var halves = 0.0
        while let chunk = try result.nextChunk() {
            let ids = try chunk.column(0).primitives(as: Int64.self)
            let labels = try chunk.column(1).strings()
            let half = try chunk.column(2).primitives(as: Double.self)
            let sparse = try chunk.column(3).primitives(as: Int64.self)
            for row in 0..<chunk.count {
                sum += ids[row] ?? 0
                textBytes += labels[row]?.utf8.count ?? 0
                halves += half[row] ?? 0
                if sparse.isNull(row) { nulls += 1 }
            }
            #expect(throws: DuckDBError.self) { try chunk.column(0).strings() }
            #expect(throws: DuckDBError.self) { try chunk.column(0).primitives(as: Int32.self) }
        }
        #expect(sum == 4999 * 5000 / 2)
        #expect(nulls == 1667)
        #expect(halves == Double(sum) / 2)
        try #expect(
            textBytes
                == (connection.scalar("SELECT sum(length('row ' || i)) FROM range(5000) t(i)"))?.int64.map(Int.init))
    }

    @Test func interruptStopsARunningQuery() throws {
        let handle = connection.interruptHandle
        let finished = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
        // A thread of its own, not a task: the cooperative pool may be busy with other tests.
        // It interrupts repeatedly until the query ends, since one early interrupt could land
        // before the query starts (DuckDB clears the flag when a query begins).
        Thread.detachNewThread {
            while !finished.load(ordering: .relaxed) {
                usleep(50_000)
                if !finished.load(ordering: .relaxed) { handle.interrupt() }
            }
            stopped.store(true, ordering: .releasing)
        }
        defer { finished.store(true, ordering: .relaxed) }
        let error = #expect(throws: DuckDBError.self) {
            try connection.query("SELECT count(*) FROM range(10000000000) a(x) WHERE x % 7 = 3").allRows()
        }
        #expect(error?.kind == .interrupt)
        finished.store(true, ordering: .relaxed)
        // Regression: an interrupt sent after the query ended stopped the next statement.
        while !stopped.load(ordering: .acquiring) { usleep(1_000) }
        #expect(try connection.scalar("SELECT 1") == .integer(1))
    }

    @Test func progressOfARunningQueryIsReadFromAnotherThread() throws {
        #expect(connection.progressHandle.progress.percentage == nil)
        try connection.execute("CREATE TEMP TABLE big AS SELECT range AS x FROM range(10000000)")
        try connection.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
        let progress = connection.progressHandle
        let interrupt = connection.interruptHandle
        let seen = Mutex<QueryProgress?>(nil)
        let finished = Atomic<Bool>(false)
        // A thread of its own reads the progress while the query runs, then stops the query (or
        // gives up after 30 s).
        Thread.detachNewThread {
            let started = ContinuousClock.now
            while !finished.load(ordering: .relaxed) {
                usleep(20_000)
                let now = progress.progress
                if let percentage = now.percentage, percentage > 0, now.rowsProcessed > 0 {
                    seen.withLock { $0 = $0 ?? now }
                }
                if seen.withLock({ $0 != nil }) || ContinuousClock.now - started > .seconds(30) {
                    interrupt.interrupt()
                }
            }
        }
        defer { finished.store(true, ordering: .relaxed) }
        // DuckDB estimates progress from table scans (not from `range`), and follows results that
        // are computed before they are read (as a model's statements run through `execute`).
        _ = try? connection.execute(
            "CREATE TEMP TABLE counted AS SELECT count(*) FROM big WHERE hash(x::VARCHAR || 'salt') % 7 = 3")
        finished.store(true, ordering: .relaxed)
        let found = try #require(seen.withLock { $0 })
        #expect((found.percentage ?? 0) < 100)
        #expect(found.totalRowsToProcess >= found.rowsProcessed)
    }

    @Test func unsupportedTypesAskForACast() throws {
        let error = try #require(throws: DuckDBError.self) { try connection.query("SELECT 12345::BIGNUM AS big") }
        #expect(error.message.contains("big"))
        #expect(error.message.contains("::VARCHAR"))
    }
}
