import Foundation
import OndatraTesting
import Synchronization
import Testing

@testable import Ondatra

#if canImport(Glibc)
    import Glibc
#endif

/// The staging file a model reading a lib function stages its rows in (`.ondatra/staging/`):
/// there while the lib function runs, gone when the run ends, and, when the process was killed
/// before it could delete it, deleted by the next run but never while its process lives.
@Suite struct StagingFileTests {
    let directory: TemporaryDirectory
    var root: URL { directory.url.appending(path: "p") }
    var staging: URL { root.appending(path: ".ondatra/staging") }

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// The staging folder's files.
    private func stagingFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).sorted()
    }

    @Test func aKilledRunsFileIsDeletedByTheNextRunNotBefore() async throws {
        // The first request never gets an answer before the run is killed; later ones do.
        let requests = Mutex(0)
        let server = try await TestHTTPServer.start { _ in
            if requests.withLock({ count in
                count += 1
                return count == 1
            }) {
                try? await Task.sleep(for: .seconds(60))
            }
            return .json(#"{"items": [{"id": 1}]}"#)
        }
        defer { server.stop() }
        #expect(try await CLIRunner.run(["init", root.path]).status == 0)
        try directory.write(
            "p/lib/items_api.star",
            """
            API = {"base_url": "\(server.baseURL)", "timeout": 120}

            def fetch(page):
                return {"rows": http.get("/items").json["items"]}
            """)
        try directory.write("p/models/raw/items.sql", "SELECT * FROM items_api()")
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["--project", root.path, "run"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1200 where server.requests.isEmpty && process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(server.requests.count == 1, "the lib's request never reached the server")
        // While the lib function waits, its rows' file is there; a sweep leaves a live process's file alone.
        let held = stagingFiles().filter { $0.hasSuffix(".duckdb") }
        #expect(held.count == 1, "\(stagingFiles())")
        StagingDatabase.removeLeftovers(of: try Project(root: root))
        #expect(stagingFiles().filter { $0.hasSuffix(".duckdb") } == held)

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(stagingFiles().filter { $0.hasSuffix(".duckdb") } == held, "killed: nothing could delete it")

        let next = try await CLIRunner.run(["--project", root.path, "run"])
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        #expect(!FileManager.default.fileExists(atPath: staging.path), "\(stagingFiles())")
    }
}
