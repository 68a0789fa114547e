import CDuckDB

/// An error reported by DuckDB or by this API's checks around it.
///
/// The ``message`` is DuckDB's own text (for example `Catalog Error: Table with name x does not
/// exist!`); ``sql`` is the statement that failed, when there was one.
public struct DuckDBError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The broad class of the failure, as DuckDB reports it.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// DuckDB's `duckdb_error_type` value; 0 for errors raised by this Swift API.
        public let rawValue: Int

        /// Creates a kind from DuckDB's raw error type.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// No more specific class: raised by this Swift API, or DuckDB's `DUCKDB_ERROR_INVALID`.
        public static let other = Kind(rawValue: 0)
        /// A parse (syntax) error.
        public static let parser = Kind(rawValue: Int(DUCKDB_ERROR_PARSER.rawValue))
        /// A reference to a table, schema or function that does not exist.
        public static let catalog = Kind(rawValue: Int(DUCKDB_ERROR_CATALOG.rawValue))
        /// A type or value conversion failed.
        public static let conversion = Kind(rawValue: Int(DUCKDB_ERROR_CONVERSION.rawValue))
        /// A constraint (NOT NULL, UNIQUE, CHECK, …) was violated.
        public static let constraint = Kind(rawValue: Int(DUCKDB_ERROR_CONSTRAINT.rawValue))
        /// A name could not be bound (unknown column, wrong argument types, …).
        public static let binder = Kind(rawValue: Int(DUCKDB_ERROR_BINDER.rawValue))
        /// The query was interrupted.
        public static let interrupt = Kind(rawValue: Int(DUCKDB_ERROR_INTERRUPT.rawValue))
        /// A transaction conflict or misuse.
        public static let transaction = Kind(rawValue: Int(DUCKDB_ERROR_TRANSACTION.rawValue))
        /// An input/output failure.
        public static let io = Kind(rawValue: Int(DUCKDB_ERROR_IO.rawValue))
        /// An invalid input value.
        public static let invalidInput = Kind(rawValue: Int(DUCKDB_ERROR_INVALID_INPUT.rawValue))

        /// `other` or the raw DuckDB error type.
        public var description: String { self == .other ? "other" : "duckdb error type \(rawValue)" }
    }

    /// The broad class of the failure.
    public let kind: Kind
    /// DuckDB's message, or this API's own.
    public let message: String
    /// The SQL that failed, when the failure belongs to a statement.
    public let sql: String?
    /// Where in ``sql`` the parser stopped (a byte offset), when DuckDB says.
    public let position: Int?

    /// Creates an error.
    public init(kind: Kind = .other, message: String, sql: String? = nil, position: Int? = nil) {
        self.kind = kind
        self.message = message
        self.sql = sql
        self.position = position
    }

    /// The message, then the failing SQL (cut after 2,000 characters).
    public var description: String {
        guard let sql else { return message }
        return "\(message)\nSQL: \(Self.abbreviated(sql))"
    }

    /// Long statements are cut so an error stays readable; the head is where people look first.
    private static func abbreviated(_ sql: String) -> String {
        let trimmed = sql.trimmingWhitespace
        guard trimmed.utf8.count > 2_000 else { return trimmed }
        return String(trimmed.prefix(2_000)) + " …"
    }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
