import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Testing

/// The `csv` module, through a Starlark model (the way scripts reach it).
@Suite struct CSVModuleTests {
    @Test func decodesAndEncodesQuotedFields() async throws {
        let sandbox = try TemporaryProject()
        try sandbox.write(
            "models/raw/parsed.star",
            #"""
            # @kind: table
            text = 'id,name,note\r\n1,"Smith, Ann","said ""hi""\nthen left"\n2,Bob,\n'
            rows = csv.decode(text)
            plain = csv.decode("a;b\n1;2", header = False, delimiter = ";")
            back = csv.encode(rows)
            for row in rows:
                save.row({"id": row["id"], "name": row["name"], "note": row["note"], "plain": str(plain), "back": back})
            """#)
        let project = sandbox.project
        let results = try await runWithStarlarkHost(project).results
        #expect(results["raw.parsed"]?.status == .ok, "\(results["raw.parsed"]?.errors ?? [])")
        let rows = try Session(project: project, environment: [:]).query(
            "SELECT id, name, note, plain, back FROM raw.parsed ORDER BY id"
        ).allRows().map { $0.map(\.description) }
        #expect(
            rows.map { Array($0.prefix(3)) } == [["1", "Smith, Ann", "said \"hi\"\nthen left"], ["2", "Bob", ""]])
        #expect(rows.first?[3] == #"[["a", "b"], ["1", "2"]]"#)
        #expect(rows.first?[4] == "id,name,note\r\n1,\"Smith, Ann\",\"said \"\"hi\"\"\nthen left\"\r\n2,Bob,\r\n")
    }
}
