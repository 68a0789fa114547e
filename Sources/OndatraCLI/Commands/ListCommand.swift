import ArgumentParser
import Foundation
import Ondatra
import OndatraStarlark

/// `ondatrasql ls [SELECTOR…]`: the models a selector picks, in run order.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the models (all, or what the selectors pick) in run order.",
        discussion: """
            Selectors are those of `run`: schema.table (without regard to case; a bare name is main.NAME or \
            the one model with that table name), +X (with everything X reads), X+ (with everything that \
            reads X), schema.* or *, and a model file or folder (relative to where the command is typed).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("What to list (default: every model).", valueName: "SELECTOR"))
    var selectors: [String] = []

    @Flag(help: "Print one JSON object per model: model, kind, path, dependencies, sink.")
    var json = false

    func run() throws {
        let typedIn = URL(filePath: FileManager.default.currentDirectoryPath, directoryHint: .isDirectory)
        let project = try global.resolveProject()
        let parsed = try ModelSelector.parsing(selectors)
        // Reading never creates the catalog of a project that has not run yet.
        let reading = try ReadingSession(project: project)
        defer { reading.close() }
        let session = reading.session
        let inspection = try ProjectInspection(
            project: project, session: session, scripts: try StarlarkHost(project: project) { _ in })
        let wanted = try ModelSelection.resolve(
            parsed, models: inspection.models, graph: inspection.graph, project: project, workingDirectory: typedIn)
        let byTarget = Dictionary(uniqueKeysWithValues: inspection.models.map { ($0.target, $0) })
        let models = inspection.graph.order.filter { parsed.isEmpty || wanted.contains($0) }.compactMap {
            byTarget[$0]
        }
        let output = StandardOutput()
        if json {
            for model in models {
                let dependencies = inspection.graph.dependencies[model.target] ?? []
                let object: JSONValue = .object([
                    "model": .string(model.target.description), "kind": .string(model.kind.rawValue),
                    "path": .string(model.path), "dependencies": .array(dependencies.map { .string($0.description) }),
                    "sink": model.directives.sink.map(JSONValue.string) ?? .null,
                ])
                output.write(object.text + "\n")
            }
        } else {
            let width = models.map(\.target.description.count).max() ?? 0
            let kindWidth = models.map(\.kind.rawValue.count).max() ?? 0
            for model in models {
                let name = model.target.description
                let kind = model.kind.rawValue
                output.write(
                    name + String(repeating: " ", count: width - name.count + 2) + kind
                        + String(repeating: " ", count: kindWidth - kind.count + 2) + model.path + "\n")
            }
        }
        output.flush()
    }
}
