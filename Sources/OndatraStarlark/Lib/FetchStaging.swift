import DuckDB
import Ondatra
import Starlark

/// A fetch's rows as they arrive, page by page, in a staging table of the model run's staging
/// file (an attached DuckDB database on disk): bulk-appended with the appender, so memory does not
/// grow with the rows fetched. The file is deleted when the model's run ends, so a failed, aborted
/// or cancelled fetch leaves nothing behind.
///
/// A column's type is only known once every row was seen (an int column becomes DOUBLE on a
/// later float, VARCHAR on a later string, JSON on a later list), so values are staged as they
/// are: each column has one staging column per kind of value it received (`BOOLEAN`, `BIGINT`,
/// `DOUBLE`, `VARCHAR`, `JSON`), added with `ALTER TABLE` when a kind first appears. Nothing is
/// lost, and ``finish(_:into:declared:dynamic:)`` turns them into the inferred type exactly as
/// ``RowCollector`` converts one value (see `FetchStaging+Finish.swift`). Used by the session's
/// own thread only.
final class FetchStaging {
    /// What a staged value is, as far as converting it later is concerned.
    enum Kind: Character, CaseIterable {
        case bool = "b", int = "i", float = "f", string = "s", json = "j"
        /// Anything else (a big int, a set, bytes, a time…), kept as its `str()`…
        case other = "o"
        /// …and as its JSON text, for a column that ends up JSON.
        case otherJSON = "p"

        /// The kind of `value`, nil for None; `otherJSON` is never a value's own kind.
        init?(of value: Starlark.Value) {
            switch value {
            case .none: return nil
            case .bool: self = .bool
            case .int: self = .int
            case .float: self = .float
            case .string: self = .string
            case .list, .tuple, .dict: self = .json
            default: self = .other
            }
        }

        /// The staging column's type.
        var sql: String {
            switch self {
            case .bool: "BOOLEAN"
            case .int: "BIGINT"
            case .float: "DOUBLE"
            case .string, .other, .otherJSON: "VARCHAR"
            case .json: "JSON"
            }
        }
    }

    let session: Session
    /// The attached database the tables are made in (the run's staging file).
    let catalog: String
    /// The staging table's name.
    let name: String
    /// Where the rows come from, for messages.
    let source: String
    /// The staging columns after the first, in table order: (column number, kind).
    private(set) var staged: [(column: Int, kind: Kind)] = []
    /// The kinds each column has a staging column for.
    private(set) var kinds: [Set<Kind>] = []
    /// Columns holding a value JSON cannot encode, with the error (only fatal if the column ends up JSON).
    var unencodable: [Int: String] = [:]
    /// Rows staged so far.
    private(set) var rows: Int64 = 0
    private var created = false

    init(session: Session, catalog: String, name: String, source: String) {
        self.session = session
        self.catalog = catalog
        self.name = name
        self.source = source
    }

    /// The staging column holding `column`'s values of `kind`.
    static func columnName(_ column: Int, _ kind: Kind) -> String { "\(column)\(kind.rawValue)" }

    /// The table, qualified and quoted.
    var qualified: String { qualified(name) }

    /// Table `table` of the staging file, qualified and quoted.
    func qualified(_ table: String) -> String { SQLLiteral.qualified([catalog, "main", table]) }

    /// Stages one page's rows: adds the staging columns new kinds of values need, then appends.
    func append(_ page: [[Starlark.Value]]) throws {
        guard !page.isEmpty else { return }
        var added: [(column: Int, kind: Kind)] = []
        for row in page {
            for (column, value) in row.enumerated() {
                guard let kind = Kind(of: value) else { continue }
                while kinds.count <= column { kinds.append([]) }
                guard !kinds[column].contains(kind) else { continue }
                kinds[column].insert(kind)
                added.append((column, kind))
                if kind == .other {
                    kinds[column].insert(.otherJSON)
                    added.append((column, .otherJSON))
                }
            }
        }
        try addColumns(added)
        do {
            let appender = try Appender(connection: session.connection, table: name, schema: "main", catalog: catalog)
            for row in page {
                // The first column only counts rows (a row may have no value but None).
                try appender.appendNull()
                for (column, kind) in staged {
                    let value = column < row.count ? row[column] : .none
                    try append(value, as: kind, column: column, to: appender)
                }
                try appender.endRow()
            }
            try appender.close()
        } catch let error as DuckDBError {
            throw OndatraError(.query, "\(source): loading rows failed: \(session.queryError(error).message)")
        }
        rows += Int64(page.count)
    }

    private func addColumns(_ added: [(column: Int, kind: Kind)]) throws {
        let definitions = added.map { "\(SQLLiteral.identifier(Self.columnName($0.column, $0.kind))) \($0.kind.sql)" }
        if !created {
            try session.execute(
                "CREATE OR REPLACE TABLE \(qualified) (\((["\"#\" BOOLEAN"] + definitions).joined(separator: ", ")))")
            created = true
        } else if !definitions.isEmpty {
            try session.execute(definitions.map { "ALTER TABLE \(qualified) ADD COLUMN \($0);" }.joined(separator: " "))
        }
        staged += added
    }

    /// Appends `value` to the staging column of `kind`, NULL when it is of another kind.
    private func append(_ value: Starlark.Value, as kind: Kind, column: Int, to appender: Appender) throws {
        switch (kind, value) {
        case (.bool, .bool(let flag)): try appender.append(.boolean(flag))
        case (.int, .int(let number)): try appender.append(Int64(number))
        case (.float, .float(let number)): try appender.append(number)
        case (.string, .string(let text)): try appender.append(text)
        case (.json, .list), (.json, .tuple), (.json, .dict):
            try appender.append(.varchar(try JSONModule.encode(value)))
        case (.other, _) where Kind(of: value) == .other: try appender.append(value.str)
        case (.otherJSON, _) where Kind(of: value) == .other:
            do {
                try appender.append(try JSONModule.encode(value))
            } catch let error as StarlarkError {
                unencodable[column] = unencodable[column] ?? error.description
                try appender.appendNull()
            }
        default: try appender.appendNull()
        }
    }
}
