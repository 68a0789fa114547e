import Foundation
import OndatraTesting

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL server of its own for a test: a new cluster in a temporary folder (Debian's
/// `postgresql` package; `.ci/run` installs it), on a free port of 127.0.0.1, stopped when released.
/// As root it runs as the `postgres` user, since PostgreSQL refuses to run as root.
final class PostgresServer {
    let port: Int
    private let directory: TemporaryDirectory
    private let binaries: URL
    private var data: URL { directory.url.appending(path: "data") }

    /// Why a server could not start.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted().last else {
            throw Failure(description: "PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
        }
        let binaries = URL(filePath: "/usr/lib/postgresql/\(version)/bin")
        let directory = try TemporaryDirectory()
        let data = directory.url.appending(path: "data")
        if getuid() == 0 { try Self.command("/bin/chown", ["-R", "postgres", directory.url.path]) }
        try Self.run(binaries, "initdb", ["-D", data.path, "-A", "trust", "-U", "postgres", "--no-sync"])
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            do {
                try Self.run(
                    binaries, "pg_ctl",
                    [
                        "-D", data.path, "-w", "-l", directory.url.appending(path: "log").path, "-o",
                        "-p \(port) -k \(directory.url.path) -c listen_addresses=127.0.0.1 -c fsync=off",
                        "start",
                    ])
                self.port = port
                self.binaries = binaries
                self.directory = directory
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? Failure(description: "PostgreSQL did not start")
    }

    deinit {
        try? Self.run(binaries, "pg_ctl", ["-D", data.path, "-m", "immediate", "stop"])
    }

    /// A libpq connection string to `database` as the `postgres` user.
    func connection(_ database: String) -> String {
        "dbname=\(database) host=127.0.0.1 port=\(port) user=postgres"
    }

    /// Runs `sql` with `psql` on `database`; its unaligned output.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.command(
            binaries.appending(path: "psql").path,
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-Atc", sql])
    }

    private static func run(_ binaries: URL, _ tool: String, _ arguments: [String]) throws {
        let path = binaries.appending(path: tool).path
        if getuid() == 0 {
            try command("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try command(path, arguments)
        }
    }

    /// Runs a program and returns what it printed, with `posix_spawn` and `waitpid`: Foundation's
    /// `Process` learns of the exit through a descriptor the child inherits, and the server
    /// `pg_ctl` starts would inherit it too and hold it open for ever.
    @discardableResult
    private static func command(_ path: String, _ arguments: [String]) throws -> String {
        let capture = FileManager.default.temporaryDirectory.appending(path: "ondatra-pg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: capture) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, capture.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "could not start \(path): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        // Exited normally with code 0 (the status's low 7 bits hold a signal, the next 8 the code).
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}
