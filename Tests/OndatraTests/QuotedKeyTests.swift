import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// `@unique_key` takes any column name SQL can write, quoted: spaces, capitals, quotes.
@Suite struct QuotedKeyTests {
    @Test func quotedNamesParseAndPlainOnesStayAsTheyAre() throws {
        let names = ModelParser.columnNames(#"id, "Order ID" , "say ""hi""", Region"#)
        #expect(names.map(\.name) == ["id", "Order ID", #"say "hi""#, "Region"])
        #expect(ModelParser.columnNames(#""unclosed, id"#).first?.name == nil)
        #expect(ModelParser.columnNames(#""" , id"#).first?.name == nil)
        let bad = #expect(throws: OndatraError.self) {
            try ModelParser.parse(path: "models/x.sql", text: "-- @unique_key: id, 2x\nSELECT 1")
        }
        #expect(bad?.message.contains("'2x' is not a column name") == true)
    }

    /// Each keyed kind, run, then run again after the source changed, equals what the kind
    /// promises for a key with a space in its name.
    @Test(arguments: ["merge", "tracked", "scd2", "partition"])
    func aKeyWithASpaceWorksThroughIncrementalRuns(kind: String) throws {
        let sandbox = try TemporaryProject()
        try sandbox.write(
            "models/raw/src.sql", #"SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v("Order ID", "Note")"#)
        try sandbox.write(
            "models/mart/keyed.sql",
            "-- @kind: \(kind)\n-- @unique_key: \"Order ID\"\nSELECT \"Order ID\", \"Note\" FROM raw.src\n")
        func run() throws -> [String: ModelResult] {
            let session = try Session(project: sandbox.project, environment: [:])
            let results = try Runner(project: sandbox.project, session: session).run().results
            return Dictionary(uniqueKeysWithValues: results.map { ($0.target.description, $0) })
        }
        let first = try run()
        #expect(first["mart.keyed"]?.status == .ok, "\(first["mart.keyed"]?.errors ?? [])")
        try sandbox.write(
            "models/raw/src.sql", #"SELECT * FROM (VALUES (1, 'a'), (2, 'B'), (3, 'c')) v("Order ID", "Note")"#)
        let second = try run()
        #expect(second["mart.keyed"]?.status == .ok, "\(second["mart.keyed"]?.errors ?? [])")
        let session = try Session(project: sandbox.project, environment: [:])
        let filter = kind == "scd2" ? " WHERE is_current" : ""
        let rows = try session.connection.rows(
            "SELECT \"Order ID\", \"Note\" FROM mart.keyed\(filter) ORDER BY 1"
        ).map { $0.map(\.description) }
        #expect(rows == [["1", "a"], ["2", "B"], ["3", "c"]])
    }
}
