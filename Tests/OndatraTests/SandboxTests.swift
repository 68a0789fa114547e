import Crypto
import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// `sandbox`: runs on a copy of the catalog measure what a run would change, and leave the real
/// catalog, its data files and the project's state exactly as they were.
@Suite struct SandboxTests {
    let temporary: TemporaryProject
    var project: Project { temporary.project }

    init() throws {
        temporary = try TemporaryProject()
    }

    private func run() throws -> RunSummary {
        let session = try Session(project: project, environment: [:])
        return try Runner(project: project, session: session).run()
    }

    /// Runs every model in a new sandbox; each model's result and measured changes.
    private func sandboxRun(keep: ((Sandbox) throws -> Void)? = nil) throws -> [String: (ModelResult, SandboxChanges?)]
    {
        let sandbox = try Sandbox(project: project, environment: [:])
        defer { sandbox.remove() }
        let session = try sandbox.context.makeSession()
        let runner = Runner(project: project, session: session)
        runner.syncOptions.push = false
        runner.syncOptions.storePath = sandbox.deliveryStorePath
        runner.flushesEvents = false
        let measure = try SandboxMeasure(sandbox: sandbox, session: session, models: ModelDiscovery.models(in: project))
        var seen: [String: (ModelResult, SandboxChanges?)] = [:]
        var failure: (any Error)?
        runner.onResult = { result in
            do {
                seen[result.target.description] = (result, try measure.changes(of: result))
            } catch {
                failure = error
            }
        }
        _ = try runner.run()
        if let failure { throw failure }
        try keep?(sandbox)
        return seen
    }

    /// Every file under the project with a digest of its bytes (links by their target).
    private func fingerprint(excluding: [String] = [".ondatra"]) throws -> [String: String] {
        var files: [String: String] = [:]
        let root = project.root
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let relative = walker?.nextObject() as? String {
            guard !excluding.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) else { continue }
            let url = root.appending(path: relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            files[relative] = SHA256.hash(data: try Data(contentsOf: url)).description
        }
        return files
    }

    private func rows(_ sql: String) throws -> [[String]] {
        try Session(project: project, environment: [:]).query(sql).allRows().map { $0.map(\.description) }
    }

    @Test func changesAreMeasuredPerKindAndTheRealCatalogIsUntouched() throws {
        try temporary.write("models/staging/t.sql", "SELECT * FROM (VALUES (1, 'a'), (3, 'c')) v(id, name)")
        try temporary.write("models/mart/m.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, name FROM staging.t")
        try temporary.write("models/mart/h.sql", "-- @kind: scd2\n-- @unique_key: id\nSELECT id, name FROM staging.t")
        #expect(try run().failed == 0)
        try temporary.write("models/staging/t.sql", "SELECT * FROM (VALUES (1, 'b'), (2, 'd')) v(id, name)")
        try temporary.write(
            "models/mart/m.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, name, 7 AS extra FROM staging.t")
        try temporary.write("models/mart/new.sql", "SELECT 1 AS one UNION ALL SELECT 2")
        let before = try fingerprint()
        let snapshots = try rows("SELECT count(*) FROM ducklake_snapshots('lake')")
        let results = try sandboxRun()
        // A table without a key: by content.
        let table = try #require(results["staging.t"]?.1)
        #expect((table.inserted, table.updated, table.deleted) == (2, 0, 2))
        #expect(results["staging.t"]?.0.reason == "sql changed")
        // Merge never deletes; its new column is a schema change (a changed model is a backfill).
        let merge = try #require(results["mart.m"]?.1)
        #expect((merge.inserted, merge.updated, merge.deleted) == (1, 1, 0), "\(merge)")
        #expect(merge.schema == ["+ extra INTEGER"])
        // scd2 compares current versions by key.
        let history = try #require(results["mart.h"]?.1)
        #expect((history.inserted, history.updated, history.deleted) == (1, 1, 1), "\(history)")
        #expect(history.schema.isEmpty)
        let created = try #require(results["mart.new"]?.1)
        #expect(created.created && created.inserted == 2)
        // Nothing of the project changed: the metadata file, the data files, the rows.
        #expect(try fingerprint() == before)
        #expect(try rows("SELECT count(*) FROM ducklake_snapshots('lake')") == snapshots)
        #expect(try rows("SELECT id, name FROM lake.mart.m ORDER BY id") == [["1", "a"], ["3", "c"]])
        // The scratch folder is gone, and a second sandbox measures the same from the same start.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: Sandbox.root(of: project).path)) ?? [] == [])
        let again = try sandboxRun()
        #expect(again["mart.m"]?.1 == merge)
    }

