import ArgumentParser
import Foundation
import Ondatra

/// The `ondatrasql` command: SQL models into a DuckLake catalog, with API ingestion and sync.
public struct OndatraCommand: ParsableCommand {
    /// The command tree and its help text.
    public static let configuration = CommandConfiguration(
        commandName: "ondatrasql",
        abstract: "Data pipelines as SQL models, materialized into a DuckLake catalog.",
        discussion: """
            Exit codes: 0 success, 1 a model or query failed, 2 a usage or project error.
            The project is the folder holding config/catalog.sql: --project DIR, or the nearest
            one found walking up from the current directory.
            """,
        version: OndatraVersion.current,
        subcommands: [
            InitCommand.self, RunCommand.self, SandboxCommand.self, ListCommand.self, SQLCommand.self,
            HistoryCommand.self, DescribeCommand.self, StatsCommand.self, LineageCommand.self, SyncCommand.self,
            EventsCommand.self,
            VersionCommand.self,
        ]
    )

    @OptionGroup var global: GlobalOptions

    /// Creates the command; ArgumentParser fills in the options.
    public init() {}

    /// Parses the process arguments, runs the command and exits with the spec's exit codes.
    public static func runAndExit(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let error as OndatraError {
            printError(error.description)
            Foundation.exit(error.exitCode)
        } catch let error as CommandFailure {
            printError(error.message)
            Foundation.exit(error.exitCode)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            printError(message)
            // Argument parser reports usage problems as EX_USAGE (64); the spec says 2.
            Foundation.exit(code == .validationFailure || code.rawValue == 64 ? 2 : code.rawValue)
        }
    }

    static func printError(_ message: String) {
        let line = message.hasPrefix("Error:") || message.hasPrefix("error:") ? message : "error: " + message
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The project folder (default: the nearest folder with config/catalog.sql).", valueName: "DIR"))
    var project: String?

    @Flag(name: .customLong("no-color"), help: "Never colour the output (also: NO_COLOR set and not empty).")
    var noColor = false

    @Flag(name: [.short, .long], help: "Print only failures, warnings and the summary.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print details: how each model ran, what it read, its slowest statements.")
    var verbose = false

    func validate() throws {
        guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose exclude each other") }
    }

    /// How much to print: `-q`, `-v` or neither.
    var verbosity: Verbosity { quiet ? .quiet : verbose ? .verbose : .normal }

    /// Whether text written to `descriptor` may be coloured (see ``Terminal/usesColour(noColorFlag:environment:isTerminal:)``).
    func usesColour(on descriptor: Int32) -> Bool {
        Terminal.usesColour(
            noColorFlag: noColor, environment: ProcessInfo.processInfo.environment,
            isTerminal: Terminal.isTerminal(descriptor))
    }

    /// The project named by `--project`, or found from the current directory; the process then
    /// works from the project root so relative paths in SQL mean the same from anywhere.
    func resolveProject() throws -> Project {
        let manager = FileManager.default
        let current = URL(filePath: manager.currentDirectoryPath, directoryHint: .isDirectory)
        let found: Project
        if let project {
            found = try Project(root: URL(filePath: project, directoryHint: .isDirectory, relativeTo: current))
        } else {
            found = try Project.discover(from: current)
        }
        _ = manager.changeCurrentDirectoryPath(found.root.path)
        return found
    }
}

/// A command failed in a way that has already been explained; carries the exit code.
struct CommandFailure: Error {
    let message: String
    let exitCode: Int32
}

extension OndatraError {
    /// Project and configuration problems are usage errors (2); failed queries and models are 1.
    var exitCode: Int32 {
        switch code {
        case .project, .config: 2
        default: 1
        }
    }
}
