import DuckDB
import Foundation
import Testing

/// Resident memory of this process in bytes, read from /proc.
private func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite struct StreamingTests {
    @Test func tenMillionRowsStreamInConstantMemory() throws {
        let connection = try Database(options: ["threads": "2"]).connect()
        let result = try connection.query(
            "SELECT i, 'value-' || i AS label, i * 0.5 AS half FROM range(10000000) t(i)")
        var rows = 0
        var sum: Int64 = 0
        var labelBytes = 0
        var baseline = 0
        var peakGrowth = 0
        var chunks = 0
        while let chunk = try result.nextChunk() {
            let ids = try chunk.column(0).primitives(as: Int64.self)
            let labels = try chunk.column(1).strings()
            for row in 0..<chunk.count {
                sum &+= ids.values[row]
                labelBytes += labels.withBytes(at: row) { $0.count }
            }
            rows += chunk.count
            chunks += 1
            if chunks == 50 { baseline = residentBytes() }
            if chunks > 50, chunks % 500 == 0 { peakGrowth = max(peakGrowth, residentBytes() - baseline) }
        }
        #expect(rows == 10_000_000)
        #expect(sum == 9_999_999 * 10_000_000 / 2)
        #expect(labelBytes > 0)
        // The whole result would need several hundred MB; streaming keeps growth to a few chunks.
        #expect(peakGrowth < 128 * 1024 * 1024, "memory grew by \(peakGrowth / 1_048_576) MB while streaming")
    }
}
