import DuckDB
import Foundation
import Ondatra
import RateLimit
import Starlark
import StarlarkHTTP
import Synchronization

/// Runs `models/**/*.star`: the script's top-level code runs with the host modules, and the rows
/// it passes to `save.row()` become the model's result, materialized by its kind.
public final class StarlarkHost: ScriptHost {
    let project: Project
    let transport: any HTTPTransport
    let clock: any RuntimeClock
    /// Receives each line a script prints, secrets already hidden.
    let log: @Sendable (String) -> Void
    /// The project's lib functions, by lowercased name.
    public let libs: [String: LibFunction]
    /// Lib files with mistakes, by lower-cased name: only the models that use them fail.
    public let brokenLibs: [String: OndatraError]
    /// One limiter per lib with a `rate_limit`, shared by every call of that lib in this process.
    private var limiters: [String: RateLimiter] = [:]
    /// Receives fetch progress (lib, pages, rows) after every page; for a terminal display.
    public var progress: (@Sendable (String, Int, Int) -> Void)?
    /// The threads of scripts running now, so ``cancel()`` can reach them from another thread.
    private let running = Mutex<[ObjectIdentifier: StarlarkThread]>([:])

    /// Creates the host and reads every lib function's `API` dict.
    /// - Parameters:
    ///   - transport: where `http` calls go (the shared network client by default).
    ///   - clock: what `sleep`, rate limits and backoff wait on.
    ///   - log: receives `print()` output, redacted.
    /// - Throws: ``OndatraError`` naming the file and key of a bad `API` dict.
    public init(
        project: Project, transport: any HTTPTransport = AsyncHTTPClientTransport.shared,
        clock: any RuntimeClock = SystemClock(), log: @escaping @Sendable (String) -> Void
    ) throws {
        self.project = project
        self.transport = transport
        self.clock = clock
        self.log = log
        let libraries = LibRegistry.load(project)
        libs = libraries.functions
        brokenLibs = libraries.broken
    }

    /// Stops every running script (Ctrl-C): an HTTP request in flight is cancelled, a wait ends,
    /// and the script fails with "interrupted" at its next step, so its model writes nothing.
    /// Safe from any thread.
    public func cancel() {
        for thread in running.withLock({ Array($0.values) }) { thread.cancel("interrupted") }
    }

    /// Runs `body` with `thread` registered for ``cancel()``.
    func whileRunning<Result>(_ thread: StarlarkThread, _ body: () throws -> Result) rethrows -> Result {
        let key = ObjectIdentifier(thread)
        running.withLock { $0[key] = thread }
        defer { _ = running.withLock { $0.removeValue(forKey: key) } }
        return try body()
    }

    /// `text` with `redactor`'s secrets hidden, and every OAuth2 secret and token this process
    /// has seen so far (tokens are renewed during a run).
    static func redact(_ redactor: SecretRedactor, _ text: String) -> String {
        var redactor = redactor
        for secret in OAuthTokens.knownSecrets { redactor.add(secret) }
        return redactor.redact(text)
    }

    /// The lib functions SQL can read, lowercased; a broken lib file is one too, so the models
    /// that read it fail with its mistakes.
    public var libFunctions: Set<String> { Set(libs.keys).union(brokenLibs.keys) }

    /// The lib function `name` (lower-cased), or the mistakes of its file.
    /// - Throws: the error of a lib file that does not parse or whose `API` dict has mistakes.
    func lib(named name: String) throws -> LibFunction? {
        if let broken = brokenLibs[name] { throw broken }
        return libs[name]
    }

    func limiter(for lib: LibFunction) -> RateLimiter? {
        guard let settings = lib.api.rateLimit else { return nil }
        if let existing = limiters[lib.name] { return existing }
        let limiter = RateLimiter(requests: settings.requests, per: settings.period)
        limiters[lib.name] = limiter
        return limiter
    }

