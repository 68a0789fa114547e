import ArgumentParser
import Foundation
import Starlark

/// Runs the programs in Benchmarks/starlark with our interpreter, starlark-go and starlark-rust
/// (the latter two through their PyPI wrappers) and prints the ratios.
struct StarlarkBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "starlark",
        abstract: "Starlark programs: our interpreter vs. starlark-go vs. starlark-rust."
    )

    @Option(help: "The folder holding the benchmark programs.")
    var programs = "Benchmarks/starlark"

    @Option(
        help: "A Python with starlark-go and starlark-pyo3 (scripts/bench-python sets one up); empty to skip the peers."
    )
    var python = ".build-bench/venv/bin/python"

    @Option(help: "Calls of main() per program; the median is reported.")
    var repetitions = 5

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: programs).filter { $0.hasSuffix(".star") }
            .sorted()
        var ours: [String: (seconds: Double, result: String)] = [:]
        for file in files {
            let source = try String(contentsOfFile: "\(programs)/\(file)", encoding: .utf8)
            let thread = StarlarkThread(name: file)
            let globals = try StarlarkProgram(source: source, file: file, options: .all).run(on: thread)
            guard let main = globals["main"] else { throw ValidationError("\(file) defines no main()") }
            var result = Value.none
            let seconds = try Measurement.median(repetitions) { result = try thread.call(main, Arguments()) }
            ours[file] = (seconds, result.str)
        }
        let peers = try peerTimings(files)
        print("Starlark programs, median of \(repetitions) calls of main(), one run")
        print("program                  ours (s)   go (s)   rust (s)  ours/go  ours/rust")
        for file in files {
            guard let mine = ours[file] else { continue }
            let name = file.padding(toLength: 24, withPad: " ", startingAt: 0)
            if let peer = peers[file] {
                let agree = peer.goResult == mine.result ? "" : "  (go returned \(peer.goResult), we \(mine.result))"
                print(
                    String(
                        format: "%@ %8.3f %8.3f %9.3f %8.2f %10.2f", name, mine.seconds, peer.go, peer.rust,
                        mine.seconds / peer.go, mine.seconds / peer.rust) + agree)
            } else {
                print(String(format: "%@ %8.3f", name, mine.seconds))
            }
        }
    }

    private struct PeerTiming {
        let go: Double
        let rust: Double
        let goResult: String
    }

    private func peerTimings(_ files: [String]) throws -> [String: PeerTiming] {
        guard !python.isEmpty, FileManager.default.isExecutableFile(atPath: python) else {
            print("peers skipped: \(python) not found (run scripts/bench-python)")
            return [:]
        }
        let report = try Measurement.runPython(python, ["peers.py"] + files, in: programs)
        var timings: [String: PeerTiming] = [:]
        for (file, value) in report {
            guard let entry = value as? [String: Any], let go = entry["go"] as? Double,
                let rust = entry["rust"] as? Double
            else { continue }
            timings[file] = PeerTiming(go: go, rust: rust, goResult: "\(entry["go_result"] ?? "")")
        }
        return timings
    }
}
