import ArgumentParser
import Dispatch
import DuckDB
import Foundation
import Ondatra
import OndatraStarlark

#if canImport(Glibc)
    import Glibc
#endif

/// `ondatrasql run [TARGET…]`: materializes the models in dependency order.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the models (all, or the given targets) in dependency order.",
        discussion: """
            Each model is built by its kind (table, append, merge, …) and run type: backfill on the first
            run or when the model changed, full or incremental when something upstream changed, skip
            otherwise. Exit code 1 when a model failed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: ArgumentHelp(
            "What to run (default: every model): schema.table, +X (with upstreams), X+ (with downstreams), schema.*, or a model file or folder.",
            valueName: "SELECTOR"))
    var targets: [String] = []

    @Flag(help: "Print what a run would do with each model (run type and reason) and run nothing.")
    var plan = false

    @Flag(help: "Print one JSON object per model on stdout (human text goes to stderr).")
    var json = false

    @Flag(
        help: ArgumentHelp(
            "Rebuild the models that run (the given targets, or all) from scratch.",
            discussion:
                "The only way to rebuild a merge, scd2, tracked or append table: what it keeps (history, rows merge never deletes) is thrown away."
        ))
    var fullRefresh = false

    @Flag(help: "Queue @sink models' changes but push nothing (a later run, or sync retry, pushes them).")
    var noSync = false

    @Flag(help: "Fail the run (exit 1) when a @sink change failed or was rejected.")
    var strictSync = false

    func run() throws {
        let typedIn = URL(filePath: FileManager.default.currentDirectoryPath, directoryHint: .isDirectory)
        let project = try global.resolveProject()
        let selectors = try ModelSelector.parsing(targets)
        if plan { return try printPlan(project: project, selectors: selectors, workingDirectory: typedIn) }
        let lock = try ProjectLock(project: project)
        defer { withExtendedLifetime(lock) {} }
        let session = try Session(project: project)
        // Scripts print to stderr, so --json output on stdout stays parseable.
        let scripts = try StarlarkHost(project: project) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let runner = Runner(project: project, session: session, scripts: scripts)
        runner.syncOptions.push = !noSync
        runner.timesStatements = global.verbosity == .verbose
        // Progress on a terminal only, and not with -q.
        let progressLine = try global.progressLine(session: session)
        defer { progressLine?.close() }
        if let progressLine {
            // One line, rewritten in place as a lib's pages arrive and after each batch of a sink.
            scripts.progress = { lib, pages, rows in progressLine.report("  \(lib): \(pages) page(s), \(rows) row(s)") }
            runner.syncOptions.progress = { target, report in
                let (whole, fraction) = report.duration.components
                let seconds = Double(whole) + Double(fraction) / 1e18
                let rate = seconds > 0 ? " \(Int(Double(report.rows) / seconds)) rows/s" : ""
                let failures = report.retried + report.dead
                progressLine.report(
                    "  \(target) sync: \(report.batches) batch(es), \(report.rows) row(s)\(rate), \(failures) failed")
            }
            if !json {
                // How long the model has run and how far its query is, after a second.
                runner.onActivity = { target, activity in
                    if activity == .materializing {
                        progressLine.startModel(target)
                    } else {
                        progressLine.finishModel()
                    }
                }
            }
        }
        let interrupt = session.connection.interruptHandle
        // Ctrl-C, SIGTERM (what cron, systemd and container stops send) and SIGHUP: stop the
        // running statement (its transaction rolls back), give back batches in flight, run nothing more.
        let stop = StopSignals()
        defer { stop.cancel() }
        stop.onStop {
            runner.requestStop()
            interrupt.interrupt()
            scripts.cancel()
        }
        let human = json ? FileHandle.standardError : FileHandle.standardOutput
        let report = RunReport(
            colour: !json && global.usesColour(on: STDOUT_FILENO), verbosity: global.verbosity)
        var lastStatus: ModelResult.Status?
        runner.onResult = { result in
            lastStatus = result.status
            // Clear a progress line left on the terminal before the model's line.
            progressLine?.finishModel()
            let text = report.text(for: result)
            if !text.isEmpty { human.write(Data(text.utf8)) }
            if json { FileHandle.standardOutput.write(Data((result.json.text + "\n").utf8)) }
        }
        let summary: RunSummary
        do {
            summary = try runner.run(selecting: selectors, workingDirectory: typedIn, fullRefresh: fullRefresh)
        } catch  where runner.stopRequested.load(ordering: .relaxed) {
            // Ctrl-C while the project was being read: nothing ran.
            throw CommandFailure(message: "interrupted before any model ran", exitCode: 130)
        }
        human.write(Data((summary.line + "\n").utf8))
        if let models = try? ModelDiscovery.models(in: project) {
            for folder in EventsBuffer.orphans(in: project, models: models) {
                FileHandle.standardError.write(
                    Data(
                        ("warning: .ondatra/events/\(folder)/ holds buffered events, but no events model is "
                            + "\(folder) now; restore that model (@kind: events) and run again to flush them\n").utf8))
            }
        }
        if runner.stopRequested.load(ordering: .relaxed) {
            // The signal may also come between models, or after the running one committed.
            let message =
                lastStatus == .error
                ? "interrupted: the model that was running was rolled back" : "interrupted: no further models ran"
            throw CommandFailure(message: message, exitCode: 130)
        }
        if summary.failed > 0 { throw CommandFailure(message: "\(summary.failed) model(s) failed", exitCode: 1) }
        let failingSyncs = summary.results.filter { $0.sync?.hasFailures ?? false }
        if strictSync && !failingSyncs.isEmpty {
            throw CommandFailure(
                message:
                    "sync failed for \(failingSyncs.map(\.target.description).joined(separator: ", ")) (--strict-sync); see ondatrasql sync status",
                exitCode: 1)
        }
    }

    /// `run --plan`: what a run would do with each selected model, from the catalog's state alone.
    /// Takes no lock: it writes nothing.
    private func printPlan(project: Project, selectors: [ModelSelector], workingDirectory: URL) throws {
        // Reading never creates the catalog of a project that has not run yet.
        let reading = try ReadingSession(project: project)
        defer { reading.close() }
        let session = reading.session
        let scripts = try StarlarkHost(project: project) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let runner = Runner(project: project, session: session, scripts: scripts)
        let planned = try runner.plan(
            selecting: selectors, workingDirectory: workingDirectory, fullRefresh: fullRefresh)
        let human = json ? FileHandle.standardError : FileHandle.standardOutput
        for model in planned {
            human.write(Data((model.line + "\n").utf8))
            if json { FileHandle.standardOutput.write(Data((model.json.text + "\n").utf8)) }
        }
        let failing = planned.filter { $0.status == .error }.count
        let running = planned.filter { $0.status == .ok }.count
        human.write(
            Data(
                "Plan: \(running) would run, \(planned.count - running - failing) skipped, \(failing) would fail (nothing ran)\n"
                    .utf8))
        if failing > 0 { throw CommandFailure(message: "\(failing) model(s) would fail", exitCode: 1) }
    }
}

extension ModelSelector {
    /// The selectors of a command line.
    /// - Throws: ``CommandFailure`` (exit 2) for one that is only `+` marks.
    static func parsing(_ texts: [String]) throws -> [ModelSelector] {
        try texts.map { text in
            guard let selector = ModelSelector(text) else {
                throw CommandFailure(
                    message:
                        "'\(text)' selects nothing; write schema.table, +schema.table, schema.table+, schema.* or a path",
                    exitCode: 2)
            }
            return selector
        }
    }
}
