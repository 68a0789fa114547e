import CDuckDB

/// An open DuckDB database: in memory or backed by a file.
///
/// A `Database` may be shared between threads and tasks (DuckDB's database handle is
/// thread-safe); open one ``Connection`` per task that runs queries.
///
/// ```swift
/// let database = try Database(path: nil, options: ["threads": "2"])
/// let connection = try database.connect()
/// ```
public final class Database: @unchecked Sendable {
    /// The DuckDB version this module is written and tested against.
    public static let expectedVersion = "v1.5.5"

    /// The version the loaded DuckDB library reports, such as `v1.5.5`.
    public static var libraryVersion: String { String(cString: duckdb_library_version()) }

    // Immutable after init and destroyed only in deinit; DuckDB synchronises access internally.
    let handle: duckdb_database

    /// Opens a database.
    ///
    /// - Parameters:
    ///   - path: a database file, or `nil` (or `":memory:"`) for an in-memory database.
    ///   - options: DuckDB configuration options set before opening (`threads`,
    ///     `memory_limit`, `extension_directory`, …).
    /// - Throws: ``DuckDBError`` when the loaded library is not DuckDB 1.5.5, an option is
    ///   unknown or the file cannot be opened.
    public init(path: String? = nil, options: [String: String] = [:]) throws {
        try Self.checkLibraryVersion()
        var config: duckdb_config?
        guard duckdb_create_config(&config) == DuckDBSuccess, let config else {
            throw DuckDBError(message: "could not allocate a DuckDB configuration")
        }
        defer {
            var owned: duckdb_config? = config
            duckdb_destroy_config(&owned)
        }
        for (name, value) in options.sorted(by: { $0.key < $1.key }) {
            guard duckdb_set_config(config, name, value) == DuckDBSuccess else {
                throw DuckDBError(
                    kind: .invalidInput,
                    message: "invalid DuckDB option \(name) = '\(value)': unknown option or bad value")
            }
        }
        var database: duckdb_database?
        var errorText: UnsafeMutablePointer<CChar>?
        let state = duckdb_open_ext(path ?? ":memory:", &database, config, &errorText)
        guard state == DuckDBSuccess, let database else {
            let detail = errorText.map { String(cString: $0) } ?? "unknown error"
            if let errorText { duckdb_free(errorText) }
            throw DuckDBError(kind: .io, message: "could not open database \(path ?? ":memory:"): \(detail)")
        }
        handle = database
    }

    deinit {
        var owned: duckdb_database? = handle
        duckdb_close(&owned)
    }

    /// Opens a new connection. Each connection has its own transaction state and is meant to
    /// be used by one task at a time.
    public func connect() throws -> Connection {
        try Connection(database: self)
    }

    /// Throws when the loaded library is not the version this module was written against:
    /// the C API's struct layouts and the extensions are tied to it.
    static func checkLibraryVersion() throws {
        let version = libraryVersion
        guard version == expectedVersion else {
            throw DuckDBError(
                message: "DuckDB library version mismatch: loaded \(version), this build needs \(expectedVersion); "
                    + "run scripts/bootstrap to install the right library")
        }
    }
}
