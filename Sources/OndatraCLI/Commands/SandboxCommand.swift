import ArgumentParser
import Dispatch
import Foundation
import Ondatra
import OndatraStarlark

#if canImport(Glibc)
    import Glibc
#endif

/// `ondatrasql sandbox [SELECTOR…]`: runs the models against a throwaway copy of the catalog and
/// says what the run would change, without writing to the real catalog or pushing anything.
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the models against a throwaway copy of the catalog and show what would change.",
        discussion: """
            Copies the catalog's metadata (data files are read where they are; new ones go to a \
            scratch folder in .ondatra/sandbox/), runs the selected models there, and prints per model \
            the run type and reason, rows inserted / updated / deleted, schema changes, and for @sink \
            models how many changes of each type would be pushed. Nothing is written to the real \
            catalog, nothing is pushed, events stay in the buffer; the copy is removed afterwards, also \
            after Ctrl-C. Lib functions are called as in a real run. Exit code 1 when a model would fail.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: ArgumentHelp(
            "What to run (default: every model): schema.table, +X, X+, schema.*, or a model file or folder.",
            valueName: "SELECTOR"))
    var targets: [String] = []

    @Flag(help: "Print one JSON object per model on stdout (human text goes to stderr).")
    var json = false

    @Flag(help: "Rebuild the models that run from scratch, as run --full-refresh would.")
    var fullRefresh = false

    func run() throws {
        let typedIn = URL(filePath: FileManager.default.currentDirectoryPath, directoryHint: .isDirectory)
        let project = try global.resolveProject()
        let selectors = try ModelSelector.parsing(targets)
        // Ctrl-C and SIGTERM are caught from the start, so the scratch folder is removed on the
        // way out even when they come while the copy is being made.
        let stop = StopSignals()
        defer { stop.cancel() }
        let sandbox = try Sandbox(project: project)
        defer { sandbox.remove() }
        let session = try sandbox.context.makeSession()
        let scripts = try StarlarkHost(project: project) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let runner = Runner(project: project, session: session, scripts: scripts)
        sandbox.confine(runner)
        let measure = try SandboxMeasure(
            sandbox: sandbox, session: session, models: ModelDiscovery.models(in: project))
        let interrupt = session.connection.interruptHandle
        stop.onStop {
            runner.requestStop()
            interrupt.interrupt()
            scripts.cancel()
        }
        let human = json ? FileHandle.standardError : FileHandle.standardOutput
        let colour = !json && global.usesColour(on: STDOUT_FILENO)
        let progressLine = try global.progressLine(session: session)
        defer { progressLine?.close() }
        if let progressLine {
            scripts.progress = { lib, pages, rows in progressLine.report("  \(lib): \(pages) page(s), \(rows) row(s)") }
            if !json {
                runner.onActivity = { target, activity in
                    if activity == .materializing {
                        progressLine.startModel(target)
                    } else {
                        progressLine.finishModel()
                    }
                }
            }
        }
        runner.timesStatements = global.verbosity == .verbose
        runner.onResult = { result in
            progressLine?.finishModel()
            // A comparison Ctrl-C stopped says nothing: the run ends here.
            let changes = runner.stopRequested.load(ordering: .relaxed) ? nil : measure.changes(of: result)
            let text = Self.text(result, changes: changes, colour: colour, verbosity: global.verbosity)
            if !text.isEmpty { human.write(Data(text.utf8)) }
            if json {
                var object = result.json.objectValue ?? [:]
                object["changes"] = changes?.json ?? .null
                FileHandle.standardOutput.write(Data((JSONValue.object(object).text + "\n").utf8))
            }
        }
        let summary: RunSummary
        do {
            summary = try runner.run(selecting: selectors, workingDirectory: typedIn, fullRefresh: fullRefresh)
        } catch  where runner.stopRequested.load(ordering: .relaxed) {
            human.write(Data("Sandbox interrupted; nothing was written to the catalog and nothing was pushed\n".utf8))
            throw CommandFailure(message: "interrupted before any model ran; the sandbox was removed", exitCode: 130)
        }
        if runner.stopRequested.load(ordering: .relaxed) {
            human.write(Data("Sandbox interrupted; nothing was written to the catalog and nothing was pushed\n".utf8))
            throw CommandFailure(message: "interrupted; the sandbox was removed", exitCode: 130)
        }
        let ran = summary.results.filter { $0.status == .ok }.count
        let failed = summary.results.filter { $0.status == .error }.count
        human.write(
            Data(
                ("Sandbox: \(ran) would run, \(summary.results.count - ran - failed) skipped, \(failed) would fail; "
                    + "nothing was written to the catalog and nothing was pushed\n").utf8))
        if failed > 0 { throw CommandFailure(message: "\(failed) model(s) would fail", exitCode: 1) }
    }

    /// One model's text: `[OK] staging.orders (merge, incremental) — deps changed: +3 ~1 -0 rows;
    /// would push 3 insert`, then `-v` details and warnings, each line ending in a newline; ""
    /// when `-q` leaves it out.
    static func text(_ result: ModelResult, changes: SandboxChanges?, colour: Bool, verbosity: Verbosity) -> String {
        let troubled = result.status == .error || !result.warnings.isEmpty || changes?.problem != nil
        if verbosity == .quiet && !troubled { return "" }
        var text = Terminal.paint(result.tag, RunReport.colour(of: result.status), enabled: colour) + " "
        switch result.status {
        case .ok:
            let reason = result.reason.isEmpty ? "" : " — \(result.reason)"
            let measured = changes.map { ": " + $0.line } ?? ": nothing to write"
            text += "\(result.target) (\(result.kind.rawValue), \(result.runType.rawValue))\(reason)\(measured)\n"
        case .skip:
            text +=
                "\(result.target) (\(result.kind.rawValue), skip: \(result.reason))"
                + (changes?.pushLine.map { "; " + $0 } ?? "") + "\n"
        case .error:
            text += "\(result.target): \(result.errors.first ?? "failed")\n"
        }
        if verbosity == .verbose { text += RunReport.details(result) }
        for warning in result.warnings { text += "  warning: \(warning)\n" }
        return text
    }

}
