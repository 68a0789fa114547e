import Foundation
import OndatraTesting
import Testing

/// Runs the built `ondatrasql` binary as a subprocess, the way a user does.
struct CLIRunner {
    struct Output: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `ondatrasql` executable next to the test bundle in the build folder.
    static let binary: URL = {
        var folder = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test runner is `<build>/<Package>PackageTests.xctest`; its folder holds the products.
        if folder.lastPathComponent.hasSuffix(".xctest") { folder = folder.deletingLastPathComponent() }
        return folder.appending(path: "ondatrasql")
    }()

    /// Runs the binary from async code on a thread of its own: waiting for the process must not
    /// hold one of the few cooperative threads, which a test's HTTP server needs to answer it.
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
        async throws -> Output
    {
        try await runBlocking { try run(arguments, in: directory, environment: environment) }
    }

    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], input: String? = nil
    ) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            Issue.record(
                "\(binary.path) is missing: build it with `swift build` before `swift test` (scripts/test does)")
            return Output(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Output goes to files, not pipes: a large output cannot fill a pipe and stall the child.
        let capture = try TemporaryDirectory()
        let stdoutURL = capture.url.appending(path: "stdout")
        let stderrURL = capture.url.appending(path: "stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let input {
            let inputURL = capture.url.appending(path: "stdin")
            try Data(input.utf8).write(to: inputURL)
            process.standardInput = try FileHandle(forReadingFrom: inputURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
            stderr: try String(contentsOf: stderrURL, encoding: .utf8))
    }
}
