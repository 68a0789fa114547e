/// Edits of a query's parsed plan for incremental runs. Each returns a new tree, which
/// `json_deserialize_sql` turns back into SQL (see ``IncrementalQueries``).
enum PlanRewriter {
    /// The tree with every reference to `target` reading the temporary table `table` instead. The
    /// original name stays usable as a qualifier (`orders.id`): it becomes the alias when there is none.
    static func substituting(
        _ tree: JSONValue, target: Target, with table: String, resolve: (PlanTable) -> Target?
    ) -> JSONValue {
        mapTables(tree) { node, reference in
            guard resolve(reference) == target, case .object(var members) = node else { return node }
            members["catalog_name"] = .string("temp")
            members["schema_name"] = .string("main")
            members["table_name"] = .string(table)
            members["at_clause"] = .null
            if reference.alias.isEmpty { members["alias"] = .string(reference.table) }
            return .object(members)
        }
    }

    /// The tree reading each of `targets` as of snapshot `version` (DuckLake time travel).
    static func timeTravelling(
        _ tree: JSONValue, targets: Set<Target>, version: Int64, resolve: (PlanTable) -> Target?
    ) -> JSONValue {
        mapTables(tree) { node, reference in
            guard let target = resolve(reference), targets.contains(target), case .object(var members) = node else {
                return node
            }
            members["at_clause"] = .object([
                "unit": .string("VERSION"),
                "expr": .object([
                    "class": .string("CONSTANT"), "type": .string("VALUE_CONSTANT"), "alias": .string(""),

                    "value": .object([
                        "type": .object(["id": .string("BIGINT"), "type_info": .null]), "is_null": .bool(false),
                        "value": .int(version),
                    ]),
                ]),
            ])
            return .object(members)
        }
    }

    /// The keys query of a grouped statement: `SELECT DISTINCT <key expressions> FROM … WHERE …`
    /// (no `GROUP BY`, no `HAVING`), with the joins that put `changedTable` on a nullable or probed
    /// side made inner (only rows that meet a changed row matter) and full joins made one-sided.
    static func keysQuery(_ tree: JSONValue, keys: [String], changedTable: String) -> JSONValue? {
        editTopNode(tree) { node in
            guard case .object(var members) = node, let items = members["select_list"]?.arrayValue else { return nil }
            var keyItems: [JSONValue] = []
            for key in keys {
                guard let item = items.first(where: { PlanTree.outputName(of: $0) == key.lowercased() }),
                    case .object(var fields) = item
                else { return nil }
                fields["alias"] = .string(key)
                keyItems.append(.object(fields))
            }
            members["select_list"] = .array(keyItems)
            members["group_expressions"] = .array([])
            members["group_sets"] = .array([])
            members["aggregate_handling"] = .string("STANDARD_HANDLING")
            members["having"] = .null
            members["modifiers"] = .array([
                .object(["type": .string("DISTINCT_MODIFIER"), "distinct_on_targets": .array([])])
            ])
            if let from = members["from_table"] {
                members["from_table"] = joinsMeeting(changedTable, in: from).node
            }
            return .object(members)
        }
    }

    /// The key expressions (the select list items named `keys`, without their aliases) of the
    /// top-level statement, in the order of `keys`.
    static func keyExpressions(_ tree: JSONValue, keys: [String]) -> [JSONValue]? {
        guard let node = topNode(tree), let items = node["select_list"]?.arrayValue else { return nil }
        var expressions: [JSONValue] = []
        for key in keys {
            guard let item = items.first(where: { PlanTree.outputName(of: $0) == key.lowercased() }) else { return nil }
            expressions.append(PlanTree.withoutAlias(item))
        }
        return expressions
    }

    /// The tree with `condition` added to the top-level statement's `WHERE` (with `AND`).
    static func addingCondition(_ tree: JSONValue, _ condition: JSONValue) -> JSONValue? {
        editTopNode(tree) { node in
            guard case .object(var members) = node else { return nil }
            if let existing = members["where_clause"], existing != .null {
                members["where_clause"] = .object([
                    "class": .string("CONJUNCTION"), "type": .string("CONJUNCTION_AND"), "alias": .string(""),
                    "children": .array([existing, condition]),
                ])
            } else {
                members["where_clause"] = condition
            }
            return .object(members)
        }
    }

