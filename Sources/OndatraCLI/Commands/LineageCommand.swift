import ArgumentParser
import Foundation
import Ondatra
import OndatraStarlark

/// `ondatrasql lineage overview | TARGET | TARGET.column`: how models and columns derive from
/// one another, read from the models' SQL.
struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Show how models (overview), a model's columns, or one column derive from their sources.",
        discussion: """
            overview: every model under the models it reads, as a tree. TARGET: each column of the model with \
            the table columns it reads and how (direct, expression, aggregate). TARGET.column: that column \
            traced upstream through the models, to the tables and files at the start. Read from each model's \
            SQL (through aliases, joins, CTEs, subqueries and UNIONs) and the catalog's columns.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("overview, schema.table or schema.table.column.", valueName: "WHAT"))
    var what: String = "overview"

    @Flag(help: "Print JSON instead of the tree.")
    var json = false

    func run() throws {
        let project = try global.resolveProject()
        // Reading never creates the catalog of a project that has not run yet.
        let reading = try ReadingSession(project: project)
        defer { reading.close() }
        let session = reading.session
        let inspection = try ProjectInspection(
            project: project, session: session, scripts: try StarlarkHost(project: project) { _ in })
        let graph = LineageGraph(inspection: inspection, session: session)
        let output = StandardOutput()
        defer { output.flush() }
        if what.lowercased() == "overview" {
            output.write(json ? graph.overviewJSON().text + "\n" : graph.overviewTree())
            return
        }
        let (target, named) = try resolve(what, models: inspection.models, project: project)
        if let parseError = inspection.parseErrors[target] {
            throw CommandFailure(
                message: "\(target) does not parse, so its lineage is not known: \(parseError)", exitCode: 1)
        }
        if let named {
            guard let column = graph.column(named, of: target)?.name else {
                let known = graph.columns(of: target).map(\.name)
                throw CommandFailure(
                    message:
                        "\(target) has no column \(named)"
                        + (known.isEmpty ? " that its SQL shows" : " (columns: \(known.joined(separator: ", ")))"),
                    exitCode: 2)
            }
            output.write(json ? graph.traceJSON(target, column).text + "\n" : graph.traceTree(target, column))
        } else {
            output.write(json ? graph.modelJSON(target).text + "\n" : graph.modelLines(target))
        }
    }

    /// A column name as written, without SQL's double quotes (`"Cust Name"`).
    private func unquoted(_ name: String) -> String {
        guard name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") else { return name }
        return String(name.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    /// The model and column `text` names: `schema.table`, `schema.table.column`, or a bare model
    /// name (`orders`, `orders.amount`) picked as `run` picks it.
    private func resolve(_ text: String, models: [Model], project: Project) throws -> (Target, String?) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        // Named as `run` names models: `schema.table` in any case, or a bare name that one model has.
        func model(_ name: String) -> Target? {
            guard let selector = ModelSelector(name), case .name = selector.pattern,
                let graph = try? DependencyGraph(dependencies: [:])
            else { return nil }
            let picked = try? ModelSelection.resolve(
                [selector], models: models, graph: graph, project: project, workingDirectory: project.root)
            return picked?.count == 1 ? picked?.first : nil
        }
        switch parts.count {
        case 1: if let target = model(parts[0]) { return (target, nil) }
        case 2:
            if let target = model(text) { return (target, nil) }
            if let target = model(parts[0]) { return (target, unquoted(parts[1])) }
        case 3: if let target = model("\(parts[0]).\(parts[1])") { return (target, unquoted(parts[2])) }
        default: break
        }
        let known = models.map(\.target.description).sorted().joined(separator: ", ")
        throw CommandFailure(
            message: "no model builds \(text) (write overview, schema.table or schema.table.column; models: \(known))",
            exitCode: 2)
    }
}
