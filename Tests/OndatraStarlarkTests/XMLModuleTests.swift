import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Testing

/// The `xml` module, through a Starlark model.
@Suite struct XMLModuleTests {
    @Test func decodesToDictsAndEncodesBack() async throws {
        let sandbox = try TemporaryProject()
        try sandbox.write(
            "models/raw/feed.star",
            #"""
            # @kind: table
            doc = xml.decode('<feed version="2"><item id="1"><title>A &amp; B</title></item><item id="2"><title/></item><note>hi</note></feed>')
            feed = doc["feed"]
            for item in feed["item"]:
                save.row({"id": item["@id"], "title": item["title"], "version": feed["@version"], "note": feed["note"],
                          "back": xml.encode({"item": item})})
            """#)
        try sandbox.write("models/raw/broken.star", "# @kind: table\nxml.decode('<a><b>')\n")
        let project = sandbox.project
        let byTarget = try await runWithStarlarkHost(project).results
        #expect(byTarget["raw.feed"]?.status == .ok, "\(byTarget["raw.feed"]?.errors ?? [])")
        let broken = byTarget["raw.broken"]?.errors.first ?? ""
        #expect(broken.contains("xml.decode: line 1"), "\(broken)")
        let rows = try Session(project: project, environment: [:]).query(
            "SELECT id, title, version, note, back FROM raw.feed ORDER BY id"
        ).allRows().map { $0.map(\.description) }
        #expect(
            rows == [
                [
                    "1", "A & B", "2", "hi",
                    #"<?xml version="1.0" encoding="UTF-8"?><item id="1"><title>A &amp; B</title></item>"#,
                ],
                ["2", "NULL", "2", "hi", #"<?xml version="1.0" encoding="UTF-8"?><item id="2"><title/></item>"#],
            ])
    }
}
