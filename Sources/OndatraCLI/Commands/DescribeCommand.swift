import ArgumentParser
import DuckDB
import Foundation
import Ondatra
import OndatraStarlark

/// `ondatrasql describe TARGET [--json]`: a model's kind, keys, columns, dependencies both ways
/// and last runs.
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Describe a model: kind, keys, columns, dependencies, last runs.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The model (schema.table).", valueName: "TARGET"))
    var target: String

    @Flag(help: "Print one JSON object: the model, its columns, dependencies, lib functions and last run.")
    var json = false

    func run() throws {
        let project = try global.resolveProject()
        guard let parsed = Target(parsing: target) else {
            throw CommandFailure(message: "'\(target)' is not a target; write schema.table", exitCode: 2)
        }
        // Reading never creates the catalog of a project that has not run yet.
        let reading = try ReadingSession(project: project)
        defer { reading.close() }
        let session = reading.session
        let scripts = try StarlarkHost(project: project) { _ in }
        let inspection = try ProjectInspection(project: project, session: session, scripts: scripts)
        var wanted = parsed
        if !inspection.models.contains(where: { $0.target == parsed }), !target.contains("."),
            let selector = ModelSelector(target)
        {
            // A bare name, as `run` takes it: the one model of any schema with that table name.
            do {
                let picked = try ModelSelection.resolve(
                    [selector], models: inspection.models, graph: inspection.graph, project: project,
                    workingDirectory: project.root)
                if picked.count == 1, let only = picked.first { wanted = only }
            } catch let error as OndatraError {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
        }
        guard let model = inspection.models.first(where: { $0.target == wanted }) else {
            let known = inspection.models.map(\.target.description).sorted().joined(separator: ", ")
            throw CommandFailure(message: "no model builds \(wanted) (models: \(known))", exitCode: 2)
        }
        let description = try ModelDescription(
            model: model, inspection: inspection, libFunctions: scripts.libFunctions, session: session)
        // One writer for everything, so the lines and the table come out in order when piped.
        let output = StandardOutput()
        if json {
            output.write(description.json.text + "\n")
        } else {
            output.write(description.lines(named: wanted).joined(separator: "\n") + "\nlast runs:\n")
            try ResultFormat.table.write(
                try session.query(try HistoryCommand.query(session, target: wanted, limit: 5)), to: output)
        }
        output.flush()
    }
}

/// What `describe` says about a model, read from its file, the project's graph and the catalog.
struct ModelDescription {
    /// A column of the built table, with what its `@column` line says.
    struct Column {
        let name: String
        let type: String
        let nullable: Bool
        /// The text before the first `|` of its `@column` line.
        let description: String?
        /// The words after it (`pii`, `mask`, …).
        let tags: [String]
    }

    let model: Model
    let dependencies: [Target]
    let usedBy: [Target]
    /// The lib functions its SQL calls (`FROM name(…)`), lowercased and sorted.
    let libFunctions: [String]
    /// Empty when the table is not built yet.
    let columns: [Column]
    /// The last recorded run: `snapshot, time, model, kind, run_type, rows, ms`.
    let lastRun: [Value]?

    /// Reads the columns and the last run from `session`'s catalog.
    init(model: Model, inspection: ProjectInspection, libFunctions: Set<String>, session: Session) throws {
        let target = model.target
        self.model = model
        dependencies = inspection.graph.dependencies[target] ?? []
        usedBy = inspection.graph.downstream(of: target).filter {
            (inspection.graph.dependencies[$0] ?? []).contains(target)
        }.sorted()
        self.libFunctions = Set(
            (inspection.references[target]?.functions ?? []).map { $0.lowercased() }.filter(libFunctions.contains)
        ).sorted()
        let annotations = Dictionary(
            model.directives.columns.map { note in
                (
                    note.column.lowercased(),
                    (description: note.description.isEmpty ? nil : note.description, tags: note.tags)
                )
            }
        ) { first, _ in first }
        columns = try session.query(
            """
            SELECT column_name, data_type, is_nullable FROM duckdb_columns()
            WHERE database_name = ? AND lower(schema_name) = lower(?) AND lower(table_name) = lower(?)
            ORDER BY column_index
            """, [.varchar(session.catalog), .varchar(target.schema), .varchar(target.table)]
        ).allRows().map { row in
            let name = row[0].string ?? row[0].description
            let annotation = annotations[name.lowercased()]
            return Column(
                name: name, type: row[1].description, nullable: row[2] != .boolean(false),
                description: annotation?.description, tags: annotation?.tags ?? [])
        }
        lastRun = try session.query(try HistoryCommand.query(session, target: target, limit: 1)).allRows().first
    }

    /// The human lines, before the table of last runs, headed by the target as `name` spells it.
    func lines(named name: Target) -> [String] {
        var lines = ["\(name)  (\(model.path))", "kind: \(model.kind.rawValue)"]
        if !model.directives.uniqueKey.isEmpty {
            lines.append("unique key: \(model.directives.uniqueKey.joined(separator: ", "))")
        }
        if let description = model.directives.description { lines.append("description: \(description)") }
        if let sink = model.directives.sink { lines.append("sink: \(sink)") }
        lines.append("depends on: " + Self.list(dependencies.map(\.description)))
        lines.append("used by: " + Self.list(usedBy.map(\.description)))
        if !libFunctions.isEmpty { lines.append("lib functions: " + Self.list(libFunctions)) }
        if columns.isEmpty {
            lines.append("columns: (not built yet)")
        } else {
            lines.append("columns:")
            for column in columns {
                var line = "  \(column.name) \(column.type)\(column.nullable ? "" : " NOT NULL")"
                if let text = column.description { line += "  -- \(text)" }
                if !column.tags.isEmpty { line += " [\(column.tags.joined(separator: ", "))]" }
                lines.append(line)
            }
        }
        return lines
    }

    /// The `--json` object, keys sorted; `model` is the target as the model file spells it (as in `run --json`).
    var json: JSONValue {
        let strings = { (values: [String]) in JSONValue.array(values.map(JSONValue.string)) }
        return .object([
            "model": .string(model.target.description), "kind": .string(model.kind.rawValue),
            "path": .string(model.path), "unique_key": strings(model.directives.uniqueKey),
            "description": model.directives.description.map(JSONValue.string) ?? .null,
            "sink": model.directives.sink.map(JSONValue.string) ?? .null,
            "dependencies": strings(dependencies.map(\.description)), "used_by": strings(usedBy.map(\.description)),
            "lib_functions": strings(libFunctions),
            "columns": .array(
                columns.map { column in
                    .object([
                        "name": .string(column.name), "type": .string(column.type), "nullable": .bool(column.nullable),
                        "description": column.description.map(JSONValue.string) ?? .null,
                        "tags": strings(column.tags),
                    ])
                }),
            "last_run": lastRun.map(Self.runJSON) ?? .null,
        ])
    }

    /// `{"snapshot", "run_type", "rows", "time"}` from a row of ``CommitHistory/table``.
    private static func runJSON(_ row: [Value]) -> JSONValue {
        var time = ""
        row[1].appendJSON(to: &time)
        return .object([
            "snapshot": row[0].int64.map(JSONValue.int) ?? .null, "run_type": .string(row[4].description),
            "rows": row[5].int64.map(JSONValue.int) ?? .null,
            "time": (try? JSONValue.parse(time)) ?? .null,
        ])
    }

    private static func list(_ items: [String]) -> String {
        items.isEmpty ? "-" : items.joined(separator: ", ")
    }
}
