import Ondatra
import OndatraStarlark
import OndatraTesting
import Synchronization

/// Runs every model of `project` with the Starlark host, on a thread of its own (scripts block on
/// the network); returns the results by target and the lines scripts printed.
func runWithStarlarkHost(_ project: Project, environment: [String: String] = [:]) async throws -> (
    results: [String: ModelResult], printed: [String]
) {
    try await runBlocking {
        let printed = Mutex<[String]>([])
        let session = try Session(project: project, environment: environment)
        let host = try StarlarkHost(project: project) { line in printed.withLock { $0.append(line) } }
        let summary = try Runner(project: project, session: session, scripts: host).run()
        let results = Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
        return (results, printed.withLock { $0 })
    }
}
