import DuckDB
import Ondatra
import Starlark

/// Turning the staged values into the fetch's table, each column of its inferred type.
extension FetchStaging {
    /// Makes `table` in the staging file from the staged rows: each column of `shape`'s type, its
    /// values converted as ``RowCollector`` converts them, or of its `declared` type (cast by
    /// DuckDB); columns not declared are an error unless `dynamic`. Without declared columns it is
    /// a view of the staging table, so the rows are not copied once more; with them, a table, so
    /// a value that does not fit its type fails here, naming the lib function.
    /// - Returns: the number of rows (none when no row had a column).
    func finish(_ shape: FetchShape, into table: String, declared: [(String, String)], dynamic: Bool) throws -> Int64 {
        let declaredNames = Set(declared.map { $0.0.lowercased() })
        let extra = shape.columns.filter { !declaredNames.contains($0.lowercased()) }
        if !extra.isEmpty && !dynamic {
            throw OndatraError(
                .query,
                "\(source): column(s) \(extra.joined(separator: ", ")) are not in the API's fetch columns; declare them or set \"dynamic_columns\": True"
            )
        }
        let target = qualified(table)
        guard !shape.columns.isEmpty else {
            guard !declared.isEmpty else { throw OndatraError(.query, "\(source): the rows have no columns") }
            let nulls = declared.map { "CAST(NULL AS \($1)) AS \(SQLLiteral.identifier($0))" }
            try session.execute(
                "CREATE OR REPLACE TABLE \(target) AS SELECT \(nulls.joined(separator: ", ")) WHERE false")
            return 0
        }
        var inferred: [String] = []
        for (column, (name, type)) in zip(shape.columns, shape.types).enumerated() {
            if needsText(column, type) { try stageText(column, type) }
            inferred.append("\(try expression(column, type)) AS \(SQLLiteral.identifier(name))")
        }
        guard !declared.isEmpty else {
            try session.execute(
                "CREATE OR REPLACE VIEW \(target) AS SELECT \(inferred.joined(separator: ", ")) FROM \(qualified)")
            return rows
        }
        let present = Set(shape.columns.map { $0.lowercased() })
        var selections = declared.map { name, type in
            present.contains(name.lowercased())
                ? "CAST(\(SQLLiteral.identifier(name)) AS \(type)) AS \(SQLLiteral.identifier(name))"
                : "CAST(NULL AS \(type)) AS \(SQLLiteral.identifier(name))"
        }
        selections += extra.map(SQLLiteral.identifier)
        do {
            try session.execute(
                """
                CREATE OR REPLACE TABLE \(target) AS
                SELECT \(selections.joined(separator: ", "))
                FROM (SELECT \(inferred.joined(separator: ", ")) FROM \(qualified))
                """)
        } catch let error as OndatraError {
            throw OndatraError(.query, "\(source): a value does not fit its declared column type: \(error.message)")
        }
        return rows
    }

    /// The SQL giving `column`'s values as `type`, from its staging columns.
    private func expression(_ column: Int, _ type: RowCollector.ColumnType) throws -> String {
        let present = column < kinds.count ? kinds[column] : []
        let staged = { (kind: Kind) in SQLLiteral.identifier(Self.columnName(column, kind)) }
        let text = SQLLiteral.identifier("\(column)t")
        var parts: [String] = []
        switch type {
        case .unknown:
            return "CAST(NULL AS VARCHAR)"
        case .boolean:
            parts = [staged(.bool)]
        case .bigint:
            parts = [staged(.int)]
        case .double:
            if present.contains(.int) { parts.append("CAST(\(staged(.int)) AS DOUBLE)") }
            if present.contains(.float) { parts.append(staged(.float)) }
        case .varchar:
            if present.contains(.bool) {
                parts.append("CASE \(staged(.bool)) WHEN true THEN 'True' WHEN false THEN 'False' END")
            }
            if present.contains(.int) { parts.append("CAST(\(staged(.int)) AS VARCHAR)") }
            if present.contains(.float) { parts.append(text) }
            if present.contains(.string) { parts.append(staged(.string)) }
            if present.contains(.other) { parts.append(staged(.other)) }
        case .json:
            if let message = unencodable[column] { throw StarlarkError(message) }
            guard present != [.json] else { return staged(.json) }
            if present.contains(.json) { parts.append("CAST(\(staged(.json)) AS VARCHAR)") }
            if present.contains(.bool) {
                parts.append("CASE \(staged(.bool)) WHEN true THEN 'true' WHEN false THEN 'false' END")
            }
            if present.contains(.int) { parts.append("CAST(\(staged(.int)) AS VARCHAR)") }
            if !present.isDisjoint(with: [.float, .string]) { parts.append(text) }
            if present.contains(.other) { parts.append(staged(.otherJSON)) }
            return "CAST(\(parts.count == 1 ? parts[0] : "coalesce(\(parts.joined(separator: ", ")))") AS JSON)"
        }
        guard !parts.isEmpty else { return "CAST(NULL AS \(type.sql))" }
        return parts.count == 1 ? parts[0] : "coalesce(\(parts.joined(separator: ", ")))"
    }

