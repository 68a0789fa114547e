import Ondatra

/// How much the commands print: `-q` only failures, warnings and the summary; `-v` details too.
enum Verbosity: Sendable {
    case quiet, normal, verbose
}

/// The human text of `run`: one line per model, the lines under it, and the summary.
struct RunReport {
    /// Whether the status words are coloured.
    var colour = false
    /// How much is printed.
    var verbosity = Verbosity.normal

    /// The most slow statements `-v` lists under a model.
    static let slowestStatements = 3
    /// The most characters of a statement `-v` shows.
    static let statementWidth = 100

    /// The text for one model (each line ending in a newline), or "" when `-q` leaves it out: a
    /// model that ran or was skipped without a warning or a sync problem.
    func text(for result: ModelResult) -> String {
        let syncTrouble = result.sync.map { $0.hasFailures || !$0.warnings.isEmpty } ?? false
        if verbosity == .quiet && result.status != .error && result.warnings.isEmpty && !syncTrouble { return "" }
        var text = Terminal.paint(result.tag, Self.colour(of: result.status), enabled: colour) + " "
        text += result.summary + "\n"
        if verbosity == .verbose { text += Self.details(result) }
        for warning in result.warnings { text += "  warning: \(warning)\n" }
        if let sync = result.sync { text += Self.syncDetails(sync, target: result.target) }
        return text
    }

    /// The colour of a status word: `[OK]` green, `[SKIP]` yellow, `[FAILED]` red.
    static func colour(of status: ModelResult.Status) -> Terminal.Colour {
        switch status {
        case .ok: .green
        case .skip: .yellow
        case .error: .red
        }
    }

    /// The `-v` lines: how an incremental run read its inputs, the models it reads, and its
    /// statements' count and time with the slowest ones.
    static func details(_ result: ModelResult) -> String {
        var text = ""
        if let strategy = result.strategy { text += "  strategy: \(strategy)\n" }
        if !result.dependencies.isEmpty {
            text += "  reads: \(result.dependencies.map(\.description).joined(separator: ", "))\n"
        }
        let statements = result.statements
        guard !statements.isEmpty else { return text }
        let total = statements.reduce(0) { $0 + $1.durationMs }
        text += "  sql: \(statements.count) statement(s), \(total) ms; slowest:\n"
        let slowest = statements.indices.sorted { statements[$0].durationMs > statements[$1].durationMs }
            .prefix(slowestStatements).sorted()
        for index in slowest {
            let statement = statements[index]
            let sql =
                statement.sql.count > statementWidth ? statement.sql.prefix(statementWidth - 1) + "…" : statement.sql
            text += "    \(statement.durationMs) ms  \(sql)\n"
        }
        return text
    }

    /// The lines under a model's line that say why its sync warned or failed: the first few
    /// messages, and where to look for the rest.
    static func syncDetails(_ sync: SyncSummary, target: Target) -> String {
        var text = ""
        for warning in sync.warnings.prefix(3) { text += "  sync warning: \(warning)\n" }
        if sync.warnings.count > 3 { text += "  … \(sync.warnings.count - 3) more warning(s) in --json\n" }
        for error in sync.errors.prefix(3) { text += "  sync error: \(error)\n" }
        if sync.hasFailures { text += "  see `ondatrasql sync status \(target)`\n" }
        return text
    }
}
