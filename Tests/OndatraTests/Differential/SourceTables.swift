/// The five sources of a differential project, each a CSV file the test rewrites between runs
/// and a source model that reads it with fixed column types (so a column of NULLs never changes
/// type from one round to the next).
enum SourceTable: String, CaseIterable, Sendable {
    /// `raw.orders`: `tracked` by `order_id`, one row per key: inserts, updates (delete + insert), deletes.
    case orders
    /// `raw.customers`: `merge` by `customer_id`: inserts and real updates; rows dropped from the
    /// file stay in the table (merge never deletes).
    case customers
    /// `raw.refunds`: `partition` by `reason` over a file, so partitions are compared by content hash.
    case refunds
    /// `raw.events`: `append`: a log that grows, repeats some rows and is sometimes rotated.
    case events
    /// `raw.segments`: `table`, rebuilt whenever its file changes.
    case segments

    /// The file the source model reads, relative to the project.
    var file: String { "data/\(rawValue).csv" }

    /// Column names and DuckDB types, in file order.
    var columns: [(name: String, type: String)] {
        switch self {
        case .orders:
            [
                ("order_id", "BIGINT"), ("customer_id", "BIGINT"), ("day", "VARCHAR"), ("status", "VARCHAR"),
                ("amount", "DECIMAL(10,2)"), ("qty", "INTEGER"),
            ]
        case .customers:
            [("customer_id", "BIGINT"), ("name", "VARCHAR"), ("segment", "VARCHAR"), ("country", "VARCHAR")]
        case .refunds:
            [
                ("refund_id", "BIGINT"), ("order_id", "BIGINT"), ("customer_id", "BIGINT"), ("reason", "VARCHAR"),
                ("amount", "DECIMAL(10,2)"),
            ]
        case .events:
            [("event_id", "BIGINT"), ("customer_id", "BIGINT"), ("action", "VARCHAR"), ("points", "INTEGER")]
        case .segments:
            [("segment", "VARCHAR"), ("discount", "INTEGER")]
        }
    }

    /// The kind of the source model.
    var kind: String {
        switch self {
        case .orders: "tracked"
        case .customers: "merge"
        case .refunds: "partition"
        case .events: "append"
        case .segments: "table"
        }
    }

    /// The source model's `@unique_key`, if its kind needs one.
    var key: [String] {
        switch self {
        case .orders: ["order_id"]
        case .customers: ["customer_id"]
        case .refunds: ["reason"]
        case .events, .segments: []
        }
    }

    /// The source model's query: the whole file, read with fixed types.
    func query(projectRoot: String) -> String {
        let types = columns.map { "'\($0.name)': '\($0.type)'" }.joined(separator: ", ")
        return "SELECT * FROM read_csv('\(projectRoot)/\(file)', header = true, columns = {\(types)})"
    }

    /// The CSV text of `rows`: a header, then one line per row; NULL is an empty field.
    func csv(_ rows: [[String?]]) -> String {
        var lines = [columns.map(\.name).joined(separator: ",")]
        for row in rows { lines.append(row.map { $0 ?? "" }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }
}