    /// Rows read at once when converting values in Swift.
    static let textSlice: Int64 = 50_000

    /// Whether some of `column`'s values only convert to `type` through Swift: floats as text
    /// (Starlark's `str`) or as JSON, and strings as JSON.
    private func needsText(_ column: Int, _ type: RowCollector.ColumnType) -> Bool {
        let present = column < kinds.count ? kinds[column] : []
        switch type {
        case .varchar: return present.contains(.float)
        case .json: return !present.isDisjoint(with: [.float, .string])
        default: return false
        }
    }

    /// Adds staging column `<column>t` holding those values converted in Swift, streaming the
    /// staged ones through a side table joined back on `rowid`.
    private func stageText(_ column: Int, _ type: RowCollector.ColumnType) throws {
        let present = kinds[column]
        let sideQualified = qualified(name + "_text")
        defer { _ = try? session.execute("DROP TABLE IF EXISTS \(sideQualified)") }
        try session.execute("CREATE OR REPLACE TABLE \(sideQualified) (rid BIGINT, text VARCHAR)")
        let float = present.contains(.float) ? SQLLiteral.identifier(Self.columnName(column, .float)) : "NULL::DOUBLE"
        let string =
            present.contains(.string) && type == .json
            ? SQLLiteral.identifier(Self.columnName(column, .string)) : "NULL::VARCHAR"
        let appender = try Appender(
            connection: session.connection, table: name + "_text", schema: "main", catalog: catalog)
        // In slices of rows, each read to its end before its values are appended: the appender
        // must not write while a streaming result is still open on the same connection. Row ids
        // need not start at 0 (rows a transaction has not committed yet number from 2^55).
        let bounds = try session.query("SELECT min(rowid), max(rowid) FROM \(qualified)").allRows().first ?? []
        var start = bounds.first?.int64 ?? 0
        let last = bounds.last?.int64 ?? -1
        while start <= last {
            let slice = try session.query(
                "SELECT rowid, \(float), \(string) FROM \(qualified) WHERE rowid >= \(start) AND rowid < \(start + Self.textSlice) AND (\(float) IS NOT NULL OR \(string) IS NOT NULL)"
            ).allRows()
            for row in slice where row.count == 3 {
                let value: Starlark.Value =
                    row[1].isNull ? .string(row[2].string ?? "") : .float(row[1].double ?? .nan)
                try appender.append(row[0].int64 ?? -1)
                try appender.append(type == .json ? try JSONModule.encode(value) : value.str)
                try appender.endRow()
            }
            start += Self.textSlice
        }
        try appender.close()
        let text = SQLLiteral.identifier("\(column)t")
        try session.execute(
            """
            ALTER TABLE \(qualified) ADD COLUMN \(text) VARCHAR;
            UPDATE \(qualified) SET \(text) = s.text FROM \(sideQualified) AS s WHERE \(qualified).rowid = s.rid;
            """)
    }
}
