import DuckDB
import Foundation
import Ondatra
import Starlark
import Synchronization

/// Lib functions read from SQL: the Starlark runs on a thread of its own and hands each page to
/// the session's thread, which stages it at once in the run's staging file (``FetchStaging``), so
/// a fetch's memory does not grow with its rows.
extension StarlarkHost {
    /// Pages waiting to be staged at most, while the Starlark thread fetches the next.
    static let pagesInFlight = 2

    /// Calls lib function `name` page by page and loads its rows into `table` of the attached
    /// database `catalog` (the run's staging file).
    public func fetch(
        _ name: String, arguments: [DuckDB.Value], session: Session, into table: String, catalog: String,
        model: Model, incremental: IncrementalState?
    ) throws -> Int64? {
        guard let lib = try lib(named: name) else {
            throw OndatraError(.project, "no lib function \(name) (lib/\(name).star)", file: model.path)
        }
        let declared = lib.api.fetch?.arguments ?? []
        guard arguments.count == declared.count else {
            let names = declared.isEmpty ? "none" : declared.joined(separator: ", ")
            throw OndatraError(
                .query, "\(lib.name) takes \(declared.count) argument(s) (\(names)), got \(arguments.count)",
                file: model.path)
        }
        var redactor = session.redactor
        let (configured, secrets) = try lib.api.httpSettings(
            file: lib.path, variables: session.variables, rateLimiter: limiter(for: lib),
            oauthCache: project.stateDirectory.appending(path: "oauth/\(lib.name).json"), transport: transport)
        for secret in secrets { redactor.add(secret) }
        let redaction = redactor
        // The last HTTP error the script was answered with: a script that fails after one
        // (reading `.json` of an error page, a missing key) usually fails because of it.
        let lastHTTPError = Mutex<String?>(nil)
        var settings = configured
        settings.onResponse = { status, request in
            if status >= 400 { lastHTTPError.withLock { $0 = "HTTP \(status) from \(request)" } }
        }
        let source = "\(lib.path): fetch"
        let mailbox = FetchMailbox(capacity: Self.pagesInFlight)
        let collector = RowCollector(source: source)
        let environment = try environment(
            for: lib.path, path: lib.path, session: session, redactor: redaction, settings: settings,
            collector: collector, incremental: incremental, query: QueryFunction.builtin { try mailbox.query($0) })
        let staging = FetchStaging(session: session, catalog: catalog, name: table + "_staging", source: source)
        let shape: FetchShape
        do {
            let code = try String(contentsOf: project.url(lib.path), encoding: .utf8)
            shape = try whileRunning(environment.thread) {
                startFetch(
                    lib, code: code, arguments: arguments.map(\.starlark), incremental: incremental,
                    environment: environment, collector: collector, mailbox: mailbox)
                return try stage(from: mailbox, into: staging, query: QueryFunction(session: session, tracking: nil)) {
                    environment.thread.cancel("stopped: staging its rows failed")
                }
            }
        } catch is ScriptAborted {
            return nil
        } catch let error as StarlarkSyntaxError {
            throw OndatraError(
                .project, Self.redact(redaction, error.message), file: lib.path, line: error.position.line)
        } catch let error as StarlarkError {
            let cause = lastHTTPError.withLock { $0 }.map { " (the last HTTP error it got: \($0))" } ?? ""
            throw OndatraError(.query, Self.redact(redaction, error.description + cause))
        }
        let fetchSettings = lib.api.fetch ?? LibAPI.FetchSettings()
        guard collector.count > 0 || !fetchSettings.columns.isEmpty else {
            throw OndatraError(
                .query, "fetch returned no rows; declare \"columns\" in the API's fetch so an empty result has a shape",
                file: lib.path)
        }
        return try staging.finish(
            shape, into: table, declared: fetchSettings.columns,
            dynamic: fetchSettings.dynamicColumns || fetchSettings.columns.isEmpty)
    }

    /// Starts the Starlark thread: it runs the lib file, then the fetch loop, sending each page's
    /// rows to `mailbox` and, last, how it ended.
    private func startFetch(
        _ lib: LibFunction, code: String, arguments: [Starlark.Value], incremental: IncrementalState?,
        environment: (predeclared: [String: Starlark.Value], thread: StarlarkThread), collector: RowCollector,
        mailbox: FetchMailbox
    ) {
        let report = progress
        let thread = Thread {
            let ending = Result<FetchShape, any Error> {
                let globals = try StarlarkProgram(
                    source: code, file: lib.path, predeclared: environment.predeclared, options: .all
                ).run(on: environment.thread)
                guard let fetch = globals["fetch"] else {
                    throw OndatraError(.project, "has no fetch(…, page) function", file: lib.path)
                }
                let loop = LibFetchLoop(function: lib, incremental: incremental) { pages in
                    let rows = collector.takeRows()
                    if !rows.isEmpty { try mailbox.send(.rows(rows)) }
                    report?(lib.name, pages, collector.count)
                }
                try loop.run(
                    fetch, arguments: arguments, thread: environment.thread, collector: collector,
                    finalize: globals["finalize_fetch"])
                // Rows finalize_fetch saved.
                let rows = collector.takeRows()
                if !rows.isEmpty { try mailbox.send(.rows(rows)) }
                // Cancelled after its last step: still interrupted, so nothing it fetched is written.
                try environment.thread.checkCancellation()
                return collector.shape
            }
            // Sending the end never fails: the session's thread waits for it.
            try? mailbox.send(.finished(ending))
        }
        // Starlark recursion is deep on big inputs: the main thread's stack size.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// On the session's thread: stages each page `mailbox` brings and answers `query()` calls,
    /// until the fetch ends; returns the rows' columns and types. When staging fails, `stop` ends
    /// the Starlark thread and its end is awaited before the error is thrown.
    private func stage(
        from mailbox: FetchMailbox, into staging: FetchStaging, query: QueryFunction, stop: () -> Void
    ) throws -> FetchShape {
        var failure: (any Error)?
        while true {
            switch mailbox.receive() {
            case .rows(let rows):
                guard failure == nil else { continue }
                do {
                    try staging.append(rows)
                } catch {
                    failure = error
                    mailbox.stop()
                    stop()
                }
            case .query(let sql, let reply):
                reply.resolve(failure == nil ? Result { try query.run(sql) } : .failure(FetchMailbox.Stopped()))
            case .finished(let ending):
                if let failure { throw failure }
                return try ending.get()
            }
        }
    }
}
