import DuckDB

/// A project's models and their dependency graph, without running anything (for `describe`).
public struct ProjectInspection {
    /// Every model, by target order.
    public let models: [Model]
    /// The dependency graph (models whose SQL does not parse have no edges).
    public let graph: DependencyGraph

    /// Reads the models and resolves their dependencies on `session`.
    public init(project: Project, session: Session) throws {
        models = try ModelDiscovery.models(in: project)
        let targets = Set(models.map(\.target))
        var dependencies: [Target: [Target]] = [:]
        for model in models {
            guard model.language == .sql, model.kind != .events,
                let references = try? TableReferences.of(model.body, on: session.connection)
            else {
                dependencies[model.target] = []
                continue
            }
            dependencies[model.target] = references.targets(catalog: session.catalog, models: targets).filter {
                $0 != model.target
            }
        }
        graph = try DependencyGraph(dependencies: dependencies)
    }
}
