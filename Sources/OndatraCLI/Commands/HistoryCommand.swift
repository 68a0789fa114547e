import ArgumentParser
import DuckDB
import Foundation
import Ondatra
import OndatraStarlark

/// `ondatrasql history [TARGET] [--limit N]`: the runs recorded in the catalog's commits.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show the runs recorded in the catalog, newest first.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Only this model (schema.table).", valueName: "TARGET"))
    var target: String?

    @Option(help: "How many runs to show (0 shows none).")
    var limit = 20

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more, got \(limit)") }
    }

    @Option(help: "Output format: table, csv, json or markdown.")
    var format: ResultFormat = .table

    func run() throws {
        let project = try global.resolveProject()
        // Reading never creates the catalog of a project that has not run yet.
        let reading = try ReadingSession(project: project)
        defer { reading.close() }
        let session = reading.session
        if let target, Target(parsing: target) == nil {
            throw CommandFailure(message: "'\(target)' is not a target; write schema.table", exitCode: 2)
        }
        if let wanted = target.flatMap(Target.init(parsing:)) {
            // A typo must not look like a model that never ran: name what exists.
            let models = (try? ModelDiscovery.models(in: project)) ?? []
            let ran = try session.query(Self.query(session, target: wanted, limit: 1)).allRows()
            if ran.isEmpty && !models.contains(where: { $0.target == wanted }) {
                let known = models.map(\.target.description).sorted()
                throw CommandFailure(
                    message: "no model \(wanted) and no recorded run of it"
                        + (known.isEmpty
                            ? ""
                            : " (models: \(known.prefix(10).joined(separator: ", "))\(known.count > 10 ? ", …" : ""))"),
                    exitCode: 1)
            }
        }
        let output = StandardOutput()
        try format.write(
            try session.query(try Self.query(session, target: target.flatMap(Target.init(parsing:)), limit: limit)),
            to: output)
        output.flush()
    }

    /// The runs of `target` (or all), newest first, read from the commits (see ``CommitHistory``);
    /// a target matches without regard to case, so the runs from before a model file was renamed
    /// by case are its runs too.
    static func query(_ session: Session, target: Target?, limit: Int) throws -> String {
        try CommitHistory.load(session)
        let filter = target.map { " WHERE lower(model) = lower(\(SQLLiteral.quote($0.description)))" } ?? ""
        return "SELECT * FROM \(CommitHistory.table)\(filter) ORDER BY snapshot DESC LIMIT \(max(0, limit))"
    }
}

/// `ondatrasql stats`: per model, its rows, last run and how many runs the catalog recorded.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show every model's size, last run and run count.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format: table, csv, json or markdown.")
    var format: ResultFormat = .table

    func run() throws {
        let project = try global.resolveProject()
        // Reading never creates the catalog of a project that has not run yet.
        let reading = try ReadingSession(project: project)
        defer { reading.close() }
        let session = reading.session
        let tables = try session.catalogTables().filter { $0.schema != Session.internalSchema }.sorted().map {
            ($0.schema, $0.table)
        }
        // Exact row counts: the catalog's size estimate also counts rows deleted since the last compaction.
        let counts = tables.map { schema, table in
            "SELECT \(SQLLiteral.quote(schema + "." + table)) AS model, count(*) AS n FROM \(SQLLiteral.qualified([session.catalog, schema, table]))"
        }.joined(separator: " UNION ALL ")
        try CommitHistory.load(session)
        let sql = """
            WITH runs AS (
                SELECT lower(model) AS model_key, count(*) AS runs, max("time") AS last_run,
                       arg_max(run_type, snapshot) AS last_run_type
                FROM \(CommitHistory.table) GROUP BY 1),
            sizes AS (\(counts.isEmpty ? "SELECT NULL::VARCHAR AS model, 0::BIGINT AS n WHERE false" : counts))
            SELECT s.model, s.n AS "rows", r.runs, r.last_run_type, r.last_run
            FROM sizes s LEFT JOIN runs r ON r.model_key = lower(s.model) ORDER BY 1
            """
        let output = StandardOutput()
        try format.write(try session.query(sql), to: output)
        output.flush()
    }
}
