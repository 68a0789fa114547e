import Foundation

/// One selector of `run`, `ls` and `run --plan`, written as dbt users write them.
///
/// - `staging.orders`: one model (without regard to case); `orders` is `main.orders`, or the one
///   model of any schema with that table name.
/// - `staging.*`: every model of a schema; `*`: every model.
/// - `models/staging/orders.sql`, `models/staging/`: the model in a file, or every model under a
///   folder (relative to the folder the command was typed in).
/// - `+X`: X with everything it reads, transitively; `X+`: X with everything that reads it.
public struct ModelSelector: Sendable, Hashable, CustomStringConvertible {
    /// What a selector names before its `+` marks are applied.
    public enum Pattern: Sendable, Hashable {
        /// `schema.table`, or a bare `table`.
        case name(String)
        /// `schema.*`, or `*` (nil schema) for every model.
        case schema(String?)
        /// A model file or a folder of models.
        case path(String)
    }

    /// What it names.
    public let pattern: Pattern
    /// `+` before: add the models it reads, transitively.
    public let withUpstream: Bool
    /// `+` after: add the models that read it, transitively.
    public let withDownstream: Bool
    /// The selector as written.
    public let description: String

    /// Parses a selector; nil when it is empty once its `+` marks are taken off.
    public init?(_ text: String) {
        var core = Substring(text.trimmingCharacters(in: .whitespaces))
        description = String(core)
        withUpstream = core.hasPrefix("+")
        if withUpstream { core = core.dropFirst() }
        withDownstream = core.hasSuffix("+")
        if withDownstream { core = core.dropLast() }
        guard !core.isEmpty else { return nil }
        let body = String(core)
        if body == "*" {
            pattern = .schema(nil)
        } else if body.contains("/") || body.lowercased().hasSuffix(".sql") || body.lowercased().hasSuffix(".star") {
            pattern = .path(body)
        } else if body.hasSuffix(".*") {
            pattern = .schema(String(body.dropLast(2)))
        } else {
            pattern = .name(body)
        }
    }

    /// Selects one model by its target.
    public init(_ target: Target) {
        pattern = .name(target.description)
        withUpstream = false
        withDownstream = false
        description = target.description
    }
}

/// The models a list of selectors picks, resolved against the project's models and graph.
public enum ModelSelection {
    /// The targets `selectors` pick, in no particular order (run order comes from the graph).
    /// An empty list picks nothing; the caller decides whether that means everything.
    /// - Parameter workingDirectory: where relative paths in selectors start.
    /// - Throws: ``OndatraError`` (`.project`) naming a selector that matches no model (with the
    ///   models there are) or a bare table name that several schemas have.
    public static func resolve(
        _ selectors: [ModelSelector], models: [Model], graph: DependencyGraph, project: Project,
        workingDirectory: URL
    ) throws -> Set<Target> {
        var picked: Set<Target> = []
        for selector in selectors {
            let matched = try matches(selector, models: models, project: project, workingDirectory: workingDirectory)
            guard !matched.isEmpty else {
                let known = models.map(\.target.description).sorted()
                let listed = known.isEmpty ? "the project has no models" : "models: " + known.joined(separator: ", ")
                throw OndatraError(.project, "no model builds \(selector.pattern.shown) (\(listed))")
            }
            for target in matched {
                picked.insert(target)
                if selector.withUpstream { picked.formUnion(graph.upstream(of: target)) }
                if selector.withDownstream { picked.formUnion(graph.downstream(of: target)) }
            }
        }
        return picked
    }

    private static func matches(
        _ selector: ModelSelector, models: [Model], project: Project, workingDirectory: URL
    ) throws -> [Target] {
        switch selector.pattern {
        case .schema(nil):
            return models.map(\.target)
        case .schema(let schema?):
            return models.filter { $0.target.schema.lowercased() == schema.lowercased() }.map(\.target)
        case .path(let path):
            let absolute =
                path.hasPrefix("/") ? URL(filePath: path) : workingDirectory.appending(path: path)
            let relative = project.relativePath(of: absolute)
            let folder = relative.hasSuffix("/") ? relative : relative + "/"
            return models.filter { $0.path == relative || $0.path.hasPrefix(folder) }.map(\.target)
        case .name(let name):
            if let target = Target(parsing: name), name.contains(".") {
                // The model's own spelling: `MART.C` picks mart.c.
                return models.filter { $0.target == target }.map(\.target)
            }
            let main = Target(schema: "main", table: name)
            if let model = models.first(where: { $0.target == main }) { return [model.target] }
            let named = models.filter { $0.target.table.lowercased() == name.lowercased() }.map(\.target)
            if named.count > 1 {
                throw OndatraError(
                    .project,
                    "\(name) names several models (\(named.map(\.description).sorted().joined(separator: ", "))); "
                        + "write schema.table")
            }
            return named
        }
    }
}

extension ModelSelector.Pattern {
    /// The pattern as the user wrote it, without `+` marks.
    var shown: String {
        switch self {
        case .name(let name): return name
        case .schema(let schema): return schema.map { "\($0).*" } ?? "*"
        case .path(let path): return path
        }
    }
}
