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
    private func sandboxRun(fullRefresh: Bool = false, keep: ((Sandbox) throws -> Void)? = nil) throws -> [String: (
        ModelResult, SandboxChanges?
    )] {
        let sandbox = try Sandbox(project: project, environment: [:])
        defer { sandbox.remove() }
        let session = try sandbox.context.makeSession()
        let runner = Runner(project: project, session: session)
        sandbox.confine(runner)
        let measure = try SandboxMeasure(sandbox: sandbox, session: session, models: ModelDiscovery.models(in: project))
        var seen: [String: (ModelResult, SandboxChanges?)] = [:]
        runner.onResult = { result in seen[result.target.description] = (result, measure.changes(of: result)) }
        _ = try runner.run(fullRefresh: fullRefresh)
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

    /// Regression (new-user trial): a new column's values were left out, so a merge that put a
    /// value in every row said `+0 ~0 -0` while its push sent updates.
    @Test func valuesInANewColumnCountAsChanges() throws {
        try temporary.write(
            "models/mart/m.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT 1 AS id UNION ALL SELECT 2")
        #expect(try run().failed == 0)
        try temporary.write(
            "models/mart/m.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, 'x' AS tag FROM (SELECT 1 AS id UNION ALL SELECT 2)")
        let changes = try #require(try sandboxRun()["mart.m"]?.1)
        #expect((changes.inserted, changes.updated, changes.deleted) == (0, 2, 0), "\(changes)")
        #expect(changes.schema == ["+ tag VARCHAR"])
    }

    /// Regression (new-user trial): a kind changed to scd2 failed the comparison (the old table
    /// has no `is_current`), and the line said "nothing to write".
    @Test func aKindChangedToSCD2IsComparedOnCurrentRows() throws {
        try temporary.write(
            "models/mart/m.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, name)")
        #expect(try run().failed == 0)
        try temporary.write(
            "models/mart/m.sql",
            "-- @kind: scd2\n-- @unique_key: id\nSELECT * FROM (VALUES (1, 'a'), (3, 'c')) v(id, name)")
        let changes = try #require(try sandboxRun(fullRefresh: true)["mart.m"]?.1)
        #expect(changes.problem == nil)
        #expect((changes.inserted, changes.updated, changes.deleted) == (1, 0, 1), "\(changes)")
        // The columns scd2 adds are not schema changes of the model.
        #expect(changes.schema.isEmpty)
    }

    /// Regression (new-user trial): tracked and partition keys that name groups of rows were
    /// compared by key; such rows are compared by content.
    @Test func groupsAndPartitionsAreComparedRowByRow() throws {
        try temporary.write(
            "models/mart/t.sql",
            "-- @kind: tracked\n-- @unique_key: g\nSELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c')) v(g, x)")
        try temporary.write(
            "models/mart/p.sql",
            "-- @kind: partition\n-- @unique_key: g\nSELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c')) v(g, x)")
        #expect(try run().failed == 0)
        try temporary.write(
            "models/mart/t.sql",
            "-- @kind: tracked\n-- @unique_key: g\nSELECT * FROM (VALUES (1, 'a'), (1, 'B'), (3, 'c')) v(g, x)")
        try temporary.write(
            "models/mart/p.sql", "-- @kind: partition\n-- @unique_key: g\nSELECT * FROM (VALUES (1, 'a')) v(g, x)")
        let results = try sandboxRun()
        let tracked = try #require(results["mart.t"]?.1)
        #expect((tracked.inserted, tracked.updated, tracked.deleted) == (2, 0, 2), "\(tracked)")
        // A changed model is a backfill: the partition of g = 2 goes too.
        let partition = try #require(results["mart.p"]?.1)
        #expect((partition.inserted, partition.updated, partition.deleted) == (0, 0, 2), "\(partition)")
    }

    /// Regression (new-user trial): a catalog that `run` cannot create (no DATA_PATH) or read
    /// (an empty metadata file) is refused with what to do, as a config error.
    @Test func aCatalogRunCannotUseIsRefused() throws {
        try temporary.write(
            "config/catalog.sql", "ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake;\n")
        try temporary.write("models/raw/a.sql", "SELECT 1 AS id")
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            (error as? OndatraError)?.code == .config && "\(error)".contains("gives no DATA_PATH")
        }
        #expect(!FileManager.default.fileExists(atPath: project.url("lake.sqlite").path))
        // Regression (second trial): an empty file (a failed first run leaves one) is a new
        // catalog for DuckLake, so `run` works on it; the sandbox does too.
        FileManager.default.createFile(atPath: project.url("lake.sqlite").path, contents: Data())
        #expect(throws: (any Error).self) { try Sandbox(project: project, environment: [:]) }
        try temporary.write(
            "config/catalog.sql",
            "ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake (DATA_PATH '${ONDATRA_PROJECT_DIR}/f/');\n"
        )
        #expect(try sandboxRun()["raw.a"]?.1?.created == true)
        #expect(try Data(contentsOf: project.url("lake.sqlite")).isEmpty)
        // A file that is SQLite but not a catalog is refused.
        let connection = try Database().connect()
        try connection.execute(
            "LOAD sqlite_scanner; ATTACH \(SQLLiteral.quote(project.url("lake.sqlite").path)) AS other (TYPE sqlite); "
                + "CREATE TABLE other.t (a INTEGER); DETACH other")
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            (error as? OndatraError)?.code == .config && "\(error)".contains("not a DuckLake catalog")
        }
        FileManager.default.createFile(atPath: project.url("lake.sqlite").path, contents: Data("not sqlite".utf8))
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            (error as? OndatraError)?.code == .config
                && "\(error)".contains("could not copy the catalog's metadata file")
        }
        #expect(!FileManager.default.fileExists(atPath: Sandbox.root(of: project).path))
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
