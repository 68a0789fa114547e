import ArgumentParser
import DuckDB
import Ondatra

/// `ondatrasql version`: ours and DuckDB's.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the versions of OndatraSQL, DuckDB and the DuckLake extension."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        print("ondatrasql \(OndatraVersion.current)")
        print("duckdb \(Database.libraryVersion)")
        // The extension's version needs it loaded; a missing extension is reported, not fatal.
        do {
            let connection = try Database(options: ["autoinstall_known_extensions": "false"]).connect()
            try connection.execute("LOAD ducklake")
            let version = try connection.scalar(
                "SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'ducklake'")
            print("ducklake \(version?.string ?? "unknown")")
        } catch {
            print("ducklake not installed (run scripts/bootstrap)")
        }
    }
}
