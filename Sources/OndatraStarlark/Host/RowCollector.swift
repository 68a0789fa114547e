import DuckDB
import Ondatra
import Starlark

/// The rows a script saves (`save.row`) or a fetch returns, with column types inferred as they
/// arrive: a Starlark model's are loaded into a DuckDB table in one pass through the appender, a
/// fetch's are taken page by page (``takeRows()``) and staged as they come (``FetchStaging``).
final class RowCollector: @unchecked Sendable {
    /// A column's type, widened as values arrive.
    enum ColumnType: Equatable, Sendable {
        /// Only None so far.
        case unknown
        case boolean, bigint, double, varchar
        /// Lists and dicts, stored as JSON text.
        case json

        var sql: String {
            switch self {
            case .unknown, .varchar: "VARCHAR"
            case .boolean: "BOOLEAN"
            case .bigint: "BIGINT"
            case .double: "DOUBLE"
            case .json: "JSON"
            }
        }

        /// The narrowest type holding both.
        func widened(with other: ColumnType) -> ColumnType {
            switch (self, other) {
            case (.unknown, _): other
            case (_, .unknown): self
            case _ where self == other: self
            case (.bigint, .double), (.double, .bigint): .double
            case (.json, _), (_, .json): .json
            default: .varchar
            }
        }

        init(of value: Starlark.Value) {
            switch value {
            case .none: self = .unknown
            case .bool: self = .boolean
            case .int: self = .bigint
            case .float: self = .double
            case .list, .tuple, .dict: self = .json
            default: self = .varchar
            }
        }
    }

    private(set) var columns: [String] = []
    private(set) var types: [ColumnType] = []
    private var indexes: [String: Int] = [:]
    private(set) var rows: [[Starlark.Value]] = []
    /// Where the rows come from, for messages (`save.row`, `fetch`).
    let source: String

    init(source: String) {
        self.source = source
    }

    /// Rows added so far, taken ones included.
    private(set) var count = 0

    /// The columns and their types so far.
    var shape: FetchShape { FetchShape(columns: columns, types: types) }

    /// The rows added since the last call, given up by the collector (their columns and types
    /// stay known).
    func takeRows() -> [[Starlark.Value]] {
        defer { rows = [] }
        return rows
    }

    /// Adds one row: a dict with string keys.
    func add(_ row: Starlark.Value) throws {
        guard let entries = row.dictEntries else {
            throw StarlarkError("\(source): a row must be a dict, got \(row.typeName)")
        }
        var values = [Starlark.Value](repeating: .none, count: columns.count)
        for (key, value) in entries {
            guard case .string(let name) = key else {
                throw StarlarkError("\(source): column names must be strings, got \(key.typeName) \(key.repr)")
            }
            let index: Int
            if let known = indexes[name.lowercased()] {
                index = known
            } else {
                guard !name.isEmpty else { throw StarlarkError("\(source): a column name is empty") }
                index = columns.count
                indexes[name.lowercased()] = index
                columns.append(name)
                types.append(.unknown)
                values.append(.none)
            }
            types[index] = types[index].widened(with: ColumnType(of: value))
            values[index] = value
        }
        rows.append(values)
        count += 1
    }

    /// Creates `temp.main.table` with the inferred columns and appends every row.
    /// - Returns: the number of rows loaded.
    func load(into table: String, session: Session) throws -> Int64 {
        guard !columns.isEmpty else { throw OndatraError(.query, "\(source): the rows have no columns") }
        let definitions = zip(columns, types).map { "\(SQLLiteral.identifier($0)) \($1.sql)" }
        try session.execute(
            "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(table)) (\(definitions.joined(separator: ", ")))")
        let appender = try Appender(connection: session.connection, table: table, schema: "main", catalog: "temp")
        do {
            for row in rows {
                for (index, type) in types.enumerated() {
                    try appender.append(try duckValue(index < row.count ? row[index] : .none, as: type, column: index))
                }
                try appender.endRow()
            }
            try appender.close()
        } catch let error as DuckDBError {
            throw OndatraError(.query, "\(source): loading rows failed: \(session.queryError(error).message)")
        }
        return Int64(rows.count)
    }

    private func duckValue(_ value: Starlark.Value, as type: ColumnType, column: Int) throws -> DuckDB.Value {
        if value == .none { return .null }
        switch (type, value) {
        case (.boolean, .bool(let flag)): return .boolean(flag)
        case (.bigint, .int(let number)): return .bigint(Int64(number))
        case (.double, .int(let number)): return .double(Double(number))
        case (.double, .float(let number)): return .double(number)
        case (.json, _): return .varchar(try JSONModule.encode(value))
        case (_, .string(let text)): return .varchar(text)
        default: return .varchar(value.str)
        }
    }
}