    /// Replaces every `COLUMN_REF` naming one of `placeholders`' keys with its expression.
    static func substitutingColumns(_ node: JSONValue, _ placeholders: [String: JSONValue]) -> JSONValue {
        switch node {
        case .object(let members):
            if members["class"]?.stringValue == "COLUMN_REF",
                let names = members["column_names"]?.arrayValue, names.count == 1,
                let name = names[0].stringValue, let replacement = placeholders[name]
            {
                return replacement
            }
            return .object(members.mapValues { substitutingColumns($0, placeholders) })
        case .array(let items): return .array(items.map { substitutingColumns($0, placeholders) })
        default: return node
        }
    }

    /// Replaces every call of the function `name` with `replacement`.
    static func replacingCalls(_ node: JSONValue, of name: String, with replacement: JSONValue) -> JSONValue {
        switch node {
        case .object(let members):
            if members["class"]?.stringValue == "FUNCTION", members["function_name"]?.stringValue?.lowercased() == name
            {
                return replacement
            }
            return .object(members.mapValues { replacingCalls($0, of: name, with: replacement) })
        case .array(let items): return .array(items.map { replacingCalls($0, of: name, with: replacement) })
        default: return node
        }
    }

    /// The first statement's query node.
    static func topNode(_ tree: JSONValue) -> JSONValue? {
        tree["statements"]?.arrayValue?.first?["node"]
    }

    private static func editTopNode(_ tree: JSONValue, _ edit: (JSONValue) -> JSONValue?) -> JSONValue? {
        guard case .object(var root) = tree, var statements = root["statements"]?.arrayValue, !statements.isEmpty,
            case .object(var statement) = statements[0], let node = statement["node"], let edited = edit(node)
        else { return nil }
        statement["node"] = edited
        statements[0] = .object(statement)
        root["statements"] = .array(statements)
        return .object(root)
    }

    /// A FROM tree where each join on the way to the table named `table` keeps every row of that
    /// side and only the rows of the other side that meet it; whether the subtree holds it.
    private static func joinsMeeting(_ table: String, in node: JSONValue) -> (node: JSONValue, holds: Bool) {
        guard case .object(var members) = node else { return (node, false) }
        switch members["type"]?.stringValue {
        case "BASE_TABLE":
            return (node, members["table_name"]?.stringValue == table && members["schema_name"] == .string("main"))
        case "JOIN":
            guard let left = members["left"], let right = members["right"] else { return (node, false) }
            let (newLeft, inLeft) = joinsMeeting(table, in: left)
            let (newRight, inRight) = joinsMeeting(table, in: right)
            members["left"] = newLeft
            members["right"] = newRight
            let type = members["join_type"]?.stringValue ?? ""
            if inLeft {
                switch type {
                case "RIGHT": members["join_type"] = .string("INNER")
                case "OUTER", "FULL": members["join_type"] = .string("LEFT")
                default: break
                }
            } else if inRight {
                switch type {
                case "LEFT", "SEMI", "ANTI": members["join_type"] = .string("INNER")
                case "OUTER", "FULL": members["join_type"] = .string("RIGHT")
                default: break
                }
            }
            return (.object(members), inLeft || inRight)
        default:
            return (node, false)
        }
    }

    /// Applies `transform` to every base table node (with its parsed reference).
    private static func mapTables(_ node: JSONValue, _ transform: (JSONValue, PlanTable) -> JSONValue) -> JSONValue {
        switch node {
        case .object(let members):
            var mapped = members.mapValues { mapTables($0, transform) }
            if members["type"]?.stringValue == "BASE_TABLE" {
                let result = transform(.object(mapped), PlanTable(node))
                if case .object(let edited) = result { mapped = edited }
            }
            return .object(mapped)
        case .array(let items): return .array(items.map { mapTables($0, transform) })
        default: return node
        }
    }
}
