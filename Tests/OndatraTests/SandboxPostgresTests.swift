import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// `sandbox` on a catalog whose metadata is in PostgreSQL: copied with `CREATE DATABASE …
/// TEMPLATE` on a real server, dropped afterwards, and a killed sandbox's copy dropped by the next.
@Suite(.serialized) struct SandboxPostgresTests {
    let server: PostgresServer
    let temporary: TemporaryProject
    var project: Project { temporary.project }

    init() throws {
        server = try PostgresServer()
        try server.psql("CREATE DATABASE lake")
        temporary = try TemporaryProject()
        try temporary.write(
            "config/catalog.sql",
            "ATTACH 'ducklake:postgres:\(server.connection("lake"))' AS lake "
                + "(DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/', DATA_INLINING_ROW_LIMIT 0);\n")
        try temporary.write("models/raw/a.sql", "SELECT * FROM (VALUES (1, 'x'), (2, 'y')) v(id, name)")
        try temporary.write("models/mart/b.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, name FROM raw.a")
        let summary = try Runner(project: project, session: try Session(project: project, environment: [:])).run()
        #expect(summary.failed == 0, "\(summary.results.flatMap(\.errors))")
    }

    private var copies: [String] {
        get throws {
            try server.psql("SELECT datname FROM pg_database WHERE datname LIKE 'ondatra_sandbox%' ORDER BY 1")
                .split(separator: "\n").map(String.init)
        }
    }

    @Test func theCatalogIsCopiedWithATemplateMeasuredAndDropped() throws {
        try temporary.write("models/raw/a.sql", "SELECT * FROM (VALUES (1, 'z'), (3, 'w')) v(id, name)")
        let snapshots = try server.psql("SELECT count(*) FROM ducklake_snapshot", database: "lake")
        let sandbox = try Sandbox(project: project, environment: [:])
        #expect(try copies.count == 1)
        let session = try sandbox.context.makeSession()
        let runner = Runner(project: project, session: session)
        sandbox.confine(runner)
        let measure = try SandboxMeasure(sandbox: sandbox, session: session, models: ModelDiscovery.models(in: project))
        var changes: [String: SandboxChanges] = [:]
        runner.onResult = { result in changes[result.target.description] = measure.changes(of: result) }
        #expect(try runner.run().failed == 0)
        sandbox.remove()
        let merge = try #require(changes["mart.b"])
        #expect((merge.inserted, merge.updated, merge.deleted) == (1, 1, 0))
        let table = try #require(changes["raw.a"])
        #expect((table.inserted, table.deleted) == (2, 2))
        // The real catalog has no new snapshot, and the copy is gone.
        #expect(try server.psql("SELECT count(*) FROM ducklake_snapshot", database: "lake") == snapshots)
        #expect(try copies.isEmpty)
        let real = try Session(project: project, environment: [:])
        #expect(
            try real.connection.rows("SELECT name FROM mart.b ORDER BY id").map { $0[0].description } == ["x", "y"])
    }

    @Test func aKilledSandboxsCopyIsDroppedByTheNext() throws {
        let stale = Sandbox.root(of: project).appending(path: "1-dead")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data("ondatra_sandbox_1_dead\n".utf8).write(to: stale.appending(path: "postgres-databases"))
        try server.psql("CREATE DATABASE ondatra_sandbox_1_dead TEMPLATE lake")
        let sandbox = try Sandbox(project: project, environment: [:])
        #expect(try copies.count == 1 && !copies.contains("ondatra_sandbox_1_dead"))
        sandbox.remove()
        #expect(try copies.isEmpty)
    }

    @Test func aUserWhoMayNotCreateDatabasesIsToldWhatToGrant() throws {
        try server.psql("CREATE ROLE reader LOGIN NOCREATEDB")
        try temporary.write(
            "config/catalog.sql",
            "ATTACH 'ducklake:postgres:dbname=lake host=127.0.0.1 port=\(server.port) user=reader' AS lake "
                + "(DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/');\n")
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            (error as? OndatraError)?.code == .config && "\(error)".contains("grant it CREATEDB")
        }
        #expect(try copies.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: Sandbox.root(of: project).path))
    }

    @Test func aCatalogInUseSaysWhyItCannotBeCopied() throws {
        // psql holds a connection to the catalog's database for longer than PostgreSQL waits.
        let holder = Process()
        holder.executableURL = URL(filePath: "/usr/bin/psql")
        holder.arguments = [
            "-h", "127.0.0.1", "-p", "\(server.port)", "-U", "postgres", "-d", "lake", "-c", "SELECT pg_sleep(30)",
        ]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { holder.terminate() }
        for _ in 0..<100 {
            if (try? server.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'lake'")) != "0\n" { break }
            usleep(100_000)
        }
        #expect {
            try Sandbox(project: project, environment: [:])
        } throws: { error in
            "\(error)".contains("another process is connected to the catalog's database lake")
        }
        #expect(try copies.isEmpty)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: Sandbox.root(of: project).path)) ?? [] == [])
    }
}
