import DuckDB
import Foundation
import Ondatra

/// The models' column lineage, ready to print: per model, its output columns and their sources
/// (from ``ColumnDerivations``), named by the built table's columns where the counts agree.
struct LineageGraph {
    let inspection: ProjectInspection
    /// The catalog's columns per lower-cased `schema.table`, as spelled, in order.
    private let catalogColumns: [String: [String]]
    /// Each SQL model's output columns.
    private let derived: [Target: [ColumnDerivations.Column]]
    private let models: [Target: Model]

    init(inspection: ProjectInspection, session: Session) {
        self.inspection = inspection
        var catalogColumns: [String: [String]] = [:]
        let rows =
            (try? session.query(
                """
                SELECT lower(schema_name), lower(table_name), column_name FROM duckdb_columns()
                WHERE database_name = ? ORDER BY schema_name, table_name, column_index
                """, [.varchar(session.catalog)]
            ).allRows()) ?? []
        for row in rows {
            guard let schema = row[0].string, let table = row[1].string, let column = row[2].string else { continue }
            catalogColumns["\(schema).\(table)", default: []].append(column)
        }
        self.catalogColumns = catalogColumns
        models = Dictionary(uniqueKeysWithValues: inspection.models.map { ($0.target, $0) })
        var derived: [Target: [ColumnDerivations.Column]] = [:]
        for model in inspection.models {
            // A Starlark model's queries are not its columns; a model whose SQL does not parse has none.
            guard model.language == .sql, inspection.parseErrors[model.target] == nil,
                let tree = inspection.references[model.target]?.plan
            else { continue }
            var columns = ColumnDerivations.of(tree: tree) { catalogColumns[$0]?.map { $0.lowercased() } }
            // The built table names expressions as DuckDB did: take its names when they line up.
            let built = catalogColumns[Self.key(model.target)] ?? []
            if built.count == columns.count {
                for index in columns.indices { columns[index].name = built[index] }
            }
            // Nothing read from the SQL (a VALUES list): the built table's columns stand alone.
            if !columns.isEmpty { derived[model.target] = columns }
        }
        self.derived = derived
    }

    private static func key(_ target: Target) -> String { target.description.lowercased() }

    /// Whether the model's columns were read from its SQL (not a Starlark, events or unparsable model).
    func readFromSQL(_ target: Target) -> Bool { derived[target] != nil }

    /// The column of `target` named `name`, without regard to case.
    func column(_ name: String, of target: Target) -> ColumnDerivations.Column? {
        columns(of: target).first { $0.name.lowercased() == name.lowercased() }
    }

    /// A model's output columns with their sources; for a Starlark, events or unparsable model,
    /// the built table's columns with none.
    func columns(of target: Target) -> [ColumnDerivations.Column] {
        if let columns = derived[target] { return columns }
        // No SQL to read: the built table's columns, with no known source.
        return (catalogColumns[Self.key(target)] ?? []).map { .init(name: $0, sources: [], transform: .direct) }
    }

    /// The model a source table is, if it is one.
    private func model(of source: ColumnDerivations.Source) -> Target? {
        Target(parsing: source.table).flatMap { table in models.keys.first { $0 == table } }
    }

    // MARK: overview

    /// Every model under the models it reads: roots first, each subtree printed once.
    func overviewTree() -> String {
        let dependencies = inspection.graph.dependencies
        var readers: [Target: [Target]] = [:]
        for (target, reads) in dependencies { for read in reads { readers[read, default: []].append(target) } }
        var printed: Set<Target> = []
        var text = ""
        func walk(_ target: Target, prefix: String, last: Bool, root: Bool) {
            let kind = models[target]?.kind.rawValue ?? "?"
            let branch = root ? "" : prefix + (last ? "└── " : "├── ")
            let again = printed.contains(target) && !(readers[target] ?? []).isEmpty
            text += branch + "\(target) (\(kind))" + (again ? " …" : "") + "\n"
            guard !again else { return }
            printed.insert(target)
            let children = (readers[target] ?? []).sorted()
            let childPrefix = root ? "" : prefix + (last ? "    " : "│   ")
            for (index, child) in children.enumerated() {
                walk(child, prefix: childPrefix, last: index == children.count - 1, root: false)
            }
        }
        for target in inspection.graph.order where (dependencies[target] ?? []).isEmpty {
            walk(target, prefix: "", last: true, root: true)
        }
        return text.isEmpty ? "(no models)\n" : text
    }

