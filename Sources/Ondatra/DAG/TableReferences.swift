import DuckDB

/// The tables and table functions a SQL statement reads, found with DuckDB's own parser
/// (`json_serialize_sql`): FROM, JOIN, CTE bodies, subqueries and set operations alike.
public struct TableReferences: Sendable, Hashable {
    /// A table named in the statement.
    public struct Table: Sendable, Hashable {
        /// The catalog as written, or empty.
        public let catalog: String
        /// The schema as written, or empty.
        public let schema: String
        /// The table name.
        public let table: String
        /// The alias given in the SQL, or empty.
        public let alias: String
        /// The byte offset of the reference in the SQL.
        public let location: Int
    }

    /// Tables, in order of appearance; CTE names are left out.
    public let tables: [Table]
    /// Table functions (`FROM name(…)`), by name.
    public let functions: [String]
    /// Files the statement reads: literal paths or globs given to DuckDB's file readers
    /// (`read_parquet('data/*.parquet')`, `read_csv(['a.csv', 'b.csv'])`) or named in FROM (`FROM 'x.csv'`).
    public var filePatterns: [String] = []
    /// Output column → source column for plain column references (see ``ColumnLineage``).
    public var lineage: [String: String] = [:]
    /// Whether a file reader gets a path that is not a literal (so the files cannot be known before running).
    public var readsComputedFilePaths = false
    /// Table function calls (`FROM name(args)`), in the order the parser lists them.
    public var tableFunctionCalls: [FunctionCall] = []
    /// The parsed plan (`json_serialize_sql`), which incremental runs analyze and rewrite; nil for
    /// the merged references of several statements.
    public var plan: JSONValue?
    /// Names of the common table expressions the statement defines, lower-cased.
    public var cteNames: Set<String> = []

    /// A table function call: its name and the byte offset where it starts in the SQL.
    public struct FunctionCall: Sendable, Hashable {
        /// The function's name as written.
        public let name: String
        /// The byte offset of the call in the SQL.
        public let location: Int
    }

    /// The table functions that read the files named in their first argument.
    static let fileReaders: Set<String> = [
        "read_parquet", "parquet_scan", "read_csv", "read_csv_auto", "read_json", "read_json_auto",
        "read_ndjson", "read_ndjson_auto", "read_json_objects", "read_ndjson_objects", "read_text", "read_blob",
    ]

    /// Table functions that read nothing but their arguments (`FROM range(10)`): a model using
    /// them reads no input a run must follow.
    static let readingNothing: Set<String> = ["range", "generate_series", "unnest", "repeat_row"]

    /// Creates references from what a statement was found to read.
    public init(tables: [Table], functions: [String]) {
        self.tables = tables
        self.functions = functions
    }

    /// The references of two statements together (a Starlark model's several queries); column
    /// lineage is left out, since no single statement makes the output.
    public func merging(_ other: TableReferences) -> TableReferences {
        var merged = TableReferences(tables: tables + other.tables, functions: functions + other.functions)
        merged.filePatterns = filePatterns + other.filePatterns
        merged.readsComputedFilePaths = readsComputedFilePaths || other.readsComputedFilePaths
        merged.tableFunctionCalls = tableFunctionCalls + other.tableFunctionCalls
        return merged
    }

    /// Whether the statement reads only tables of `models` (in `catalog`) and local files it names
    /// literally, so nothing it reads can change without a commit or a file changing.
    public func readsOnlyModelsAndFiles(catalog: String, models: Set<Target>) -> Bool {
        guard !readsComputedFilePaths,
            functions.allSatisfy({
                Self.fileReaders.contains($0.lowercased()) || Self.readingNothing.contains($0.lowercased())
            })
        else {
            return false
        }
        return tables.allSatisfy { table in
            Self.isFileName(table) || Self.modelTarget(table, catalog: catalog, models: models) != nil
        }
    }

    /// A FROM item such as `'data/orders.csv'`: DuckDB reads it as a file (a replacement scan).
    static func isFileName(_ table: Table) -> Bool {
        table.catalog.isEmpty && table.schema.isEmpty && (table.table.contains("/") || table.table.contains("."))
    }

