import Foundation
import OndatraTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `ondatrasql sandbox` as a user types it: what it prints, its JSON, and that Ctrl-C and kill -9
/// leave no scratch behind for long.
@Suite struct SandboxCommandTests {
    let directory: TemporaryDirectory
    var project: String { directory.url.appending(path: "my project").path }
    var scratchRoot: String { project + "/.ondatra/sandbox" }

    init() throws {
        directory = try TemporaryDirectory()
        #expect(try CLIRunner.run(["init", project]).status == 0)
        try write("models/raw/people.sql", "SELECT * FROM (VALUES (1, 'Ann'), (2, 'Bo')) v(id, name)")
        try write("models/mart/people.sql", "-- @kind: merge\n-- @unique_key: id\nSELECT id, name FROM raw.people")
        let first = try CLIRunner.run(["--project", project, "run"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    }

    private func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(filePath: project).appending(path: path))
    }

    private var scratchFolders: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratchRoot)) ?? []).sorted()
    }

    @Test func printsEachModelsChangesAndWritesNothing() throws {
        try write("models/raw/people.sql", "SELECT * FROM (VALUES (1, 'Ann'), (2, 'Bea'), (3, 'Cy')) v(id, name)")
        let output = try CLIRunner.run(["--project", project, "sandbox"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(
            output.stdout.contains("[OK] raw.people (table, backfill) — sql changed: +2 ~0 -1 rows"), "\(output.stdout)"
        )
        #expect(
            output.stdout.contains("[OK] mart.people (merge, incremental) — dep changed: raw.people: +1 ~1 -0 rows"),
            "\(output.stdout)")
        #expect(output.stdout.contains("Sandbox: 2 would run, 0 skipped, 0 would fail"))
        // Regression (new-user trial): an empty .ondatra/sandbox/ was left behind.
        #expect(!FileManager.default.fileExists(atPath: scratchRoot))
        // The real run still has both changes to make.
        let plan = try CLIRunner.run(["--project", project, "run", "--plan"])
        #expect(plan.stdout.contains("[RUN] raw.people (table, backfill: sql changed)"), "\(plan.stdout)")
        let rows = try CLIRunner.run([
            "--project", project, "sql", "SELECT name FROM mart.people ORDER BY id", "--format", "csv",
        ])
        #expect(rows.stdout == "name\nAnn\nBo\n")
    }

    @Test func jsonHasTheChangesAndASelectorPicksModels() throws {
        try write(
            "models/mart/people.sql",
            "-- @kind: merge\n-- @unique_key: id\nSELECT id, name, true AS active FROM raw.people")
        let output = try CLIRunner.run(["--project", project, "sandbox", "mart.people", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(output.stdout)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["model"] as? String == "mart.people")
        let changes = try #require(object["changes"] as? [String: Any])
        #expect(changes["schema_changes"] as? [String] == ["+ active BOOLEAN"])
        #expect(changes["inserted"] as? Int == 0)
        #expect(output.stderr.contains("Sandbox: 1 would run"))
    }

    @Test func aModelThatWouldFailExitsOneAndTheRestIsShown() throws {
        try write("models/raw/people.sql", "SELECT id, nme FROM (VALUES (1, 'Ann')) v(id, name)")
        let output = try CLIRunner.run(["--project", project, "sandbox"])
        #expect(output.status == 1)
        #expect(output.stdout.contains("[FAILED] raw.people: models/raw/people.sql:"), "\(output.stdout)")
        #expect(output.stdout.contains("[SKIP] mart.people (merge, skip: upstream model failed: raw.people)"))
        #expect(scratchFolders.isEmpty)
    }

    @Test(arguments: [SIGINT, SIGKILL])
    func anInterruptedOrKilledSandboxLeavesNothingBehindForLong(signal: Int32) throws {
        try write("models/mart/slow.sql", "SELECT sum(i) AS total FROM raw.people, range(100000000000) t(i)")
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["--project", project, "sandbox"]
        let printed = directory.url.appending(path: "printed.txt")
        FileManager.default.createFile(atPath: printed.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: printed)
        let errors = directory.url.appending(path: "errors.txt")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Wait until the sandbox has made its scratch folder, then signal until it stops.
        for _ in 0..<600 where process.isRunning && scratchFolders.isEmpty { usleep(50_000) }
        for _ in 0..<600 where process.isRunning {
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, signal) }
        }
        process.waitUntilExit()
        if signal == SIGINT {
            #expect(
                process.terminationStatus == 130, "\((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
            #expect(scratchFolders.isEmpty)
            // Regression (new-user trial): the summary counted the interrupted model as one that would fail.
            let text = try String(contentsOf: printed, encoding: .utf8)
            #expect(
                text.contains("Sandbox interrupted; nothing was written") && !text.contains("would fail"), "\(text)")
        } else {
            // kill -9 leaves the folder; the next sandbox removes it.
            #expect(!scratchFolders.isEmpty)
            try write("models/mart/slow.sql", "SELECT 1 AS total")
            let next = try CLIRunner.run(["--project", project, "sandbox"])
            #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
            #expect(scratchFolders.isEmpty)
        }
        // The real catalog has no trace of the slow model.
        let tables = try CLIRunner.run(
            ["--project", project, "sql", "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'"])
        #expect(!tables.stdout.contains("slow"))
    }
}
