import ArgumentParser
import Foundation

/// Timing and peer-running helpers shared by the benchmarks.
enum Measurement {
    /// The median wall time of `repetitions` runs of `body`, in seconds.
    static func median(_ repetitions: Int, _ body: () throws -> Void) throws -> Double {
        var timings: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let elapsed = try ContinuousClock().measure(body)
            timings.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return timings.sorted()[timings.count / 2]
    }

    /// Runs a peer script with `python` and returns the JSON object it prints.
    static func runPython(_ python: String, _ arguments: [String], in directory: String? = nil) throws -> [String: Any]
    {
        let process = Process()
        process.executableURL = URL(filePath: python)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(filePath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ValidationError("the peer script \(arguments.first ?? "") failed (exit \(process.terminationStatus))")
        }
        return report
    }

    /// Runs a program to completion and returns its standard output.
    /// - Throws: when it exits non-zero.
    @discardableResult
    static func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