    /// Parses `sql` on `connection`.
    /// - Throws: ``DuckDBError`` with DuckDB's parser message when the SQL does not parse.
    public static func of(_ sql: String, on connection: Connection) throws -> TableReferences {
        guard let parsed = try of([sql], on: connection).first else {
            return TableReferences(tables: [], functions: [])
        }
        return try parsed.get()
    }

    /// Parses every statement of `sqls` in one query (each query on a catalog costs a round trip
    /// to its metadata store, so a project's models are parsed together).
    /// - Returns: per statement, its references or DuckDB's parser error.
    /// - Throws: ``DuckDBError`` when the query itself fails.
    public static func of(_ sqls: [String], on connection: Connection) throws -> [Result<TableReferences, DuckDBError>]
    {
        guard !sqls.isEmpty else { return [] }
        // The function wants constant strings, not parameters.
        let values = sqls.enumerated().map { "(\($0.offset), json_serialize_sql(\(SQLLiteral.quote($0.element))))" }
        var texts = [String](repeating: "{}", count: sqls.count)
        for row in try connection.rows("SELECT * FROM (VALUES \(values.joined(separator: ", ")))") {
            if let index = row[0].int64.map(Int.init), texts.indices.contains(index), let text = row[1].string {
                texts[index] = text
            }
        }
        return zip(sqls, texts).map { sql, text in
            Result { try parse(serialized: text, sql: sql) }.mapError { error in
                error as? DuckDBError ?? DuckDBError(kind: .parser, message: "\(error)", sql: sql)
            }
        }
    }

    /// "a CREATE", "an INSERT", … for the first word of `sql` after comments; "another kind of".
    private static func notSelectKeyword(_ sql: String) -> String {
        var rest = Substring(sql)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        let word = rest.prefix { $0.isLetter }.uppercased()
        guard !word.isEmpty else { return "another kind of" }
        return ("AEIOU".contains(word.first ?? "X") ? "an " : "a ") + word
    }

    /// The references in `text`, the JSON `json_serialize_sql` made of `sql`.
    private static func parse(serialized text: String, sql: String) throws -> TableReferences {
        let tree = try JSONValue.parse(text)
        if tree["error"] == .bool(true) {
            let message = tree["error_message"]?.stringValue ?? "could not parse SQL"
            // DuckDB's wording for CREATE, INSERT, PRAGMA… speaks of its serializer, not of models.
            if message.contains("Only SELECT statements can be serialized") {
                let keyword = notSelectKeyword(sql)
                throw DuckDBError(
                    kind: .parser,
                    message: "a model is one query (a SELECT, or WITH … SELECT) whose rows fill its table; "
                        + "this is \(keyword) statement. Write the SELECT instead: the model's kind decides how its "
                        + "rows are written",
                    sql: sql)
            }
            throw DuckDBError(
                kind: .parser, message: message, sql: sql, position: tree["position"]?.stringValue.flatMap { Int($0) })
        }
        var cteNames: Set<String> = []
        var tables: [Table] = []
        var functions: [String] = []
        var files = FileArguments()
        var calls: [FunctionCall] = []
        walk(
            tree, visibleCTEs: [], cteNames: &cteNames, tables: &tables, functions: &functions, files: &files,
            calls: &calls)
        let filtered = tables
        var references = TableReferences(tables: filtered, functions: functions)
        references.filePatterns = files.patterns + filtered.filter(isFileName).map(\.table)
        references.readsComputedFilePaths = files.computed
        references.tableFunctionCalls = calls
        references.lineage = ColumnLineage.of(tree: tree)
        references.plan = tree
        references.cteNames = cteNames
        return references
    }

    /// Paths found in file readers' first arguments while walking the tree.
    private struct FileArguments {
        var patterns: [String] = []
        var computed = false

        /// Takes in a reader's first argument: a string constant or a list of them.
        mutating func add(_ argument: JSONValue?) {
            guard let argument else {
                computed = true
                return
            }
            if argument["class"]?.stringValue == "CONSTANT",
                argument["value"]?["type"]?["id"]?.stringValue == "VARCHAR",
                let path = argument["value"]?["value"]?.stringValue
            {
                patterns.append(path)
            } else if argument["class"]?.stringValue == "FUNCTION",
                argument["function_name"]?.stringValue == "list_value",
                let items = argument["children"]?.arrayValue
            {
                for item in items { add(item) }
            } else {
                computed = true
            }
        }
    }

