import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// A project keeps working after `cp -r`, `mv` or a clone elsewhere, although DuckLake recorded
/// the absolute data path it was created with.
@Suite struct MovedProjectTests {
    let origin: TemporaryDirectory
    let elsewhere: TemporaryDirectory

    init() throws {
        origin = try TemporaryDirectory()
        elsewhere = try TemporaryDirectory()
    }

    private func makeProject() throws -> Project {
        let project = try ProjectScaffold.create(at: origin.url.appending(path: "pipeline"))
        try Data("-- @kind: table\nSELECT 1 AS id, 'first' AS note\n".utf8).write(
            to: project.url("models/raw/notes.sql"))
        try run(project)
        return project
    }

    @discardableResult
    private func run(_ project: Project) throws -> RunSummary {
        let session = try Session(project: project, environment: [:])
        return try Runner(project: project, session: session).run()
    }

    private func notes(_ project: Project) throws -> [String] {
        let session = try Session(project: project, environment: [:])
        return try session.connection.rows("SELECT note FROM raw.notes ORDER BY note").compactMap {
            $0.first?.string
        }
    }

    @Test func aMovedProjectReadsAndWritesItsCatalog() throws {
        let project = try makeProject()
        let moved = elsewhere.url.appending(path: "new \"place\" ü")
        try FileManager.default.moveItem(at: project.root, to: moved)
        let movedProject = try Project(root: moved)
        #expect(try notes(movedProject) == ["first"])
        try Data("-- @kind: table\nSELECT 2 AS id, 'second' AS note\n".utf8).write(
            to: movedProject.url("models/raw/notes.sql"))
        let summary = try run(movedProject)
        #expect(summary.failed == 0, "\(summary.results.flatMap(\.errors))")
        let after = try notes(movedProject)
        #expect(after == ["second"])
        // The new file went into the moved data folder, beside the one that moved.
        let files = try FileManager.default.subpathsOfDirectory(atPath: movedProject.url("lake.files").path)
        #expect(files.filter { $0.hasSuffix(".parquet") }.count == 2)
    }

    @Test func aCopiedProjectIsIndependentOfTheOriginal() throws {
        let project = try makeProject()
        let copy = elsewhere.url.appending(path: "copy")
        try FileManager.default.copyItem(at: project.root, to: copy)
        let copiedProject = try Project(root: copy)
        try Data("-- @kind: table\nSELECT 2 AS id, 'only in the copy' AS note\n".utf8).write(
            to: copiedProject.url("models/raw/notes.sql"))
        #expect(try run(copiedProject).failed == 0)
        let copied = try notes(copiedProject)
        #expect(copied == ["only in the copy"])
        #expect(try notes(project) == ["first"])
    }

    @Test func aDataPathChangedToAMissingFolderIsRefusedWithWhatToDo() throws {
        let project = try makeProject()
        let catalog = try String(contentsOf: project.url("config/catalog.sql"), encoding: .utf8)
        try Data(catalog.replacingOccurrences(of: "/lake.files/", with: "/other-files/").utf8).write(
            to: project.url("config/catalog.sql"))
        let error = try #require(throws: OndatraError.self) { try Session(project: project, environment: [:]) }
        #expect(error.file == "config/catalog.sql")
        #expect(error.message.contains("the catalog's data files are under \(project.root.path)/lake.files/"))
        #expect(error.message.contains("(no such folder)"))
        #expect(error.message.contains("OVERRIDE_DATA_PATH true"))
        #expect(!error.message.contains("Invalid Configuration Error"))
    }

    @Test func overridingAddsTheOptionAfterTheLastCodeParenthesis() {
        #expect(
            MovedDataPath.overriding("ATTACH 'ducklake:a.sqlite' AS lake (DATA_PATH 'x/)') -- note (y)")
                == "ATTACH 'ducklake:a.sqlite' AS lake (DATA_PATH 'x/)', OVERRIDE_DATA_PATH true) -- note (y)")
        #expect(MovedDataPath.overriding("ATTACH 'ducklake:a.sqlite' AS lake") == nil)
        #expect(MovedDataPath.overriding("ATTACH 'ducklake:postgres:dbname=x' AS lake (DATA_PATH 'y')") == nil)
    }

    @Test func onlyAFolderOfTheSameNameThatExistsCountsAsAMove() throws {
        let here = origin.url.appending(path: "lake.files").path + "/"
        try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: true)
        #expect(MovedDataPath(given: here, stored: "/gone/lake.files/").movedWithProject)
        #expect(!MovedDataPath(given: here, stored: "/gone/other/").movedWithProject)
        #expect(!MovedDataPath(given: here + "missing/", stored: "/gone/missing/").movedWithProject)
        #expect(!MovedDataPath(given: "s3://bucket/lake.files/", stored: "/gone/lake.files/").movedWithProject)
        let message =
            "Invalid Configuration Error: DATA_PATH parameter \"/b/x/\" does not match existing data path in the catalog \"/a/x/\". You can override"
        #expect(MovedDataPath(errorMessage: message) == MovedDataPath(given: "/b/x/", stored: "/a/x/"))
        // Regression: a path holding a quote was cut at it, so a copied project did not attach.
        let quoted =
            "Invalid Configuration Error: DATA_PATH parameter \"/b \"q\"/x/\" does not match existing data path in the catalog \"/a/x/\". You can override"
        #expect(MovedDataPath(errorMessage: quoted) == MovedDataPath(given: "/b \"q\"/x/", stored: "/a/x/"))
    }
}

/// Remote files: scripts/bootstrap provisions httpfs, which DuckDB loads when a model reads a URL.
@Suite struct RemoteFileTests {
    @Test func aModelReadsACSVOverHTTP() async throws {
        let server = try await TestHTTPServer.start { _ in
            .init(headers: ["Content-Type": "text/csv"], body: "id,name\n1,Zoë\n2,Ann\n")
        }
        defer { server.stop() }
        let sandbox = try TemporaryProject()
        try sandbox.write("models/raw/remote.sql", "SELECT * FROM read_csv('\(server.baseURL)/people.csv')")
        let project = sandbox.project
        let names = try await runBlocking {
            let session = try Session(project: project, environment: [:])
            let summary = try Runner(project: project, session: session).run()
            #expect(summary.failed == 0, "\(summary.results.flatMap(\.errors))")
            return try session.connection.rows("SELECT name FROM raw.remote ORDER BY id").compactMap {
                $0.first?.string
            }
        }
        #expect(names == ["Zoë", "Ann"])
    }
}

/// Regression: a config or lib file that is not UTF-8 said "The file isn't in the correct format".
@Suite struct NonUTF8FileTests {
    @Test func aConfigFileThatIsNotUTF8NamesTheByteAndIsAConfigError() throws {
        let sandbox = try TemporaryProject()
        try Data([0x53, 0x45, 0x54, 0x20, 0x78, 0xE9, 0x3B, 0x0A]).write(
            to: sandbox.project.url("config/settings.sql"))
        let error = try #require(throws: OndatraError.self) { try Session(project: sandbox.project, environment: [:]) }
        #expect(error.code == .config)
        #expect(
            error.description
                == "config/settings.sql: is not UTF-8 text (byte 0xE9 at offset 5 is not valid UTF-8); save the file as UTF-8"
        )
    }
}
