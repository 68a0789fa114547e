import DuckDB

/// Results that come from Starlark: Starlark models and the lib functions SQL models read.
extension Materializer {
    /// The model's calls of lib functions (`FROM name(args)`).
    var libCalls: [TableReferences.FunctionCall] {
        guard let scripts else { return [] }
        return references.tableFunctionCalls.filter { scripts.libFunctions.contains($0.name.lowercased()) }
    }

    /// The table (or view) of the staging file the `index`th lib call of a model loads into.
    static func libTable(_ index: Int) -> String { "__ondatra_lib_\(index)" }

    /// Calls each lib function with its arguments (evaluated by DuckDB, so any constant
    /// expression works), loads the rows into the staging file, and returns the model's SQL
    /// reading them instead; nil when a lib function called `abort()`.
    func fetchLibCalls(_ calls: [TableReferences.FunctionCall], incremental: IncrementalState?) throws -> String? {
        guard let scripts else { return model.body }
        guard let staging else { throw OndatraError(.query, "lib functions need a staging file", file: model.path) }
        var replacements: [(range: Range<Int>, table: String)] = []
        for (index, call) in calls.enumerated() {
            guard let found = CallRewriter.call(in: model.body, at: call.location) else {
                throw OndatraError(.query, "could not locate the call of \(call.name) in the SQL", file: model.path)
            }
            var values: [DuckDB.Value] = []
            do {
                // Each argument on its own line, so a trailing `--` comment ends with it.
                if !found.arguments.isEmpty {
                    values =
                        try session.connection.rows("SELECT \(found.arguments.joined(separator: "\n, "))\n").first ?? []
                }
            } catch let error as DuckDBError {
                throw OndatraError(
                    .query,
                    "the arguments of \(call.name)(…) must be constant expressions: \(session.queryError(error).message)",
                    file: model.path)
            }
            let table = Self.libTable(index)
            guard
                try scripts.fetch(
                    call.name.lowercased(), arguments: values, session: session, into: table,
                    catalog: staging.catalog, model: model, incremental: incremental) != nil
            else { return nil }
            replacements.append((found.range, staging.qualified(table)))
        }
        return CallRewriter.replacing(model.body, replacements)
    }

    /// Runs a Starlark model into the result table. A run that saved no rows leaves an empty result
    /// shaped like the target (so a tracked model can still delete vanished groups); on a first
    /// run there is nothing to learn the columns from, which is an error.
    func runScript(exists: Bool, incremental: IncrementalState?) throws -> ScriptModelOutcome {
        guard let scripts else {
            throw OndatraError(.project, "Starlark models need the Starlark host", file: model.path)
        }
        // A rebuild writes every row again, so its queries must return every row.
        let trackedTarget = model.kind == .tracked && exists && decision.runType != .backfill ? qualifiedTarget : nil
        try session.execute("DROP TABLE IF EXISTS \(result)")
        // The rows saved become the result through createResult, which masks them.
        let saved = scratch.name("saved")
        var run = ScriptModelRun(
            model: model, session: session, resultTable: saved, trackedTarget: trackedTarget, incremental: incremental)
        run.savedQueries = state.commits[target]?.savedQueries
        let outcome = try scripts.run(run)
        if outcome.aborted { return outcome }
        if outcome.rows > 0 {
            try createResult("SELECT * FROM \(SQLLiteral.qualified(["temp", "main", saved]))")
            return outcome
        }
        guard exists else {
            throw OndatraError(
                .query, "saved no rows: a first run needs at least one save.row() to learn the columns",
                file: model.path)
        }
        let added = Set(model.kind.rules.addedColumns.map { $0.name.lowercased() })
        let columns = try SchemaEvolution.columns(
            session, database: session.catalog, schema: target.schema, table: target.table
        ).filter { !added.contains($0.name.lowercased()) }
        let list = columns.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
        try createResult("SELECT \(list) FROM \(qualifiedTarget) LIMIT 0")
        return outcome
    }

    /// The model's incremental cursor, also set as SQL variables (`incremental_cursor`,
    /// `incremental_is_backfill`, `incremental_last_value`, `incremental_last_run`,
    /// `incremental_initial_value`) for its query; nil when it declares none. The last and initial
    /// values are typed like the cursor column (the table's column, or on a first run the column
    /// the query returns), so `coalesce` of the two works for dates and timestamps too.
    func incrementalState(exists: Bool) throws -> IncrementalState? {
        guard let cursor = model.directives.incremental else { return nil }
        let isBackfill = !exists || decision.runType == .backfill
        var lastValue: DuckDB.Value?
        if !isBackfill {
            let value = try session.connection.scalar(
                "SELECT max(\(SQLLiteral.identifier(cursor))) FROM \(qualifiedTarget)")
            lastValue = value?.isNull == false ? value : nil
        }
        let lastRun = try state.commits[target].flatMap { commit in
            try session.connection.scalar(
                "SELECT snapshot_time FROM \(SQLLiteral.identifier(session.catalog)).snapshots() WHERE snapshot_id = \(commit.snapshot)"
            )
        }
        let incremental = IncrementalState(
            cursor: cursor, isBackfill: isBackfill, lastValue: lastValue,
            lastRun: lastRun?.isNull == false ? lastRun : nil, initialValue: model.directives.incrementalInitial)
        let type = try cursorType(cursor, exists: exists)
        try setVariables(incremental, type: type)
        return incremental
    }

    /// The cursor column's type: the table's column, or the type the query returns for it (asked
    /// with every `getvariable(…)` replaced by an untyped NULL, which compares with anything);
    /// nil when it cannot be known before the run.
    private func cursorType(_ cursor: String, exists: Bool) throws -> String? {
        let columns: [SchemaEvolution.Column]
        if exists {
            columns = try SchemaEvolution.columns(
                session, database: session.catalog, schema: target.schema, table: target.table)
        } else {
            guard model.language == .sql, libCalls.isEmpty, let plan = references.plan,
                let queries = incrementalQueries(),
                let nullText = try session.connection.scalar("SELECT json_serialize_sql('SELECT NULL')")?.string,
                let null = try PlanRewriter.topNode(JSONValue.parse(nullText))?["select_list"]?.arrayValue?.first,
                let sql = try? queries.sql(PlanRewriter.replacingCalls(plan, of: "getvariable", with: null)),
                let described = try? session.query("DESCRIBE (\(sql)\n)").allRows()
            else { return nil }
            columns = described.compactMap { row in
                guard let name = row[0].string, let type = row[1].string else { return nil }
                return SchemaEvolution.Column(name: name, type: type)
            }
        }
        return columns.first { $0.name.lowercased() == cursor.lowercased() }?.type
    }

    /// Sets the cursor's SQL variables, the last and initial values cast to `type` (to VARCHAR
    /// while it is unknown, so the query still binds when asked for its columns).
    private func setVariables(_ incremental: IncrementalState, type: String?) throws {
        for (name, value) in incremental.variables {
            let typed = name == "incremental_last_value" || name == "incremental_initial_value"
            let placeholder = typed ? "CAST(? AS \(type ?? "VARCHAR"))" : "?"
            do {
                let statement = try session.connection.prepare(
                    "SET VARIABLE \(SQLLiteral.identifier(name)) = \(placeholder)")
                try statement.bind([value])
                _ = try statement.run()
            } catch let error as DuckDBError {
                throw OndatraError(
                    .query,
                    "@incremental_initial \(incremental.initialValue.map { "'\($0)'" } ?? "") is not a valid \(type ?? "value") for cursor column \(incremental.cursor): \(session.queryError(error).message)",
                    file: model.path)
            }
        }
    }
}
