import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process of the events benchmark (the collector, wrk), started with `posix_spawn`, its
/// standard output and error in files. It is reaped with `wait4`, so its CPU time and peak
/// resident memory are known; whoever starts one stops it on every path (``stop(timeout:)`` when
/// all went well, ``kill()`` otherwise), and `deinit` kills one that is still running.
final class ChildProcess {
    /// How a child ended, from `wait4`.
    struct Exit {
        /// The raw wait status.
        var status: Int32
        /// Wall time from the spawn to the reaping, in seconds.
        var seconds: Double
        /// User plus system CPU time, in seconds.
        var cpuSeconds: Double
        /// Peak resident set size in bytes (`ru_maxrss`).
        var peakRSS: Int

        /// Exited normally with status 0 (WIFEXITED and WEXITSTATUS, which Swift does not import).
        var succeeded: Bool { status & 0x7f == 0 && (status >> 8) & 0xff == 0 }
    }

    /// The process id.
    let pid: pid_t
    /// The executable and arguments, for messages.
    let commandLine: String
    /// Where its standard output goes.
    let stdoutPath: String
    /// Where its standard error goes.
    let stderrPath: String
    /// Set once it has been reaped.
    private(set) var exit: Exit?
    private let started = ContinuousClock.now

    private init(pid: pid_t, commandLine: String, stdoutPath: String, stderrPath: String) {
        self.pid = pid
        self.commandLine = commandLine
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    deinit {
        kill()
    }

    /// Starts `executable` with `arguments`, standard output and error in `logs/NAME.stdout` and
    /// `logs/NAME.stderr`, and this process's environment minus `removing`.
    /// - Throws: when the log folder cannot be made or the spawn fails.
    static func start(
        _ executable: String, _ arguments: [String], name: String, logs: URL, removing: Set<String> = []
    ) throws -> ChildProcess {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let stdoutPath = logs.appending(path: "\(name).stdout").path
        let stderrPath = logs.appending(path: "\(name).stderr").path
        let environment = ProcessInfo.processInfo.environment.filter { !removing.contains($0.key) }
        let pid = try Measurement.spawn(
            executable, arguments, environment: environment, stdout: stdoutPath, stderr: stderrPath)
        return ChildProcess(
            pid: pid, commandLine: ([executable] + arguments).joined(separator: " "), stdoutPath: stdoutPath,
            stderrPath: stderrPath)
    }

    /// What it has written to standard output so far.
    var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// The last `characters` of what it has written to standard error.
    func errors(last characters: Int = 2000) -> String {
        String(((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "").suffix(characters))
    }

    /// Reaps it if it has ended, without waiting; nil while it runs.
    /// - Throws: when `wait4` fails for another reason than an interrupted call.
    @discardableResult
    func poll() throws -> Exit? {
        if let exit { return exit }
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped == 0 { return nil }
            guard errno == EINTR else { throw ValidationError("wait4 on \(commandLine) failed: errno \(errno)") }
        }
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
        let ended = Exit(
            status: status, seconds: Self.seconds(ContinuousClock.now - started), cpuSeconds: cpu,
            peakRSS: Int(usage.ru_maxrss) * 1024)
        exit = ended
        return ended
    }

    /// Waits up to `timeout` for it to end; nil if it still runs then.
    /// - Throws: when `wait4` fails.
    func wait(timeout: Duration) throws -> Exit? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let ended = try poll() { return ended }
            if ContinuousClock.now >= deadline { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Sends SIGTERM and waits up to `timeout` for it to end; SIGKILLs it if it does not.
    /// - Throws: when it had to be killed, or `wait4` fails.
    func stop(timeout: Duration = .seconds(60)) throws -> Exit {
        if let exit { return exit }
        Glibc.kill(pid, SIGTERM)
        if let ended = try wait(timeout: timeout) { return ended }
        kill()
        throw ValidationError("\(commandLine) did not stop within \(timeout) of SIGTERM; killed")
    }

    /// SIGKILLs it and reaps it, if it still runs. Safe to call more than once.
    func kill() {
        guard exit == nil else { return }
        Glibc.kill(pid, SIGKILL)
        _ = try? wait(timeout: .seconds(10))
    }

    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
