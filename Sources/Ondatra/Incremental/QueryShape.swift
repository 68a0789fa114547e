/// What a model's query does with each table it reads, read from DuckDB's parsed plan
/// (`json_serialize_sql`), never from the SQL text. It is the input of ``IncrementalStrategy``:
/// the rules that say when reading only an upstream's changed rows gives the same result as the
/// full query.
public struct QueryShape: Sendable, Hashable {
    /// One reference to a model table.
    public struct Reference: Sendable, Hashable {
        /// The model table.
        public let target: Target
        /// The reference is in a *linear* position: the query's result is a sum over this table's
        /// rows taken one by one (select, project, filter, inner join, `UNION ALL`), so a row of it
        /// can only add or remove result rows of its own. False under an aggregate, a window
        /// function, `DISTINCT`, `LIMIT`, another set operation, the nullable side of an outer
        /// join, or in a subquery.
        public let linear: Bool
    }

    /// The top-level `GROUP BY` of an aggregate query, when nothing above it mixes its groups
    /// (no window function, `LIMIT`, `QUALIFY`, subquery or set operation).
    public struct Grouping: Sendable, Hashable {
        /// Output columns (lower-cased) that are group expressions: their value is the same for
        /// every row of a group.
        public let groupColumns: Set<String>
        /// The model tables read in the aggregate's own `FROM` (base tables joined there), each
        /// with whether it sits on the nullable side of an outer join.
        public let fromTables: [Target: Bool]
    }

    /// Every reference to a model table, in the order the plan lists them.
    public let references: [Reference]
    /// The grouping, for an aggregate query the affected-keys strategy can restrict.
    public let grouping: Grouping?

    /// Creates a shape (tests build shapes by hand; ``analyze(_:rowWise:resolve:)`` reads one).
    public init(references: [Reference], grouping: Grouping?) {
        self.references = references
        self.grouping = grouping
    }

    /// Whether `target` is read exactly once, in a linear position.
    public func isLinear(in target: Target) -> Bool {
        let uses = references.filter { $0.target == target }
        return uses.count == 1 && uses[0].linear
    }

    /// How many times the query reads `target`.
    public func referenceCount(of target: Target) -> Int {
        references.filter { $0.target == target }.count
    }

    /// Reads the shape of a statement parsed by `json_serialize_sql`.
    ///
    /// - Parameters:
    ///   - tree: the parser's JSON (the whole object, with `statements`).
    ///   - rowWise: lower-cased names of the scalar functions (from `duckdb_functions()`), since the
    ///     parser alone cannot tell `sum(x)` from `abs(x)`; any other function counts as an aggregate.
    ///   - resolve: the model target a base table reference names, or nil for other tables.
    /// - Returns: nil when the statement is not a single query this analysis understands.
    public static func analyze(
        _ tree: JSONValue, rowWise: Set<String>, resolve: @escaping (PlanTable) -> Target?
    ) -> QueryShape? {
        guard let statements = tree["statements"]?.arrayValue, statements.count == 1,
            let node = statements[0]["node"]
        else { return nil }
        var walker = ShapeWalker(rowWise: rowWise, resolve: resolve)
        walker.queryNode(node, linear: true, ctes: [:])
        guard !walker.unknown else { return nil }
        // Every model table reference in the tree must have been reached by the walk; one it did
        // not reach makes the shape unknown rather than wrong.
        var everywhere: Set<Int64> = []
        PlanTree.visitTablesWithPositions(node) { table, position in
            if resolve(table) != nil { everywhere.insert(position) }
        }
        guard everywhere.isSubset(of: walker.reached) else { return nil }
        return QueryShape(
            references: walker.references,
            grouping: Self.grouping(of: node, rowWise: rowWise, resolve: resolve))
    }