    /// Collects what `node` reads. `visibleCTEs` are the CTE names in scope: a WITH's names
    /// hide tables of those names in its own query (its CTE bodies included) and nowhere else, so
    /// `orders` read outside a subquery that defines a CTE `orders` is still the table.
    private static func walk(
        _ node: JSONValue, visibleCTEs: Set<String>, cteNames: inout Set<String>, tables: inout [Table],
        functions: inout [String], files: inout FileArguments, calls: inout [FunctionCall]
    ) {
        switch node {
        case .object(let members):
            var visibleCTEs = visibleCTEs
            if let entries = members["cte_map"]?["map"]?.arrayValue {
                for entry in entries {
                    guard let key = entry["key"]?.stringValue?.lowercased() else { continue }
                    cteNames.insert(key)
                    visibleCTEs.insert(key)
                }
            }
            switch members["type"]?.stringValue {
            case "BASE_TABLE":
                let unqualified =
                    (members["catalog_name"]?.stringValue ?? "").isEmpty
                    && (members["schema_name"]?.stringValue ?? "").isEmpty
                if unqualified && visibleCTEs.contains((members["table_name"]?.stringValue ?? "").lowercased()) {
                    break
                }
                tables.append(
                    Table(
                        catalog: members["catalog_name"]?.stringValue ?? "",
                        schema: members["schema_name"]?.stringValue ?? "",
                        table: members["table_name"]?.stringValue ?? "", alias: members["alias"]?.stringValue ?? "",
                        location: Int(members["query_location"]?.intValue ?? 0)))
            case "TABLE_FUNCTION":
                if let name = members["function"]?["function_name"]?.stringValue {
                    functions.append(name)
                    calls.append(FunctionCall(name: name, location: Int(members["query_location"]?.intValue ?? -1)))
                    if fileReaders.contains(name.lowercased()) {
                        files.add(members["function"]?["children"]?.arrayValue?.first)
                    }
                }
            default: break
            }
            // Visit members in a fixed order so results do not depend on dictionary order.
            for key in members.keys.sorted() {
                if let child = members[key] {
                    walk(
                        child, visibleCTEs: visibleCTEs, cteNames: &cteNames, tables: &tables,
                        functions: &functions, files: &files, calls: &calls)
                }
            }
        case .array(let items):
            for item in items {
                walk(
                    item, visibleCTEs: visibleCTEs, cteNames: &cteNames, tables: &tables, functions: &functions,
                    files: &files, calls: &calls)
            }
        default: break
        }
    }

    /// The model targets among the referenced tables, in order of appearance, without repeats.
    public func targets(catalog: String, models: Set<Target>) -> [Target] {
        var seen: Set<Target> = []
        var result: [Target] = []
        for table in tables {
            if let target = Self.modelTarget(table, catalog: catalog, models: models), seen.insert(target).inserted {
                result.append(target)
            }
        }
        return result
    }

    /// The model `table` names: in `catalog` or no catalog, schema `main` when none is given, and
    /// matched without regard to case, as DuckDB matches identifiers.
    /// The model a base table of a parsed plan names, unless it names one of the statement's CTEs.
    func modelTarget(_ table: PlanTable, catalog: String, models: Set<Target>) -> Target? {
        if table.catalog.isEmpty && table.schema.isEmpty && cteNames.contains(table.table.lowercased()) { return nil }
        return Self.modelTarget(
            Table(catalog: table.catalog, schema: table.schema, table: table.table, alias: table.alias, location: 0),
            catalog: catalog, models: models)
    }

    static func modelTarget(_ table: Table, catalog: String, models: Set<Target>) -> Target? {
        // Targets match without regard to case; the model's own spelling is returned.
        guard let named = target(table, catalog: catalog) else { return nil }
        return models.firstIndex(of: named).map { models[$0] }
    }

    /// The `schema.table` a reference names in `catalog` (schema `main` when none is given); nil
    /// for a table of another catalog.
    static func target(_ table: Table, catalog: String) -> Target? {
        guard table.catalog.isEmpty || table.catalog.lowercased() == catalog.lowercased() else { return nil }
        return Target(schema: table.schema.isEmpty ? "main" : table.schema, table: table.table)
    }
}
