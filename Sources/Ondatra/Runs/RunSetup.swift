import Foundation

/// What `run` and `run --plan` read before the first model: the models, their graph, the ones
/// the selectors pick in run order, and what every model's decision needs.
struct RunSetup {
    /// The models and their dependency graph.
    let inspection: ProjectInspection
    /// Each model by its target.
    let byTarget: [Target: Model]
    /// The picked models in run order: every model when there is no selector.
    let selected: [Target]
    /// Every model's target.
    let modelTargets: Set<Target>
    /// The lib functions (`lib/NAME.star`), lower-cased.
    let libFunctions: Set<String>
    /// The config text that goes into every model's hash.
    let configText: String

    /// Reads the project on the runner's session and resolves `selectors`.
    /// - Throws: ``OndatraError`` for a bad header, a cycle, or a selector that matches no model.
    init(runner: Runner, selectors: [ModelSelector], workingDirectory: URL?) throws {
        inspection = try ProjectInspection(project: runner.project, session: runner.session, scripts: runner.scripts)
        byTarget = Dictionary(uniqueKeysWithValues: inspection.models.map { ($0.target, $0) })
        let wanted = try ModelSelection.resolve(
            selectors, models: inspection.models, graph: inspection.graph, project: runner.project,
            workingDirectory: workingDirectory ?? runner.project.root)
        selected = inspection.graph.order.filter { selectors.isEmpty || wanted.contains($0) }
        modelTargets = Set(byTarget.keys)
        libFunctions = runner.scripts?.libFunctions ?? Runner.libFunctionNames(runner.project)
        configText = try ModelHash.configText(runner.project)
    }
}