    /// `{"models": [{"model", "kind", "dependencies", "dependents"}]}` in run order.
    func overviewJSON() -> JSONValue {
        let dependencies = inspection.graph.dependencies
        return .object([
            "models": .array(
                inspection.graph.order.map { target in
                    .object([
                        "model": .string(target.description),
                        "kind": .string(models[target]?.kind.rawValue ?? ""),
                        "dependencies": .array((dependencies[target] ?? []).sorted().map { .string($0.description) }),
                        "dependents": .array(
                            dependencies.filter { $0.value.contains(target) }.keys.sorted().map {
                                .string($0.description)
                            }),
                    ])
                })
        ])
    }

    // MARK: one model

    /// One line per column: `total  aggregate  ← staging.orders.amount`.
    func modelLines(_ target: Target) -> String {
        let columns = columns(of: target)
        guard !columns.isEmpty else {
            return "\(target): no columns known (build it with `ondatrasql run \(target)`)\n"
        }
        let width = columns.map(\.name.count).max() ?? 0
        var text = "\(target)\n"
        guard readFromSQL(target) else {
            let why = models[target]?.language == .starlark ? "a Starlark model" : "no SQL to read"
            for column in columns { text += "  \(column.name)  (\(why): its sources are not known)\n" }
            return text
        }
        for column in columns {
            let sources =
                column.sources.isEmpty
                ? "(no source column)" : column.sources.map(\.description).joined(separator: ", ")
            text +=
                "  " + column.name + String(repeating: " ", count: width - column.name.count + 2)
                + column.transform.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + "← " + sources + "\n"
        }
        return text
    }

    /// `{"model", "columns": [{"name", "transform", "sources": ["schema.table.column"]}]}`.
    func modelJSON(_ target: Target) -> JSONValue {
        .object([
            "model": .string(target.description),
            "columns": .array(
                columns(of: target).map { column in
                    .object([
                        "name": .string(column.name), "transform": .string(column.transform.rawValue),
                        "sources": .array(column.sources.map { .string($0.description) }),
                    ])
                }),
        ])
    }

    // MARK: one column, traced

    /// The column and what it reads, upstream through the models, as a tree.
    func traceTree(_ target: Target, _ column: String) -> String {
        var text = ""
        func walk(_ node: Trace, prefix: String, last: Bool, root: Bool) {
            let branch = root ? "" : prefix + (last ? "└── " : "├── ")
            let how = node.transform.map { " (\($0.rawValue))" } ?? ""
            text += branch + node.name + how + "\n"
            let childPrefix = root ? "" : prefix + (last ? "    " : "│   ")
            for (index, child) in node.sources.enumerated() {
                walk(child, prefix: childPrefix, last: index == node.sources.count - 1, root: false)
            }
        }
        walk(trace(target, column, seen: []), prefix: "", last: true, root: true)
        return text
    }

    /// The traced tree as nested `{"column", "transform", "sources": […]}` objects.
    func traceJSON(_ target: Target, _ column: String) -> JSONValue {
        func json(_ node: Trace) -> JSONValue {
            .object([
                "column": .string(node.name), "transform": node.transform.map { .string($0.rawValue) } ?? .null,
                "sources": .array(node.sources.map(json)),
            ])
        }
        return json(trace(target, column, seen: []))
    }

    /// A column and its sources; `transform` is nil for a column of a table that is not a model.
    private struct Trace {
        let name: String
        let transform: ColumnDerivations.Transform?
        let sources: [Trace]
    }

    private func trace(_ target: Target, _ column: String, seen: Set<String>) -> Trace {
        let name = "\(target).\(column)"
        guard !seen.contains(name), readFromSQL(target), let derived = self.column(column, of: target) else {
            return Trace(name: name, transform: nil, sources: [])
        }
        let sources = derived.sources.map { source -> Trace in
            guard let upstream = model(of: source) else {
                return Trace(name: source.description, transform: nil, sources: [])
            }
            return trace(upstream, source.column, seen: seen.union([name]))
        }
        return Trace(name: name, transform: derived.transform, sources: sources)
    }
}
