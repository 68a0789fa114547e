import Foundation
import Ondatra
import RateLimit
import Starlark
import StarlarkHTTP

/// Runs `models/**/*.star`: the script's top-level code runs with the host modules, and the rows
/// it passes to `save.row()` become the model's result, materialized by its kind.
public final class StarlarkModels: ScriptModelRunner {
    let project: Project
    let transport: any HTTPTransport
    let clock: any RequestClock
    /// Receives each line a script prints, secrets already hidden.
    let log: @Sendable (String) -> Void

    /// Creates the runner.
    /// - Parameters:
    ///   - transport: where `http` calls go (the shared network client by default).
    ///   - clock: what `sleep`, rate limits and backoff wait on.
    ///   - log: receives `print()` output, redacted.
    public init(
        project: Project, transport: any HTTPTransport = AsyncHTTPClientTransport.shared,
        clock: any RequestClock = SystemRequestClock(), log: @escaping @Sendable (String) -> Void
    ) {
        self.project = project
        self.transport = transport
        self.clock = clock
        self.log = log
    }

    /// The SQL of every string-literal `query("…")` in the model.
    public func queries(in model: Model) throws -> [String] {
        do {
            return CallLiterals.strings(calling: "query", in: try Parser.parse(source(of: model), file: model.path))
        } catch let error as StarlarkSyntaxError {
            throw OndatraError(.project, error.message, file: model.path, line: error.position.line)
        }
    }

    /// Runs the model and loads what it saved into the result table.
    public func run(_ run: ScriptModelRun) throws -> ScriptModelOutcome {
        let session = run.session
        let redactor = session.redactor
        let saved = RowCollector(source: "save.row")
        let query = QueryFunction(
            session: session, tracked: run.trackedTarget.map { ($0, run.model.directives.uniqueKey) })
        let http = HTTPModule(transport: transport, clock: clock, redact: { redactor.redact($0) })
        var predeclared = ScriptEnvironment.predeclared(
            http: http, variables: session.variables, clock: clock)
        predeclared["query"] = .builtin(query.builtin)
        predeclared["save"] = .object(ScriptEnvironment.save(saved))
        let loader = ProjectLoader(project: project, predeclared: predeclared)
        let thread = StarlarkThread(name: run.model.target.description)
        let log = self.log
        let target = run.model.target.description
        thread.print = { _, text in log("\(target): \(redactor.redact(text))") }
        thread.load = { thread, module in try loader.load(thread, module) }
        do {
            _ = try StarlarkProgram(
                source: source(of: run.model), file: run.model.path, predeclared: predeclared, options: .all
            )
            .run(on: thread)
        } catch is ScriptAborted {
            return ScriptModelOutcome(rows: 0, aborted: true)
        } catch let error as StarlarkSyntaxError {
            throw OndatraError(
                .project, redactor.redact(error.message), file: run.model.path, line: error.position.line)
        } catch let error as StarlarkError {
            throw OndatraError(.query, redactor.redact(error.description))
        }
        let rows = saved.count == 0 ? 0 : try saved.load(into: run.resultTable, session: session)
        return ScriptModelOutcome(rows: rows, seenKeys: query.seenKeys, queryHashes: query.queryHashes)
    }

    /// The model's code with its header lines kept blank, so positions match the file.
    private func source(of model: Model) -> String {
        String(repeating: "\n", count: max(0, model.bodyLine - 1)) + model.body
    }
}
