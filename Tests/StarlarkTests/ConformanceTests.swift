import Foundation
import Testing

/// Runs the chunked test files in testdata/ through the real `starlark --test` executable.
@Suite struct ConformanceTests {
    static let testdata = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "testdata")

    static var binary: URL {
        var folder = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.lastPathComponent.hasSuffix(".xctest") { folder = folder.deletingLastPathComponent() }
        return folder.appending(path: "starlark")
    }

    /// The chunked files; a folder that cannot be read lists nothing, which
    /// ``theTestdataFolderHoldsConformanceFiles()`` turns into a failure.
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: testdata.path)) ?? []).filter { $0.hasSuffix(".star") }
            .sorted()
    }

    /// Regression: a missing or empty testdata folder meant zero cases and a green run.
    @Test func theTestdataFolderHoldsConformanceFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.testdata.path)
        #expect(names.filter { $0.hasSuffix(".star") }.count >= 5, "testdata holds \(names)")
    }

    @Test(arguments: files)
    func conformanceFile(_ file: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            Issue.record("\(Self.binary.path) is missing: run `swift build` before `swift test` (scripts/test does)")
            return
        }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--test", file]
        process.currentDirectoryURL = Self.testdata
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }
}
