import ArgumentParser
import Foundation

/// One `wrk --latency` run against the collector, and the figures its report gives.
struct WrkRun {
    /// Requests completed (`N requests in …`).
    var requests = 0
    /// `Requests/sec:`.
    var requestsPerSecond = 0.0
    /// The 50th and 99th percentile latencies of the Latency Distribution, in seconds.
    var p50 = 0.0
    var p99 = 0.0
    /// `Non-2xx or 3xx responses:` (0 when wrk prints no such line).
    var non2xx = 0
    /// `Socket errors: connect A, read B, write C, timeout D`, summed (0 without the line).
    var socketErrors = 0
    /// The socket errors line as wrk printed it, when there is one.
    var socketErrorsLine: String?
    /// wrk's own CPU time (user plus system), in seconds: what it took of the shared cores.
    var cpuSeconds = 0.0

    /// Runs `wrk -tT -cC -dSs --latency -s SCRIPT URL` and reads its report.
    /// - Throws: when wrk cannot be started, fails, runs far past its duration (it is killed) or
    ///   prints a report without the figures.
    static func run(
        wrk: String, script: String, url: String, threads: Int, connections: Int, seconds: Int, logs: URL,
        name: String
    ) throws -> WrkRun {
        let process = try ChildProcess.start(
            wrk,
            ["-t", String(threads), "-c", String(connections), "-d", "\(seconds)s", "--latency", "-s", script, url],
            name: name, logs: logs)
        defer { process.kill() }
        guard let exit = try process.wait(timeout: .seconds(seconds + 60)) else {
            throw ValidationError("wrk ran more than a minute past its \(seconds) s; killed")
        }
        guard exit.succeeded else {
            throw ValidationError("wrk failed (wait status \(exit.status)):\n\(process.errors())\(process.output)")
        }
        var parsed = try parse(process.output)
        parsed.cpuSeconds = exit.cpuSeconds
        return parsed
    }

    /// The figures in wrk's report (`--latency`).
    /// - Throws: when `Requests/sec:`, the request count or the 50% and 99% latencies are missing.
    static func parse(_ output: String) throws -> WrkRun {
        var run = WrkRun()
        var found = Set<String>()
        for raw in output.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), let value = words.last.flatMap({ Double($0) }) {
                run.requestsPerSecond = value
                found.insert("rate")
            } else if words.count > 2, words[1] == "requests", words[2] == "in", let value = Int(words[0]) {
                run.requests = value
                found.insert("requests")
            } else if line.hasPrefix("Non-2xx or 3xx responses:"), let value = words.last.flatMap({ Int($0) }) {
                run.non2xx = value
            } else if line.hasPrefix("Socket errors:") {
                run.socketErrors = words.compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
                    .reduce(0, +)
                run.socketErrorsLine = line
            } else if words.count == 2, words[0] == "50%", let value = latencySeconds(words[1]) {
                run.p50 = value
                found.insert("p50")
            } else if words.count == 2, words[0] == "99%", let value = latencySeconds(words[1]) {
                run.p99 = value
                found.insert("p99")
            }
        }
        let missing = ["rate", "requests", "p50", "p99"].filter { !found.contains($0) }
        guard missing.isEmpty else {
            throw ValidationError("could not read wrk's report (no \(missing.joined(separator: ", "))):\n\(output)")
        }
        return run
    }

    /// A wrk duration (`812.00us`, `2.35ms`, `1.02s`, `1.50m`) in seconds.
    static func latencySeconds(_ text: Substring) -> Double? {
        let units: [(suffix: String, scale: Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let value = Double(text.dropLast(unit.suffix.count)) else { return nil }
            return value * unit.scale
        }
        return nil
    }
}
