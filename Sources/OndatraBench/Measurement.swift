import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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

    /// A finished process: what it printed, how long it ran and its peak resident memory.
    struct Finished {
        var output: String
        var errors: String
        var seconds: Double
        /// The process's peak resident set size in bytes (`ru_maxrss` from `wait4`).
        var peakRSS: Int
    }

    /// Runs a program to completion with `environment` added to this process's, through
    /// `posix_spawn` and `wait4` so its peak resident memory is known; standard output and error go
    /// to files in `directory` and are read back.
    /// - Throws: when it cannot be started or exits non-zero (with the end of its standard error).
    static func runMeasured(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: URL
    ) throws -> Finished {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stdoutPath = directory.appending(path: "stdout.txt").path
        let stderrPath = directory.appending(path: "stderr.txt").path
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let started = ContinuousClock.now
        let pid = try spawn(executable, arguments, environment: merged, stdout: stdoutPath, stderr: stderrPath)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw ValidationError("wait4 failed: errno \(errno)") }
        }
        let elapsed = ContinuousClock.now - started
        let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        // Exited normally with status 0 (WIFEXITED and WEXITSTATUS, which Swift does not import).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw ValidationError(
                "\(executable) \(arguments.joined(separator: " ")) failed (wait status \(status)):\n"
                    + errors.suffix(2000))
        }
        return Finished(
            output: output, errors: errors,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            peakRSS: Int(usage.ru_maxrss) * 1024)
    }

    /// Starts `executable` with `arguments` and exactly `environment`, standard output and error
    /// going to the files `stdout` and `stderr` (created or emptied); returns its pid.
    /// - Throws: when it cannot be started.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], stdout: String, stderr: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw ValidationError("could not start \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }
}
