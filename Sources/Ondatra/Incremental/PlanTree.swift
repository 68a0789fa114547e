/// Small reads and edits of the JSON trees `json_serialize_sql` makes.
enum PlanTree {
    /// Whether `node` or anything under it satisfies `predicate`, not looking into subqueries'
    /// own trees unless `predicate` does.
    static func contains(_ node: JSONValue, where predicate: (JSONValue) -> Bool) -> Bool {
        if predicate(node) { return true }
        switch node {
        case .object(let members): return members.values.contains { contains($0, where: predicate) }
        case .array(let items): return items.contains { contains($0, where: predicate) }
        default: return false
        }
    }

    /// Calls `body` with the query node of every subquery expression (`IN (SELECT …)`, `EXISTS`,
    /// scalar subqueries) in an expression tree, without descending into them.
    static func visitSubqueries(_ node: JSONValue, _ body: (JSONValue) -> Void) {
        switch node {
        case .object(let members):
            if members["class"]?.stringValue == "SUBQUERY", let query = members["subquery"]?["node"] {
                body(query)
                if let child = members["child"] { visitSubqueries(child, body) }
                return
            }
            for key in members.keys.sorted() {
                if let child = members[key] { visitSubqueries(child, body) }
            }
        case .array(let items):
            for item in items { visitSubqueries(item, body) }
        default: break
        }
    }

    /// Calls `body` with every base table reference anywhere under `node`.
    static func visitTables(_ node: JSONValue, _ body: (PlanTable) -> Void) {
        visitTablesWithPositions(node) { table, _ in body(table) }
    }

    /// Calls `body` with every base table reference anywhere under `node` and its parser position.
    static func visitTablesWithPositions(_ node: JSONValue, _ body: (PlanTable, Int64) -> Void) {
        switch node {
        case .object(let members):
            if members["type"]?.stringValue == "BASE_TABLE" {
                body(PlanTable(node), members["query_location"]?.intValue ?? -1)
            }
            for key in members.keys.sorted() {
                if let child = members[key] { visitTablesWithPositions(child, body) }
            }
        case .array(let items):
            for item in items { visitTablesWithPositions(item, body) }
        default: break
        }
    }

    /// The lower-cased name of a select list item's output column: its alias, or the column a
    /// plain reference names; nil for anything else.
    static func outputName(of item: JSONValue) -> String? {
        if let alias = item["alias"]?.stringValue, !alias.isEmpty { return alias.lowercased() }
        guard item["class"]?.stringValue == "COLUMN_REF" else { return nil }
        return item["column_names"]?.arrayValue?.last?.stringValue?.lowercased()
    }

    /// `node` with its alias cleared.
    static func withoutAlias(_ node: JSONValue) -> JSONValue {
        guard case .object(var members) = node, members["alias"] != nil else { return node }
        members["alias"] = .string("")
        return .object(members)
    }

    /// `node` without `query_location` members, so two parses of the same expression compare equal.
    static func withoutPositions(_ node: JSONValue) -> JSONValue {
        switch node {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, value) in members where key != "query_location" { kept[key] = withoutPositions(value) }
            return .object(kept)
        case .array(let items): return .array(items.map(withoutPositions))
        default: return node
        }
    }

    /// Whether an expression calls a function that is not known to work row by row (an aggregate,
    /// a macro that may hide one, or a function the session does not list), outside a subquery or window.
    static func containsAggregate(_ node: JSONValue, rowWise: Set<String>) -> Bool {
        switch node {
        case .object(let members):
            switch members["class"]?.stringValue {
            case "SUBQUERY", "WINDOW": return false
            case "FUNCTION":
                if let name = members["function_name"]?.stringValue?.lowercased(), !rowWise.contains(name) {
                    return true
                }
            default: break
            }
            return members.values.contains { containsAggregate($0, rowWise: rowWise) }
        case .array(let items): return items.contains { containsAggregate($0, rowWise: rowWise) }
        default: return false
        }
    }

    /// Join reference types whose rows are plain joins (not ASOF or positional matches).
    static let understoodJoinReferences: Set<String> = ["REGULAR", "CROSS", "NATURAL"]

    /// The sides of a join whose rows do not reach the result one by one: the nullable side of an
    /// outer join, the probed side of a semi or anti join. Nil for joins this analysis does not know
    /// (ASOF, positional).
    static func nullableSides(of joinType: String) -> (left: Bool, right: Bool)? {
        switch joinType {
        case "INNER": (false, false)
        case "LEFT", "SEMI", "ANTI": (false, true)
        case "RIGHT": (true, false)
        case "OUTER", "FULL": (true, true)
        default: nil
        }
    }
}
