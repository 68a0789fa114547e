import ArgumentParser
import Foundation

/// The collector under test: the release binary's `ondatrasql --project DIR events 0 --json` as a
/// child process, on a free loopback port read from its first line
/// (`{"event":"listening","port":N,…}`).
final class CollectorUnderTest {
    /// The child process.
    let process: ChildProcess
    /// The port it listens on, on 127.0.0.1.
    let port: Int

    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the collector on `project` and waits (up to `timeout`) for its `listening` line.
    /// `ONDATRA_EVENTS_TOKEN` is removed from its environment, so no request needs a token.
    /// - Throws: when it cannot start, exits, or prints no port in time (it is killed then).
    static func start(
        ondatrasql: String, project: URL, logs: URL, name: String, timeout: Duration = .seconds(60)
    ) throws -> CollectorUnderTest {
        let process = try ChildProcess.start(
            ondatrasql, ["--project", project.path, "events", "0", "--json"], name: name, logs: logs,
            removing: ["ONDATRA_EVENTS_TOKEN"])
        do {
            let port = try listeningPort(of: process, timeout: timeout)
            return CollectorUnderTest(process: process, port: port)
        } catch {
            process.kill()
            throw error
        }
    }

    /// The port in the collector's first line, once it is written.
    private static func listeningPort(of process: ChildProcess, timeout: Duration) throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let output = process.output
            if let newline = output.firstIndex(of: "\n") {
                let line = String(output[..<newline])
                guard
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    object["event"] as? String == "listening", let port = object["port"] as? Int, port > 0
                else { throw ValidationError("the collector's first line is not a listening event: \(line)") }
                return port
            }
            if let exit = try process.poll() {
                throw ValidationError(
                    "the collector exited before listening (wait status \(exit.status)):\n\(process.errors())")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw ValidationError("the collector printed no port within \(timeout):\n\(process.errors())")
    }

    /// Stops it the way an operator does (SIGTERM: requests in flight answered, the buffer synced)
    /// and checks that it exited with status 0 after its `stopped` line.
    /// - Throws: when it had to be killed or did not stop cleanly.
    @discardableResult
    func stop() throws -> ChildProcess.Exit {
        let exit = try process.stop()
        guard exit.succeeded, process.output.contains(#"{"event":"stopped"}"#) else {
            throw ValidationError(
                "the collector did not stop cleanly (wait status \(exit.status)):\n\(process.errors())")
        }
        return exit
    }

    /// Kills it if it still runs (the error paths).
    func kill() {
        process.kill()
    }
}
