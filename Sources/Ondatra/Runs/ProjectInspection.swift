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
    /// The dependency graph (models whose SQL does not parse have no edges): the models each
    /// model's query reads, and the models its checks read (`relationships(id, mart.customers, id)`).
    public let graph: DependencyGraph
    /// The models each model's query reads: what decides its run type and what it reads changes of.
    public let queryDependencies: [Target: [Target]]

    /// Reads the models and resolves their dependencies on `session`.
    /// - Throws: ``OndatraError`` for a bad header or a dependency cycle.
    /// - Parameter scripts: finds the queries of Starlark models (their dependencies); without it
    ///   they have none.
    public init(project: Project, session: Session, scripts: ScriptHost? = nil) throws {
        models = try ModelDiscovery.models(in: project)
        let targets = Set(models.map(\.target))
        var references: [Target: TableReferences] = [:]
        var parseErrors: [Target: String] = [:]
        var dependencies: [Target: [Target]] = [:]
        // Every statement to parse, with the model it belongs to: a SQL model's body, or each
        // literal query of a Starlark model.
        var statements: [(model: Model, sql: String)] = []
        for model in models {
            dependencies[model.target] = []
            switch model.language {
            case .sql where model.kind != .events: statements.append((model, model.body))
            case .starlark:
                do {
                    for sql in try scripts?.queries(in: model) ?? [] { statements.append((model, sql)) }
                } catch let error as OndatraError {
                    parseErrors[model.target] = error.description
                }
            default: break
            }
        }
        // An events model's declaration (or a directive it does not take) fails that model only.
        for model in models where model.kind == .events {
            do {
                _ = try EventsTable.declaredColumns(of: model)
            } catch let error as OndatraError {
                parseErrors[model.target] = error.description
            }
        }
        let found = try TableReferences.of(statements.map(\.sql), on: session.connection)
        for ((model, _), result) in zip(statements, found) where parseErrors[model.target] == nil {
            switch result {
            case .success(let found):
                let merged = references[model.target].map { $0.merging(found) } ?? found
                references[model.target] = merged
                dependencies[model.target] = merged.targets(catalog: session.catalog, models: targets)
                    .filter { $0 != model.target }
            case .failure(let error):
                references[model.target] = nil
                guard model.language == .sql else {
                    parseErrors[model.target] = "\(model.path): \(Session.oneLine(error.message))"
                    continue
                }
                parseErrors[model.target] = Self.located(error, in: model)
            }
        }
        self.references = references
        self.parseErrors = parseErrors
        queryDependencies = dependencies
        // A check reading another model needs that model built first: an edge for the order only.
        for model in models {
            let read = (model.directives.constraints + model.directives.audits + model.directives.warnings)
                .flatMap(ModelChecks.namedModels).filter { targets.contains($0) && $0 != model.target }
            for target in read where !(dependencies[model.target] ?? []).contains(target) {
                dependencies[model.target, default: []].append(target)
            }
        }
        graph = try DependencyGraph(dependencies: dependencies)
    }

    /// A parser error of a SQL model at the line and column DuckDB points at, with that line and
    /// a caret under the spot: `models/raw/s.sql:4:11: syntax error at or near "="`. DuckDB
    /// counts the position in characters (Unicode scalars), not bytes.
    static func located(_ error: DuckDBError, in model: Model) -> String {
        let message = Session.oneLine(error.message)
        let body = Array(model.body.unicodeScalars)
        guard let position = error.position, position >= 0, position <= body.count else {
            return "\(model.path):\(model.bodyLine): \(message)"
        }
        let before = body[..<position]
        let lineOffset = before.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
        let lineStart = (before.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
        let lineEnd = body[position...].firstIndex(of: "\n") ?? body.count
        var text = String.UnicodeScalarView()
        text.append(contentsOf: body[lineStart..<lineEnd])
        // The caret lines up under the spot whatever the line holds: tabs stay tabs.
        let padding = String(body[lineStart..<position].map { $0 == "\t" ? "\t" : " " })
        return "\(model.path):\(model.bodyLine + lineOffset):\(position - lineStart + 1): \(message)\n  "
            + "\(String(text))\n  \(padding)^"
    }
}
