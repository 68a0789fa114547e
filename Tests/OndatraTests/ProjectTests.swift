import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

@Suite struct ProjectTests {
    @Test func initCreatesTheLayoutAndNeverOverwrites() throws {
        let directory = try TemporaryDirectory()
        try directory.write("README.md", "my own readme")
        let project = try ProjectScaffold.create(at: directory.url.appending(path: "."))
        for path in [
            "config/catalog.sql", ".env", ".gitignore", "models/raw", "models/staging", "models/mart", "models/sync",
            "lib",
        ] {
            #expect(FileManager.default.fileExists(atPath: project.url(path).path), "\(path)")
        }
        #expect(try String(contentsOf: project.url("README.md"), encoding: .utf8) == "my own readme")
        let ignore = try String(contentsOf: project.url(".gitignore"), encoding: .utf8)
        #expect(ignore.contains(".env") && ignore.contains(".ondatra/") && ignore.contains("lake.files/"))
        let again = #expect(throws: OndatraError.self) { try ProjectScaffold.create(at: directory.url) }
        #expect(again?.code == .project)
        #expect(again?.message.contains("config already exists") == true)
    }

    @Test func discoveryWalksUpToTheProjectRoot() throws {
        let directory = try TemporaryDirectory()
        try ProjectScaffold.create(at: directory.url)
        let nested = directory.url.appending(path: "models/staging")
        let found = try Project.discover(from: nested)
        #expect(found.root.path == directory.url.standardizedFileURL.path)
        #expect(found.relativePath(of: nested.appending(path: "orders.sql")) == "models/staging/orders.sql")
    }

    @Test func missingProjectsAreClearErrors() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: OndatraError.self) { try Project.discover(from: directory.url) }
        #expect(error?.message.contains("config/catalog.sql") == true)
        #expect(throws: OndatraError.self) { try Project(root: directory.url) }
    }

    @Test func configFilesRunInTheSpecOrder() throws {
        let directory = try TemporaryDirectory()
        let project = try ProjectScaffold.create(at: directory.url)
        for path in [
            "config/sources.sql", "config/macros/b.sql", "config/macros/a.sql", "config/variables/v.sql",
            "config/settings.sql", "config/extensions.sql", "config/secrets.sql", "config/macros/notes.txt",
        ] {
            try directory.write(path, "SELECT 1;")
        }
        let order = try ConfigFiles(project: project).files.map(\.relativePath)
        #expect(
            order == [
                "config/settings.sql", "config/secrets.sql", "config/extensions.sql", "config/catalog.sql",
                "config/macros/a.sql", "config/macros/b.sql", "config/variables/v.sql", "config/sources.sql",
            ])
    }
}

/// What model discovery reads and what it leaves alone.
@Suite struct ModelDiscoveryTests {
    /// Editor lock files (a dangling link or a file named `.#x.sql`) and hidden files are not
    /// models; a model that is not UTF-8 is an error naming the file and the byte.
    @Test func hiddenFilesAreSkippedAndNonUTF8IsNamed() throws {
        let sandbox = try TemporaryProject()
        try sandbox.write("models/raw/a.sql", "SELECT 1 AS x")
        try sandbox.write("models/raw/.#a.sql", "not a model")
        try sandbox.write("models/raw/.hidden.sql", "not a model either")
        try sandbox.write("models/raw/.ipynb_checkpoints/a-checkpoint.sql", "SELECT 2 AS x")
        try sandbox.write("models/.git/hooks/x.sql", "not a model")
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.project.url("models/raw/.#b.sql").path, withDestinationPath: "/nowhere/b.sql")
        #expect(try ModelDiscovery.models(in: sandbox.project).map(\.target.description) == ["raw.a"])

        try Data("-- @kind: table\nSELECT 'caf\u{E9}' AS x, '".utf8 + [0xE9] + Array("' AS y\n".utf8)).write(
            to: sandbox.project.url("models/raw/latin.sql"))
        let error = #expect(throws: OndatraError.self) { try ModelDiscovery.models(in: sandbox.project) }
        #expect(error?.code == .project)
        #expect(error?.description.contains("models/raw/latin.sql") == true)
        #expect(error?.message.contains("byte 0xE9 at offset 38 is not valid UTF-8") == true)
    }
}