    @Test func aProjectThatNeverRanGetsNoCatalogFile() throws {
        try temporary.write("models/raw/a.sql", "SELECT 1 AS id")
        let results = try sandboxRun()
        #expect(results["raw.a"]?.1?.created == true)
        #expect(!FileManager.default.fileExists(atPath: project.url("lake.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: project.url("lake.files").path))
    }

    @Test func newFilesGoToTheScratchFolderAndLinksLeaveTheRealFiles() throws {
        try temporary.write("models/raw/a.sql", "SELECT range AS id FROM range(10)")
        #expect(try run().failed == 0)
        try temporary.write("models/raw/a.sql", "SELECT range AS id FROM range(20)")
        let before = try fingerprint()
        _ = try sandboxRun { sandbox in
            let files = sandbox.folder.appending(path: "files/raw/a")
            let names = try FileManager.default.contentsOfDirectory(atPath: files.path)
            // The old file is a link into the project; the new one is a file of the sandbox's own.
            let links = names.filter { name in
                let link = try? FileManager.default.destinationOfSymbolicLink(atPath: files.appending(path: name).path)
                return link?.hasPrefix(project.root.path) == true
            }
            #expect(links.count == 1 && names.count == 2, "\(names)")
        }
        #expect(try fingerprint() == before)
    }

    @Test func aKilledSandboxsFolderIsRemovedAndALiveOneKept() throws {
        try temporary.write("models/raw/a.sql", "SELECT 1 AS id")
        let stale = Sandbox.root(of: project).appending(path: "123-dead")
        try FileManager.default.createDirectory(at: stale.appending(path: "files"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: stale.appending(path: "lock").path, contents: nil)
        let live = try Sandbox(project: project, environment: [:])
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        let second = try Sandbox(project: project, environment: [:])
        #expect(FileManager.default.fileExists(atPath: live.folder.path))
        second.remove()
        live.remove()
    }

    @Test func aCopiedProjectsCatalogIsSandboxedFromItsOwnFolder() throws {
        try temporary.write("models/raw/a.sql", "SELECT 1 AS id")
        #expect(try run().failed == 0)
        let elsewhere = try TemporaryDirectory()
        let copy = elsewhere.url.appending(path: "copy with 'quotes' ü")
        try FileManager.default.copyItem(at: project.root, to: copy)
        let copied = try Project(root: copy)
        try Data("SELECT 2 AS id".utf8).write(to: copied.url("models/raw/a.sql"))
        let sandbox = try Sandbox(project: copied, environment: [:])
        defer { sandbox.remove() }
        let session = try sandbox.context.makeSession()
        let summary = try Runner(project: copied, session: session).run()
        #expect(summary.failed == 0, "\(summary.results.flatMap(\.errors))")
        #expect(try session.connection.rows("SELECT id FROM raw.a").map { $0.map(\.description) } == [["2"]])
    }

    @Test func aDuckDBCatalogFileIsCopiedWhileNoRunHoldsTheProject() throws {
        try temporary.write(
            "config/catalog.sql",
            "ATTACH 'ducklake:${ONDATRA_PROJECT_DIR}/meta.ducklake' AS lake (DATA_PATH '${ONDATRA_PROJECT_DIR}/data/');\n"
        )
        try temporary.write("models/raw/a.sql", "SELECT 1 AS id")
        #expect(try run().failed == 0)
        try temporary.write("models/raw/a.sql", "SELECT 1 AS id UNION ALL SELECT 2")
        let before = try fingerprint()
        let results = try sandboxRun()
        #expect(results["raw.a"]?.1?.inserted == 1)
        #expect(results["raw.a"]?.1?.deleted == 0)
        #expect(try fingerprint() == before)
        let lock = try ProjectLock(project: project)
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            "\(error)".contains("is working on this project") && "\(error)".contains("DuckDB catalog file")
        }
        withExtendedLifetime(lock) {}
    }

    @Test func aCatalogInADatabaseServerIsRefusedBeforeAnythingIsTouched() throws {
        try temporary.write(
            "config/catalog.sql", "ATTACH 'ducklake:mysql:db=lake host=nowhere.invalid' AS lake;\n")
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            let error = error as? OndatraError
            return error?.file == "config/catalog.sql" && error?.line == 1
                && error?.message.contains("in a mysql database") == true
        }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: Sandbox.root(of: project).path)) ?? [] == [])
    }

    @Test func schemaChangesNameAddedRemovedAndRetypedColumns() {
        let before: [SchemaEvolution.Column] = [
            .init(name: "id", type: "INTEGER"), .init(name: "gone", type: "VARCHAR"),
        ]
        let after: [SchemaEvolution.Column] = [.init(name: "ID", type: "BIGINT"), .init(name: "new", type: "DATE")]
        #expect(
            SandboxMeasure.schemaChanges(before: before, after: after)
                == ["~ ID INTEGER → BIGINT", "+ new DATE", "- gone VARCHAR"])
    }
}
