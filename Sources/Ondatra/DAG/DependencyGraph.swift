/// Models ordered so every model runs after the models it reads.
public struct DependencyGraph: Sendable {
    /// Each model's dependencies (model targets it reads).
    public let dependencies: [Target: [Target]]
    /// Models in run order: dependencies first, ties broken by target name.
    public let order: [Target]

    /// Builds the graph.
    /// - Throws: ``OndatraError`` naming the models of a cycle, in order.
    public init(dependencies: [Target: [Target]]) throws {
        self.dependencies = dependencies
        var remaining: [Target: Set<Target>] = dependencies.mapValues { Set($0) }
        var dependents: [Target: [Target]] = [:]
        for (target, deps) in dependencies { for dep in deps { dependents[dep, default: []].append(target) } }
        var ready = remaining.filter { $0.value.isEmpty }.map(\.key).sorted()
        var order: [Target] = []
        while !ready.isEmpty {
            let next = ready.removeFirst()
            order.append(next)
            for dependent in (dependents[next] ?? []).sorted() {
                remaining[dependent]?.remove(next)
                if remaining[dependent]?.isEmpty == true, !order.contains(dependent), !ready.contains(dependent) {
                    ready.append(dependent)
                    ready.sort()
                }
            }
        }
        guard order.count == dependencies.count else {
            let cycle = Self.findCycle(in: dependencies, among: Set(dependencies.keys).subtracting(order))
            throw OndatraError(.project, "dependency cycle: " + cycle.map(\.description).joined(separator: " → "))
        }
        self.order = order
    }

    /// Every model that (directly or not) reads `target`.
    public func downstream(of target: Target) -> Set<Target> {
        var result: Set<Target> = []
        var frontier = [target]
        while let current = frontier.popLast() {
            for (model, deps) in dependencies where deps.contains(current) && result.insert(model).inserted {
                frontier.append(model)
            }
        }
        return result
    }

    /// Every model `target` reads, directly or not.
    public func upstream(of target: Target) -> Set<Target> {
        var result: Set<Target> = []
        var frontier = [target]
        while let current = frontier.popLast() {
            for dependency in dependencies[current] ?? [] where result.insert(dependency).inserted {
                frontier.append(dependency)
            }
        }
        return result
    }

    private static func findCycle(in dependencies: [Target: [Target]], among nodes: Set<Target>) -> [Target] {
        // Walk dependencies from the smallest unresolved model until a model repeats.
        guard var current = nodes.sorted().first else { return [] }
        var path: [Target] = []
        while !path.contains(current) {
            path.append(current)
            guard let next = (dependencies[current] ?? []).filter({ nodes.contains($0) }).sorted().first else {
                return path
            }
            current = next
        }
        let start = path.firstIndex(of: current) ?? 0
        return Array(path[start...]) + [current]
    }
}
