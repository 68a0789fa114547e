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

    @Argument(help: "The SQL to run; several statements may be separated by ';' (the last one is printed).")
    var sql: String

    @Option(help: "Output format: table, csv, json or markdown.")
    var format: ResultFormat = .table

    func run() throws {
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
