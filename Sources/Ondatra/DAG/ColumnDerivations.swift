/// Where each output column of a query comes from: the table columns it reads, through
/// aliases, joins, CTEs, subqueries and set operations, and how (as is, an expression, an
/// aggregate). Read from the tree `json_serialize_sql` gives; for `ondatrasql lineage`.
public enum ColumnDerivations {
    /// A column of a table the query reads.
    public struct Source: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// `schema.table` (the schema is `main` when the query names none), or `name()` for a table function.
        public let table: String
        /// The column, lower-cased.
        public let column: String

        /// `schema.table.column`.
        public var description: String { "\(table).\(column)" }

        /// By table, then column.
        public static func < (lhs: Source, rhs: Source) -> Bool {
            (lhs.table, lhs.column) < (rhs.table, rhs.column)
        }
    }

    /// How an output column is made from its sources.
    public enum Transform: String, Sendable, Comparable {
        /// The source column as it is (perhaps renamed).
        case direct
        /// An expression over the sources (a function, arithmetic, a CASE, a constant).
        case expression
        /// An aggregate over the sources (`sum`, `count`, …).
        case aggregate

        private var rank: Int {
            switch self {
            case .direct: 0
            case .expression: 1
            case .aggregate: 2
            }
        }

        /// Direct < expression < aggregate: a column is as transformed as its most transformed part.
        public static func < (lhs: Transform, rhs: Transform) -> Bool { lhs.rank < rhs.rank }
    }

    /// One output column.
    public struct Column: Sendable, Hashable {
        /// The output name, lower-cased (the alias, the column's own name, or the expression as written).
        public var name: String
        /// The table columns it reads, sorted.
        public var sources: [Source]
        /// How it is made from them.
        public var transform: Transform

        /// Creates a column.
        public init(name: String, sources: [Source], transform: Transform) {
            self.name = name
            self.sources = sources
            self.transform = transform
        }
    }

    /// The output columns of the first statement of `tree`, in order; empty for anything but a query.
    /// - Parameter columnsOf: the columns of a table (`schema.table`) as the catalog has them, or
    ///   nil when not known; used to expand `*` and to find which table an unqualified column is in.
    public static func of(tree: JSONValue, columnsOf: @escaping (String) -> [String]?) -> [Column] {
        guard let node = tree["statements"]?.arrayValue?.first?["node"] else { return [] }
        return Analyzer(columnsOf: columnsOf).columns(of: node, ctes: [:])
    }

    /// What a name in a FROM clause stands for.
    fileprivate enum Relation {
        /// A table (or table function) with its columns, when known.
        case table(String, columns: [String]?)
        /// A subquery or CTE, with its output columns.
        case derived([Column])

        func column(_ name: String) -> [Column]? {
            switch self {
            case .table(let table, let columns):
                guard columns.map({ $0.contains(name) }) ?? true else { return nil }
                return [Column(name: name, sources: [Source(table: table, column: name)], transform: .direct)]
            case .derived(let columns):
                let found = columns.filter { $0.name == name }
                return found.isEmpty ? nil : found
            }
        }

        func knowsColumn(_ name: String) -> Bool {
            switch self {
            case .table(_, let columns): return columns?.contains(name) ?? false
            case .derived(let columns): return columns.contains { $0.name == name }
            }
        }

        var allColumns: [Column] {
            switch self {
            case .table(let table, let columns):
                return (columns ?? []).map {
                    Column(name: $0, sources: [Source(table: table, column: $0)], transform: .direct)
                }
            case .derived(let columns): return columns
            }
        }
    }

    private struct Analyzer {
        let columnsOf: (String) -> [String]?

        /// Functions that aggregate rows: their output is an aggregate of their inputs.
        static let aggregates: Set<String> = [
            "sum", "count", "count_star", "avg", "mean", "min", "max", "any_value", "first", "last", "list",
            "array_agg", "string_agg", "group_concat", "listagg", "median", "mode", "stddev", "stddev_pop",
            "stddev_samp", "variance", "var_pop", "var_samp", "bool_and", "bool_or", "bit_and", "bit_or",
            "approx_count_distinct", "quantile", "quantile_cont", "quantile_disc", "arg_max", "arg_min",
            "max_by", "min_by", "product", "histogram", "entropy", "kurtosis", "skewness", "corr", "covar_pop",
            "covar_samp", "fsum", "sumkahan", "kahan_sum", "favg", "bitstring_agg", "json_group_array",
            "json_group_object",
        ]

        func columns(of node: JSONValue, ctes outer: [String: [Column]]) -> [Column] {
            switch node["type"]?.stringValue {
            case "SET_OPERATION_NODE":
                let left = node["left"].map { columns(of: $0, ctes: outer) } ?? []
                let right = node["right"].map { columns(of: $0, ctes: outer) } ?? []
                return left.enumerated().map { index, column in
                    guard index < right.count else { return column }
                    let other = right[index]
                    return Column(
                        name: column.name, sources: Array(Set(column.sources + other.sources)).sorted(),
                        transform: max(column.transform, other.transform))
                }
            case "SELECT_NODE":
                var ctes = outer
                for entry in node["cte_map"]?["map"]?.arrayValue ?? [] {
                    guard let name = entry["key"]?.stringValue?.lowercased(),
                        let query = entry["value"]?["query"]?["node"]
                    else { continue }
                    var found = columns(of: query, ctes: ctes)
                    let aliases = entry["value"]?["aliases"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    for (index, alias) in aliases.enumerated() where index < found.count {
                        found[index].name = alias.lowercased()
                    }
                    ctes[name] = found
                }
                var scope: [(alias: String, relation: Relation)] = []
                if let from = node["from_table"] { relations(from, ctes: ctes, into: &scope) }
                return (node["select_list"]?.arrayValue ?? []).flatMap { item in
                    output(item, scope: scope)
                }
            default:
                return []
            }
        }

        private func relations(
            _ from: JSONValue, ctes: [String: [Column]], into scope: inout [(alias: String, relation: Relation)]
        ) {
            let alias = (from["alias"]?.stringValue ?? "").lowercased()
            switch from["type"]?.stringValue {
            case "BASE_TABLE":
                let schema = (from["schema_name"]?.stringValue ?? "").lowercased()
                let table = (from["table_name"]?.stringValue ?? "").lowercased()
                var relation: Relation
                if schema.isEmpty, let cte = ctes[table] {
                    relation = .derived(cte)
                } else {
                    let name = "\(schema.isEmpty ? "main" : schema).\(table)"
                    relation = .table(name, columns: columnsOf(name)?.map { $0.lowercased() })
                }
                relation = renamed(relation, from["column_name_alias"])
                scope.append((alias.isEmpty ? table : alias, relation))
            case "JOIN":
                if let left = from["left"] { relations(left, ctes: ctes, into: &scope) }
                if let right = from["right"] { relations(right, ctes: ctes, into: &scope) }
            case "SUBQUERY":
                guard let node = from["subquery"]?["node"] else { return }
                scope.append((alias, renamed(.derived(columns(of: node, ctes: ctes)), from["column_name_alias"])))
            case "TABLE_FUNCTION":
                let name = (from["function"]?["function_name"]?.stringValue ?? "function").lowercased()
                scope.append((alias.isEmpty ? name : alias, .table("\(name)()", columns: nil)))
            default:
                break
            }
        }

        /// `relation` with its columns renamed by `t(a, b)` aliases.
        private func renamed(_ relation: Relation, _ aliases: JSONValue?) -> Relation {
            let names = aliases?.arrayValue?.compactMap(\.stringValue).map { $0.lowercased() } ?? []
            guard !names.isEmpty else { return relation }
            var columns = relation.allColumns
            for (index, name) in names.enumerated() where index < columns.count { columns[index].name = name }
            return .derived(columns)
        }

        private func output(_ item: JSONValue, scope: [(alias: String, relation: Relation)]) -> [Column] {
            if item["class"]?.stringValue == "STAR" {
                let qualifier = (item["relation_name"]?.stringValue ?? "").lowercased()
                let picked = scope.filter { qualifier.isEmpty || $0.alias == qualifier }
                return picked.flatMap(\.relation.allColumns)
            }
            var references: [[String]] = []
            var aggregated = false
            collect(item, references: &references, aggregated: &aggregated)
            let resolved = references.flatMap { resolve($0, scope: scope) }
            let transform: Transform =
                aggregated ? .aggregate : item["class"]?.stringValue == "COLUMN_REF" ? .direct : .expression
            let name =
                (item["alias"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 }
                ?? (item["class"]?.stringValue == "COLUMN_REF"
                    ? item["column_names"]?.arrayValue?.last?.stringValue : nil)
                ?? item["function_name"]?.stringValue ?? "?"
            return [
                Column(
                    name: name.lowercased(), sources: Array(Set(resolved.flatMap(\.sources))).sorted(),
                    transform: max(transform, resolved.map(\.transform).max() ?? .direct))
            ]
        }

        /// Every column reference in an expression, and whether it aggregates; a subquery inside
        /// an expression reads its own tables and is not followed.
        private func collect(_ value: JSONValue, references: inout [[String]], aggregated: inout Bool) {
            if let members = value.objectValue {
                if value["class"]?.stringValue == "SUBQUERY" { return }
                if value["class"]?.stringValue == "COLUMN_REF" {
                    references.append(
                        value["column_names"]?.arrayValue?.compactMap { $0.stringValue?.lowercased() } ?? [])
                    return
                }
                if value["class"]?.stringValue == "WINDOW" { aggregated = true }
                if value["class"]?.stringValue == "FUNCTION",
                    Self.aggregates.contains((value["function_name"]?.stringValue ?? "").lowercased())
                {
                    aggregated = true
                }
                for (_, member) in members { collect(member, references: &references, aggregated: &aggregated) }
            } else if let items = value.arrayValue {
                for item in items { collect(item, references: &references, aggregated: &aggregated) }
            }
        }

        /// What a column reference reads: `o.id` in relation `o`, or `id` in the one relation that has it.
        private func resolve(_ names: [String], scope: [(alias: String, relation: Relation)]) -> [Column] {
            guard let column = names.last else { return [] }
            if names.count >= 2 {
                let qualifier = names[names.count - 2]
                if let relation = scope.first(where: { $0.alias == qualifier })?.relation {
                    return relation.column(column) ?? []
                }
            }
            let knowing = scope.filter { $0.relation.knowsColumn(column) }
            if knowing.count == 1, let only = knowing.first { return only.relation.column(column) ?? [] }
            if scope.count == 1, let only = scope.first { return only.relation.column(column) ?? [] }
            return []
        }
    }
}