    /// The predeclared names and thread a script or lib file runs with.
    /// - Parameters:
    ///   - label: what its printed lines start with.
    ///   - path: the file, project-relative (loading it again from itself is a cycle).
    func environment(
        for label: String, path: String, session: Session, redactor: SecretRedactor, settings: HTTPSettings,
        collector: RowCollector,
        incremental: IncrementalState?, tracked: QueryFunction? = nil, query: Builtin? = nil
    ) throws -> (predeclared: [String: Starlark.Value], thread: StarlarkThread) {
        try Self.environment(
            project: project, transport: transport, clock: clock, log: log, for: label, path: path, session: session,
            redactor: redactor, settings: settings, collector: collector, incremental: incremental, tracked: tracked,
            query: query)
    }

    /// The predeclared names and thread a script runs with, from the host's parts alone (so
    /// threads of their own can make one).
    /// - Parameter query: `query()` when it must not run on the session directly (a fetch's
    ///   Starlark thread hands its queries to the session's thread).
    static func environment(
        project: Project, transport: any HTTPTransport, clock: any RuntimeClock,
        log: @escaping @Sendable (String) -> Void,
        for label: String, path: String, session: Session, redactor: SecretRedactor, settings: HTTPSettings,
        collector: RowCollector,
        incremental: IncrementalState?, tracked: QueryFunction? = nil, query override: Builtin? = nil
    ) throws -> (predeclared: [String: Starlark.Value], thread: StarlarkThread) {
        let query = tracked ?? QueryFunction(session: session, tracking: nil)
        let http = HTTPModule(
            settings: settings, transport: transport, clock: clock, redact: { Self.redact(redactor, $0) })
        var predeclared = ScriptEnvironment.predeclared(http: http, variables: session.variables, clock: clock)
        predeclared["query"] = .builtin(override ?? query.builtin)
        predeclared["save"] = .object(ScriptEnvironment.save(collector, origins: query.origins))
        predeclared["incremental"] = .object(IncrementalModule(incremental))
        let loader = ProjectLoader(project: project, predeclared: predeclared, entry: path)
        let thread = StarlarkThread(name: label)
        TimeModule.setNow(thread) { clock.wallTime }
        thread.print = { _, text in log("\(label): \(Self.redact(redactor, text))") }
        thread.load = { thread, module in try loader.load(thread, module) }
        return (predeclared, thread)
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
            session: session,
            tracking: run.model.kind == .tracked
                ? QueryFunction.Tracking(
                    target: run.trackedTarget, keys: run.model.directives.uniqueKey,
                    filtered: run.savedQueries.map(Set.init))
                : nil)
        defer { query.dropScratch() }
        let environment = try environment(
            for: run.model.target.description, path: run.model.path, session: session, redactor: redactor,
            settings: HTTPSettings(),
            collector: saved, incremental: run.incremental, tracked: query)
        do {
            try whileRunning(environment.thread) {
                _ = try StarlarkProgram(
                    source: source(of: run.model), file: run.model.path, predeclared: environment.predeclared,
                    options: .all
                ).run(on: environment.thread)
                try environment.thread.checkCancellation()
            }
        } catch is ScriptAborted {
            return ScriptModelOutcome(rows: 0, aborted: true)
        } catch let error as StarlarkSyntaxError {
            throw OndatraError(
                .project, Self.redact(redactor, error.message), file: run.model.path, line: error.position.line)
        } catch let error as StarlarkError {
            throw OndatraError(.query, Self.redact(redactor, error.description))
        }
        let rows = saved.count == 0 ? 0 : try saved.load(into: run.resultTable, session: session)
        guard let origins = query.origins else { return ScriptModelOutcome(rows: rows) }
        // A run that saved nothing learned nothing about where rows come from.
        let sources = saved.count == 0 ? run.savedQueries : origins.fingerprints.sorted()
        if origins.ambiguous > 0 {
            log(
                "\(run.model.target): warning: \(origins.ambiguous) saved row(s) match rows of more than one query(), so no query is filtered to changed rows next run; save the dicts query() returned (save.row(row)) to sync only what changed"
            )
        }
        return ScriptModelOutcome(
            rows: rows, queryHashes: try query.hashes(of: sources.map(Set.init)), savedQueries: sources)
    }

    /// The model's code with its header lines kept blank, so positions match the file.
    private func source(of model: Model) -> String {
        String(repeating: "\n", count: max(0, model.bodyLine - 1)) + model.body
    }
}
