import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// The staging file of a model that reads lib functions: attached while the model runs, deleted
/// afterwards, and what a killed process left is deleted by the next sweep.
@Suite struct StagingDatabaseTests {
    let sandbox: TemporaryProject
    var folder: URL { StagingDatabase.directory(of: sandbox.project) }

    init() throws {
        sandbox = try TemporaryProject()
    }

    @Test func theFileIsWrittenInItsOwnTransactionAndDeletedWhenDiscarded() throws {
        let session = try Session(project: sandbox.project, environment: [:])
        let staging = try StagingDatabase(session: session)
        let table = staging.qualified("numbers")
        try staging.transaction {
            try session.execute("CREATE TABLE \(table) AS SELECT range AS n FROM range(1000)")
        }
        #expect(try session.connection.scalar("SELECT sum(n) FROM \(table)")?.int64 == 499_500)
        #expect(FileManager.default.fileExists(atPath: staging.file.path))
        // A sweep leaves the files of this process alone: they are in use.
        StagingDatabase.removeLeftovers(of: sandbox.project)
        #expect(FileManager.default.fileExists(atPath: staging.file.path))
        staging.discard()
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        let attached =
            "SELECT count(*) FROM duckdb_databases() WHERE database_name = \(SQLLiteral.quote(staging.catalog))"
        #expect(try session.connection.scalar(attached)?.int64 == 0)
    }

    @Test func aFailedTransactionWritesNothing() throws {
        let session = try Session(project: sandbox.project, environment: [:])
        let staging = try StagingDatabase(session: session)
        defer { staging.discard() }
        let table = staging.qualified("numbers")
        #expect(throws: OndatraError.self) {
            try staging.transaction {
                try session.execute("CREATE TABLE \(table) AS SELECT 1 AS n")
                try session.execute("SELECT error('stop')")
            }
        }
        let tables = "SELECT count(*) FROM duckdb_tables() WHERE database_name = \(SQLLiteral.quote(staging.catalog))"
        #expect(try session.connection.scalar(tables)?.int64 == 0)
    }

    @Test func filesNoProcessHoldsAreLeftoversAndDeleted() throws {
        // As a process killed while staging leaves them: a database file with its log, and a log
        // alone (killed while deleting), named after a process that is gone. Other files stay.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["999999999-a.duckdb", "999999999-a.duckdb.wal", "999999999-b.duckdb.wal", "notes.txt"] {
            try Data("x".utf8).write(to: folder.appending(path: name))
        }
        StagingDatabase.removeLeftovers(of: sandbox.project)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
        try FileManager.default.removeItem(at: folder.appending(path: "notes.txt"))
        // The folder goes once it is empty; a sweep without a folder does nothing.
        StagingDatabase.removeLeftovers(of: sandbox.project)
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        StagingDatabase.removeLeftovers(of: sandbox.project)
    }
}
