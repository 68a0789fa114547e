import ArgumentParser
import DuckDB
import Foundation

/// Reads a BIGINT, VARCHAR, DOUBLE result value by value into Swift and compares it with the
/// same query aggregated inside DuckDB (the floor) and with Python's `duckdb` `fetchall()`.
struct ReadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Stream a result into Swift values vs. DuckDB's own aggregate vs. Python fetchall()."
    )

    @Option(help: "Rows in the result.")
    var rows = 10_000_000

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var repetitions = 3

    @Option(help: "A Python with duckdb 1.5.5 installed (scripts/bench-python sets one up); empty to skip the peer.")
    var python = ".build-bench/venv/bin/python"

    func run() throws {
        let database = try Database(options: ["threads": "2"])
        let connection = try database.connect()
        try connection.execute(
            "CREATE TABLE bench AS SELECT i AS id, 'name-' || i AS name, (i * 1.5)::DOUBLE AS amount FROM range(\(rows)) t(i)"
        )
        let select = "SELECT id, name, amount FROM bench"

        var checksum: (ids: Int64, bytes: Int, amount: Double) = (0, 0, 0)
        let swiftTyped = try median {
            checksum = try readTyped(connection, select, makeStrings: true)
        }
        let swiftBytes = try median { _ = try readTyped(connection, select, makeStrings: false) }
        let swiftValues = try median { _ = try readValues(connection, select) }
        let floor = try median {
            _ = try connection.rows("SELECT sum(id), sum(strlen(name)), sum(amount) FROM (\(select))")
        }
        let expectedIDs = Int64(rows) * Int64(rows - 1) / 2
        guard checksum.ids == expectedIDs else {
            throw ValidationError("checksum mismatch: read \(checksum.ids), expected \(expectedIDs)")
        }

        print(
            "read \(rows) rows (BIGINT, VARCHAR, DOUBLE), median of \(repetitions), DuckDB \(Database.libraryVersion), 2 threads"
        )
        print(row("DuckDB aggregate (floor)", floor, floor))
        print(row("Swift typed columns", swiftTyped, floor))
        print(row("Swift typed, text as bytes", swiftBytes, floor))
        print(row("Swift Value per cell", swiftValues, floor))
        if let python = try pythonPeer() {
            print(row("Python duckdb fetchall()", python, floor))
            print(String(format: "Swift typed vs Python fetchall(): %.2fx faster", python / swiftTyped))
        }
    }

    /// The hot path: typed column views. With `makeStrings` each VARCHAR cell becomes a Swift
    /// String; without, text is read in place, which is the cost of the API itself.
    private func readTyped(_ connection: Connection, _ sql: String, makeStrings: Bool) throws -> (Int64, Int, Double) {
        var ids: Int64 = 0
        var bytes = 0
        var amount = 0.0
        let result = try connection.query(sql)
        while let chunk = try result.nextChunk() {
            let idColumn = try chunk.column(0).primitives(as: Int64.self)
            let nameColumn = try chunk.column(1).strings()
            let amountColumn = try chunk.column(2).primitives(as: Double.self)
            for row in 0..<chunk.count {
                if let id = idColumn[row] { ids &+= id }
                if makeStrings {
                    if let name = nameColumn[row] { bytes &+= name.utf8.count }
                } else {
                    bytes &+= nameColumn.withBytes(at: row) { $0.count }
                }
                if let value = amountColumn[row] { amount += value }
            }
        }
        return (ids, bytes, amount)
    }

    /// The general path: a `Value` enum per cell.
    private func readValues(_ connection: Connection, _ sql: String) throws -> Int {
        var touched = 0
        let result = try connection.query(sql)
        while let chunk = try result.nextChunk() {
            let columns = (0..<chunk.columnCount).map(chunk.column)
            for row in 0..<chunk.count {
                for column in columns where !column.value(at: row).isNull { touched += 1 }
            }
        }
        return touched
    }

    private func median(_ body: () throws -> Void) throws -> Double {
        try Measurement.median(repetitions, body)
    }

    private func pythonPeer() throws -> Double? {
        guard !python.isEmpty else { return nil }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("Python peer skipped: \(python) not found (run scripts/bench-python)")
            return nil
        }
        let report = try Measurement.runPython(
            python, ["Benchmarks/read/python_fetchall.py", String(rows), String(repetitions)])
        guard let seconds = report["seconds"] as? [Double], !seconds.isEmpty else {
            throw ValidationError("the Python peer printed no timings")
        }
        return seconds.sorted()[seconds.count / 2]
    }

    private func row(_ name: String, _ seconds: Double, _ floor: Double) -> String {
        let padded = name.padding(toLength: 28, withPad: " ", startingAt: 0)
        return String(format: "%@ %8.3f s   %6.2fx floor", padded, seconds, seconds / floor)
    }
}