    /// The grouping of a top-level aggregate `SELECT`, when the affected-keys strategy can use it.
    private static func grouping(of node: JSONValue, rowWise: Set<String>, resolve: (PlanTable) -> Target?)
        -> Grouping?
    {
        guard node["type"]?.stringValue == "SELECT_NODE", node["cte_map"]?["map"]?.arrayValue?.isEmpty ?? true,
            node["qualify"] == nil || node["qualify"] == .null,
            node["sample"] == nil || node["sample"] == .null,
            !(node["modifiers"]?.arrayValue ?? []).contains(where: {
                $0["type"]?.stringValue != "ORDER_MODIFIER"
            }),
            let selectList = node["select_list"]?.arrayValue
        else { return nil }
        let groups = node["group_expressions"]?.arrayValue ?? []
        let forced = node["aggregate_handling"]?.stringValue == "FORCE_AGGREGATES"
        guard !groups.isEmpty || forced, (node["group_sets"]?.arrayValue?.count ?? 1) <= 1 else { return nil }
        // Nothing in the select list, WHERE or HAVING may look at other rows or other tables.
        for expression in selectList + [node["where_clause"], node["having"]].compactMap({ $0 })
        where PlanTree.contains(expression, where: { ["WINDOW", "SUBQUERY"].contains($0["class"]?.stringValue) }) {
            return nil
        }
        var groupColumns: Set<String> = []
        for (position, item) in selectList.enumerated() {
            guard let name = PlanTree.outputName(of: item) else { continue }
            let bare = PlanTree.withoutPositions(PlanTree.withoutAlias(item))
            let isGroup: Bool
            if forced {
                isGroup = !PlanTree.containsAggregate(item, rowWise: rowWise)
            } else {
                isGroup = groups.contains { group in
                    let plain = PlanTree.withoutPositions(PlanTree.withoutAlias(group))
                    if plain == bare { return true }
                    if group["class"]?.stringValue == "CONSTANT",
                        group["value"]?["value"]?.intValue == Int64(position + 1)
                    {
                        return true
                    }
                    return group["class"]?.stringValue == "COLUMN_REF"
                        && group["column_names"]?.arrayValue?.count == 1
                        && group["column_names"]?.arrayValue?.first?.stringValue?.lowercased() == name
                }
            }
            if isGroup { groupColumns.insert(name) }
        }
        var fromTables: [Target: Bool] = [:]
        guard let from = node["from_table"],
            collectJoinTables(from, nullable: false, resolve: resolve, into: &fromTables)
        else { return nil }
        return Grouping(groupColumns: groupColumns, fromTables: fromTables)
    }

    /// The model tables of a FROM tree made only of base tables and joins; false for anything else.
    private static func collectJoinTables(
        _ node: JSONValue, nullable: Bool, resolve: (PlanTable) -> Target?, into tables: inout [Target: Bool]
    ) -> Bool {
        switch node["type"]?.stringValue {
        case "BASE_TABLE":
            if let target = resolve(PlanTable(node)) {
                // A table read twice cannot be swapped for its changes in one place.
                guard tables[target] == nil else { return false }
                tables[target] = nullable
            }
            return true
        case "JOIN":
            guard PlanTree.understoodJoinReferences.contains(node["ref_type"]?.stringValue ?? ""),
                let left = node["left"], let right = node["right"]
            else { return false }
            let sides = PlanTree.nullableSides(of: node["join_type"]?.stringValue ?? "")
            guard let sides else { return false }
            return collectJoinTables(left, nullable: nullable || sides.left, resolve: resolve, into: &tables)
                && collectJoinTables(right, nullable: nullable || sides.right, resolve: resolve, into: &tables)
        case "TABLE_FUNCTION", "EMPTY":
            return true
        default:
            return false
        }
    }
}

/// A base table reference as the parser wrote it.
public struct PlanTable: Sendable, Hashable {
    /// The catalog as written, or empty.
    public let catalog: String
    /// The schema as written, or empty.
    public let schema: String
    /// The table name.
    public let table: String
    /// The alias, or empty.
    public let alias: String

    /// Reads a `BASE_TABLE` node.
    init(_ node: JSONValue) {
        catalog = node["catalog_name"]?.stringValue ?? ""
        schema = node["schema_name"]?.stringValue ?? ""
        table = node["table_name"]?.stringValue ?? ""
        alias = node["alias"]?.stringValue ?? ""
    }

    /// Creates a reference.
    public init(catalog: String, schema: String, table: String, alias: String = "") {
        self.catalog = catalog
        self.schema = schema
        self.table = table
        self.alias = alias
    }
}

/// Walks a query tree and records each model table reference with whether it is linear.
private struct ShapeWalker {
    /// A common table expression in scope: its query and how many times the statement reads it.
    struct CTE {
        let body: JSONValue
        let uses: Int
    }

    let rowWise: Set<String>
    let resolve: (PlanTable) -> Target?
    var references: [QueryShape.Reference] = []
    /// The parser positions of the model table references the walk reached.
    var reached: Set<Int64> = []
    /// Set when the tree holds something this analysis does not know; the shape is then unknown.
    var unknown = false

