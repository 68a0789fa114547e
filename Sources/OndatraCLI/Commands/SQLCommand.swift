import ArgumentParser
import DuckDB
import Foundation
import Ondatra

/// `ondatrasql sql "…"`: runs SQL against the project's session and prints the result.
struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run SQL against the project's DuckLake catalog and print the result.",
        discussion: """
            The session is set up as for a run: .env loaded, config/*.sql applied, the catalog
            attached and selected, so `SELECT * FROM staging.orders` reads the catalog's table.
            SQL that writes (anything but SELECT, SET, PRAGMA, transaction control, LOAD) takes the
            project's lock like a run, and fails at once while another run or write holds it.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: ArgumentHelp(
            "The SQL to run; several statements may be separated by ';' (the last one is printed). "
                + "Without it, the SQL is read from -f FILE or from standard input."))
    var sql: String?

    @Option(
        name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("Read the SQL from FILE.", valueName: "FILE")
    )
    var file: String?

    @Option(help: "Output format: table, csv, json or markdown.")
    var format: ResultFormat = .table

    func validate() throws {
        if sql != nil && file != nil { throw ValidationError("give the SQL as an argument or with -f FILE, not both") }
    }

    /// The SQL from the argument, the file (read before the project is found, so a relative
    /// path means what it meant where the command was typed) or standard input.
    private func source() throws -> String {
        if let sql { return sql }
        let data: Data
        let origin: String
        if let file {
            origin = file
            do {
                data = try Data(contentsOf: URL(filePath: file))
            } catch {
                throw CommandFailure(message: "could not read \(file): \(error.localizedDescription)", exitCode: 2)
            }
        } else {
            guard isatty(STDIN_FILENO) == 0 else {
                throw CommandFailure(
                    message:
                        "no SQL: give it as an argument (ondatrasql sql \"SELECT 1\"), with -f FILE, or on standard input",
                    exitCode: 2)
            }
            origin = "standard input"
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = ModelDiscovery.firstInvalidUTF8Byte(in: data)
            throw CommandFailure(
                message:
                    "\(origin) is not UTF-8 text (the byte at offset \(offset) is not valid UTF-8); save it as UTF-8",
                exitCode: 2)
        }
        let trimmed = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        guard !trimmed.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CommandFailure(message: "no SQL in \(origin)", exitCode: 2)
        }
        return trimmed
    }

    func run() throws {
        let sql = try source()
        let project = try global.resolveProject()
        let session = try Session(project: project)
        // Writes wait for no one: a run working on the project would fail on a locked catalog.
        var lock: ProjectLock?
        if try session.mayWrite(sql) {
            do {
                lock = try ProjectLock(project: project, command: "sql")
            } catch let error as OndatraError {
                throw OndatraError(
                    error.code, "this SQL writes, and \(error.message)", file: error.file, line: error.line)
            }
        }
        defer { withExtendedLifetime(lock) {} }
        let output = StandardOutput()
        let result = try session.query(sql)
        do {
            try format.write(result, to: output)
        } catch let error as DuckDBError {
            output.flush()
            throw session.queryError(error)
        }
        output.flush()
    }
}

extension ResultFormat: ExpressibleByArgument {}
