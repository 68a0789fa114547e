import DuckDB
import Foundation
import OndatraEvents

/// Finds the events of a buffer segment that do not load into the declared columns: loads the
/// segment into a temporary table with the same columns (types and `NOT NULL`), and when that
/// fails, loads each half, until every failure is pinned to one event. A segment with `k` bad
/// events out of `n` costs about `2k·log2(n)` small loads; it runs only after a flush failed.
struct EventsLineSifter {
    let session: Session
    let declared: [EventColumn]

    private static let table = SQLLiteral.qualified(["temp", "main", "__ondatra_events_check"])

    /// The index of each line of `lines` that does not load, with the reason.
    func rejected(_ lines: [[UInt8]]) throws -> [Int: String] {
        let columns = declared.map {
            "\(SQLLiteral.identifier($0.name)) \($0.type.sqlName)\($0.notNull ? " NOT NULL" : "")"
        }.joined(separator: ", ")
        try session.execute("CREATE OR REPLACE TEMP TABLE __ondatra_events_check (\(columns))")
        defer { _ = try? session.execute("DROP TABLE IF EXISTS \(Self.table)") }
        let scratch = FileManager.default.temporaryDirectory.appending(path: "ondatra-sift-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var found: [Int: String] = [:]
        var counter = 0
        try sift(lines, lines.indices, scratch: scratch, counter: &counter, into: &found)
        return found
    }

    private func sift(
        _ lines: [[UInt8]], _ range: Range<Int>, scratch: URL, counter: inout Int, into found: inout [Int: String]
    ) throws {
        guard !range.isEmpty else { return }
        counter += 1
        let file = scratch.appending(path: "part-\(counter).ndjson")
        try Data(lines[range].joined()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try session.execute(EventsTable.insertSQL(Self.table, declared, [file.path]))
            try session.execute("DELETE FROM \(Self.table)")
            return
        } catch let error as OndatraError {
            if range.count == 1 {
                found[range.lowerBound] = Self.plain(error.message)
                return
            }
        }
        let middle = range.lowerBound + range.count / 2
        try sift(lines, range.lowerBound..<middle, scratch: scratch, counter: &counter, into: &found)
        try sift(lines, middle..<range.upperBound, scratch: scratch, counter: &counter, into: &found)
    }

    /// DuckDB's message about a load, without what only the author of the SQL could act on: the
    /// scratch file's name and the advice about `read_json`'s options.
    static func plain(_ message: String) -> String {
        var text = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
        for marker in [" Try increasing", " Try setting", " set 'ignore_errors'", ", or setting 'ignore_errors'"] {
            if let cut = text.range(of: marker) { text = String(text[..<cut.lowerBound]) }
        }
        while let start = text.range(of: " in file \""),
            let end = text.range(of: "\"", range: start.upperBound..<text.endIndex)
        {
            let tail = text[end.upperBound...].drop { $0 == "," }
            text = String(text[..<start.lowerBound]) + String(tail)
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