    /// A query node (SELECT, set operation, …) whose output reaches the model's result linearly or not.
    mutating func queryNode(_ node: JSONValue, linear: Bool, ctes: [String: CTE]) {
        var ctes = ctes
        let local = (node["cte_map"]?["map"]?.arrayValue ?? []).compactMap { entry -> (String, JSONValue)? in
            guard let name = entry["key"]?.stringValue?.lowercased(), let query = entry["value"]?["query"]?["node"]
            else { return nil }
            return (name, query)
        }
        if !local.isEmpty {
            // A CTE is linear in its tables when it is read once, linearly: count the reads first.
            var uses: [String: Int] = [:]
            PlanTree.visitTables(node) { table in
                if table.schema.isEmpty && table.catalog.isEmpty { uses[table.table.lowercased(), default: 0] += 1 }
            }
            for (name, query) in local { ctes[name] = CTE(body: query, uses: uses[name] ?? 0) }
        }
        let modifiers = node["modifiers"]?.arrayValue ?? []
        let linear = linear && modifiers.allSatisfy { $0["type"]?.stringValue == "ORDER_MODIFIER" }
        switch node["type"]?.stringValue {
        case "SELECT_NODE":
            selectNode(node, linear: linear, ctes: ctes)
        case "SET_OPERATION_NODE":
            let unionAll = node["setop_type"]?.stringValue == "UNION" && node["setop_all"] == .bool(true)
            let children = ["left", "right"].compactMap { node[$0] } + (node["children"]?.arrayValue ?? [])
            for child in children { queryNode(child, linear: linear && unionAll, ctes: ctes) }
        default:
            unknown = true
        }
    }

    private mutating func selectNode(_ node: JSONValue, linear: Bool, ctes: [String: CTE]) {
        let groups = node["group_expressions"]?.arrayValue ?? []
        let selectList = node["select_list"]?.arrayValue ?? []
        let expressions = selectList + [node["where_clause"], node["having"], node["qualify"]].compactMap { $0 }
        let forced = node["aggregate_handling"]?.stringValue == "FORCE_AGGREGATES"
        let functions = rowWise
        let aggregated: Bool =
            !groups.isEmpty || forced || selectList.contains { PlanTree.containsAggregate($0, rowWise: functions) }
        let windowed: Bool = expressions.contains { expression in
            PlanTree.contains(expression, where: { $0["class"]?.stringValue == "WINDOW" })
        }
        let sampled = !(node["sample"] == nil || node["sample"] == .null)
        let hasQualify = !(node["qualify"] == nil || node["qualify"] == .null)
        let rowWise = linear && !aggregated && !windowed && !sampled && !hasQualify
        if let from = node["from_table"] { tableRef(from, linear: rowWise, ctes: ctes) }
        // Tables read inside expressions (subqueries) are never linear.
        for expression in expressions + groups + (node["modifiers"]?.arrayValue ?? []) {
            PlanTree.visitSubqueries(expression) { subquery in
                queryNode(subquery, linear: false, ctes: ctes)
            }
        }
    }

    private mutating func tableRef(_ node: JSONValue, linear: Bool, ctes: [String: CTE]) {
        switch node["type"]?.stringValue {
        case "BASE_TABLE":
            let table = PlanTable(node)
            let key = table.table.lowercased()
            if table.schema.isEmpty && table.catalog.isEmpty, let cte = ctes[key] {
                var inner = ctes
                inner[key] = nil
                queryNode(cte.body, linear: linear && cte.uses <= 1, ctes: inner)
                return
            }
            if let target = resolve(table) {
                references.append(.init(target: target, linear: linear))
                reached.insert(node["query_location"]?.intValue ?? -1)
            }
        case "JOIN":
            guard PlanTree.understoodJoinReferences.contains(node["ref_type"]?.stringValue ?? ""),
                let sides = PlanTree.nullableSides(of: node["join_type"]?.stringValue ?? "")
            else {
                unknown = true
                return
            }
            if let left = node["left"] { tableRef(left, linear: linear && !sides.left, ctes: ctes) }
            if let right = node["right"] { tableRef(right, linear: linear && !sides.right, ctes: ctes) }
            if let condition = node["condition"] {
                PlanTree.visitSubqueries(condition) { queryNode($0, linear: false, ctes: ctes) }
            }
        case "SUBQUERY":
            if let query = node["subquery"]?["node"] { queryNode(query, linear: linear, ctes: ctes) }
        case "TABLE_FUNCTION":
            // Arguments may hold subqueries (`FROM f((SELECT …))`).
            if let function = node["function"] {
                PlanTree.visitSubqueries(function) { queryNode($0, linear: false, ctes: ctes) }
            }
        case "EMPTY", "EXPRESSION_LIST":
            break
        default:
            // PIVOT, column data and other references: not understood.
            unknown = true
        }
    }
}
