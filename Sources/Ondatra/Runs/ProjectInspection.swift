import DuckDB

/// A project's models and their dependency graph, without running anything (for `run` and
/// `describe`).
public struct ProjectInspection {
    /// Every model, by target order.
    public let models: [Model]
    /// What each SQL model reads, for models whose SQL parses.
    public let references: [Target: TableReferences]
    /// The parser's message, with file and line, for models whose SQL does not parse.
    public let parseErrors: [Target: String]
    /// The dependency graph (models whose SQL does not parse have no edges).
    public let graph: DependencyGraph

    /// Reads the models and resolves their dependencies on `session`.
    /// - Throws: ``OndatraError`` for a bad header or a dependency cycle.
    public init(project: Project, session: Session) throws {
        models = try ModelDiscovery.models(in: project)
        let targets = Set(models.map(\.target))
        var references: [Target: TableReferences] = [:]
        var parseErrors: [Target: String] = [:]
        var dependencies: [Target: [Target]] = [:]
        let parsed = models.filter { $0.language == .sql && $0.kind != .events }
        let found = try TableReferences.of(parsed.map(\.body), on: session.connection)
        for model in models { dependencies[model.target] = [] }
        for (model, result) in zip(parsed, found) {
            switch result {
            case .success(let found):
                references[model.target] = found
                dependencies[model.target] = found.targets(catalog: session.catalog, models: targets)
                    .filter { $0 != model.target }
            case .failure(let error):
                parseErrors[model.target] = "\(model.path):\(model.bodyLine): \(Session.oneLine(error.message))"
            }
        }
        self.references = references
        self.parseErrors = parseErrors
        graph = try DependencyGraph(dependencies: dependencies)
    }
}
