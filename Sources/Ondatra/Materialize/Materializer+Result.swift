import DuckDB

/// Where a model's result comes from: its query as written, the rows of one changed upstream, the
/// groups the changes touch, a Starlark model or lib functions.
extension Materializer {
    /// How the result is built, decided from the catalog state and the query's shape.
    enum ResultPlan {
        /// Nothing the model reads changed since its last run: there is nothing to do.
        case nothing
        /// The rows a Starlark model saves.
        case script
        /// Fetch through lib functions, then the query over what came back.
        case libCalls
        /// The full query.
        case full
        /// The query over only the changed rows of one upstream (``IncrementalStrategy/delta(_:)``).
        case delta(Target)
        /// The full query restricted to the groups the changes touch (``IncrementalStrategy/affectedKeys(_:)``).
        case affectedKeys([Target])

        /// The name shown for an incremental run built this way.
        var strategyName: String? {
            switch self {
            case .nothing: nil
            case .delta: "delta"
            case .affectedKeys: "affected keys"
            case .script, .libCalls, .full: "full query"
            }
        }
    }

    /// A built result: what the result table holds and whether there is anything to write.
    struct BuiltResult {
        var scope: ResultScope
        var nothingToWrite: Bool
        var warnings: [String] = []
        /// For a Starlark tracked model: the keys its queries returned, with their content hashes.
        var queryHashes: String? = nil
        /// For a Starlark tracked model: the queries whose rows it saved.
        var savedQueries: [String]? = nil
        /// For an append model whose inputs cannot be read as they were: the temporary table
        /// holding its whole result, kept as the next run's "result then".
        var wholeResultToKeep: String? = nil
        /// That whole result equals the one kept from the last run.
        var sameResultAsLastRun = false
    }

    /// Decides how to build the result, from the catalog state and the query's parsed shape.
    func resultPlan(exists: Bool) throws -> ResultPlan {
        if model.language == .starlark { return .script }
        if !libCalls.isEmpty { return .libCalls }
        guard exists, decision.runType == .incremental, let recorded = state.commits[target] else { return .full }
        if decision.reads == .everything { return .full }
        let changed = dependencies.filter { (state.commits[$0]?.snapshot ?? 0) > recorded.processedThrough }
        guard !changed.isEmpty else { return .nothing }
        guard model.kind.rules.followsChanges else { return .full }
        // Rows an upstream's schema evolution changed (a column converted, dropped or added) are
        // not all in its change feed: read everything.
        if let queries = incrementalQueries(), try changed.contains(where: { try queries.columnsChanged(of: $0) }) {
            return .full
        }
        let shape = try queryShape()
        switch IncrementalStrategy.choose(
            kind: model.kind, keys: model.directives.uniqueKey, shape: shape, changed: changed)
        {
        case .nothing: return .nothing
        case .delta(let upstream): return .delta(upstream)
        case .affectedKeys(let upstreams): return .affectedKeys(upstreams)
        case .full: return .full
        }
    }

    /// The query's shape, or nil when its plan is missing or does not turn back into the same SQL.
    private func queryShape() throws -> QueryShape? {
        guard let queries = incrementalQueries(), try queries.roundTrips() else { return nil }
        return QueryShape.analyze(queries.plan, rowWise: try session.rowWiseFunctions(), resolve: queries.resolve)
    }

    /// The plan editor for this run, when the model's SQL was parsed.
    func incrementalQueries() -> IncrementalQueries? {
        guard let plan = references.plan else { return nil }
        let references = self.references
        let catalog = session.catalog
        let models = modelTargets
        return IncrementalQueries(
            session: session, plan: plan,
            resolve: { references.modelTarget($0, catalog: catalog, models: models) },
            through: state.commits[target]?.processedThrough ?? 0, current: state.currentSnapshot, scratch: scratch)
    }

    /// Builds the result table; nil when a Starlark model or lib function called `abort()`.
    /// - Parameter rewrites: use incremental rewrites (false after one failed: the full query runs).
    func buildResult(_ plan: ResultPlan, exists: Bool, incremental: IncrementalState?, rewrites: Bool) throws
        -> BuiltResult?
    {
        switch plan {
        case .nothing:
            return BuiltResult(scope: .changedRows, nothingToWrite: true)
        case .script:
            let outcome = try runScript(exists: exists, incremental: incremental)
            if outcome.aborted { return nil }
            return try newSinceLastResult(
                BuiltResult(
                    scope: .whole, nothingToWrite: false, queryHashes: outcome.queryHashes,
                    savedQueries: outcome.savedQueries), exists: exists)
        case .libCalls:
            guard let body = try fetchLibCalls(libCalls, incremental: incremental) else { return nil }
            return try newSinceLastResult(wholeResult(rows: try createResult(body)), exists: exists)
        case .full:
            guard appendKeepsItsResult else { return try buildFull(exists: exists, rewrites: rewrites) }
            return try newSinceLastResult(wholeResult(rows: try createResult(model.body)), exists: exists)
        case .delta(let upstream):
            return try rewritten { try buildDelta(upstream) }
        case .affectedKeys(let upstreams):
            return try rewritten { try buildAffectedKeys(upstreams) }
        }
    }

    /// An append model whose inputs cannot be read as they were at its last run (files, lib
    /// functions, tables that are not models): its result is kept instead.
    var appendKeepsItsResult: Bool {
        guard model.kind.rules is AppendKind.Type else { return false }
        return model.language == .starlark || !libCalls.isEmpty || !references.filePatterns.isEmpty
            || references.readsComputedFilePaths
            || !references.readsOnlyModelsAndFiles(catalog: session.catalog, models: modelTargets)
    }

    /// For an append model that keeps its result: the rows new since its last run, (result now)
    /// minus (result kept from the last run), with the whole result kept for the next run. A
    /// model without a kept result yet (or whose SQL changed) adds the rows not in its table.
    func newSinceLastResult(_ whole: BuiltResult, exists: Bool) throws -> BuiltResult {
        guard appendKeepsItsResult else { return whole }
        var built = whole
        let now = scratch.name("now")
        let nowTable = SQLLiteral.qualified([resultCatalog, "main", now])
        let total = try session.createTableAs("\(createTable(now)) AS SELECT * FROM \(result)")
        built.wholeResultToKeep = nowTable
        let kept = AppendKind.lastResultTable(of: target)
        guard exists, decision.runType == .incremental, state.tables.contains(kept) else { return built }
        let keptTable = SQLLiteral.qualified([session.catalog, kept.schema, kept.table])
        do {
            let rows = try createResult(try newRows(inTable: now, then: "SELECT * FROM \(keptTable)"))
            let keptRows = try session.connection.scalar("SELECT count(*) FROM \(keptTable)")?.int64 ?? -1
            built.scope = .changedRows
            built.nothingToWrite = rows == 0
            built.sameResultAsLastRun = rows == 0 && keptRows == total
        } catch {
            // The result's columns changed since: add the rows not in the table.
            try createResult("SELECT * FROM \(nowTable)")
        }
        return built
    }

    /// The rows of table `now` (beside the result table) that the query `then` does not return,
    /// matching columns by name (a column an upstream renamed or moved is not compared with another).
    private func newRows(inTable now: String, then: String) throws -> String {
        let columns = try SchemaEvolution.columns(session, database: resultCatalog, schema: "main", table: now)
        let list = columns.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
        return AppendKind.newRows(
            now: "SELECT * FROM \(SQLLiteral.qualified([resultCatalog, "main", now]))",
            then: "SELECT \(list) FROM (\(then)\n)")
    }

    /// The full query. An append model that ran before adds the rows new since then: the query
    /// now minus the same query over its inputs as of its last run (DuckLake time travel).
    private func buildFull(exists: Bool, rewrites: Bool) throws -> BuiltResult {
        guard model.kind.rules is AppendKind.Type, exists, decision.runType != .backfill, state.commits[target] != nil
        else {
            return wholeResult(rows: try createResult(model.body))
        }
        var warnings: [String] = []
        if decision.runType == .full {
            warnings.append(
                "\(decision.reason): append goes on with the new query from now on; rows already appended are kept as they are"
            )
        }
        let targets = Set(references.targets(catalog: session.catalog, models: modelTargets))
        guard rewrites, let queries = incrementalQueries(), try queries.roundTrips() else {
            let rows = try createResult(model.body)
            return BuiltResult(scope: .whole, nothingToWrite: rows == 0, warnings: warnings)
        }
        var built = try rewritten {
            let then = try queries.asOfLastRun(targets)
            let now = scratch.name("now")
            try session.createTableAs("\(createTable(now)) AS \(model.body)\n")
            let rows = try createResult(try newRows(inTable: now, then: then))
            return BuiltResult(scope: .changedRows, nothingToWrite: rows == 0)
        }
        built.warnings = warnings
        return built
    }

    /// The query over the changed rows of `upstream` only; what the kind makes of it is the
    /// kind's ``ChangeFollowingKind/deltaResult(_:)``.
    private func buildDelta(_ upstream: Target) throws -> BuiltResult {
        guard let queries = incrementalQueries(), let kind = model.kind.rules as? any ChangeFollowingKind.Type else {
            throw IncrementalQueries.NotRewritable()
        }
        let new = scratch.name("new_rows_0")
        try queries.loadNewRows(of: upstream, into: new)
        let delta = DeltaRun(
            overNewRows: try queries.substituted(upstream, with: new),
            overOldRows: {
                let old = scratch.name("old_rows_0")
                try queries.loadOldRows(of: upstream, into: old)
                return try queries.substituted(upstream, with: old)
            },
            query: model.body, keys: model.directives.uniqueKey, createResult: { try createResult($0) },
            restricted: { try restricted(toKeys: $0, restriction: $1) })
        return try kind.deltaResult(delta)
    }

    /// The full query restricted to the groups the changes of `upstreams` touch.
    private func buildAffectedKeys(_ upstreams: [Target]) throws -> BuiltResult {
        guard let queries = incrementalQueries() else { throw IncrementalQueries.NotRewritable() }
        let keys = model.directives.uniqueKey
        return try restricted(toKeys: try queries.touchedKeys(keys: keys, changed: upstreams)) { keysTable in
            try queries.restrictedToKeys(keys, keysTable: keysTable)
        }
    }

    /// Loads the keys `keysQuery` finds into a scratch table, then the result of the query
    /// `restriction` makes from that table's name.
    func restricted(toKeys keysQuery: String, restriction: (String) throws -> String) throws -> BuiltResult {
        let keysName = scratch.name("keys")
        let keysTable = SQLLiteral.qualified(["temp", "main", keysName])
        let touched = try session.createTableAs(
            "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(keysName)) AS \(keysQuery)")
        guard touched > 0 else {
            // Nothing touched: an empty result shaped like the query's.
            try createResult("SELECT * FROM (\(model.body)\n) WHERE false")
            return BuiltResult(scope: .keys(keysTable), nothingToWrite: true)
        }
        try createResult(try restriction(keysTable))
        return BuiltResult(scope: .keys(keysTable), nothingToWrite: false)
    }

    /// A full result of `rows` rows: nothing to write when it is empty, unless the kind still
    /// writes then (a partition model compares with its table).
    private func wholeResult(rows: Int64) -> BuiltResult {
        let emptyIsNothing = (model.kind.rules as? any ChangeFollowingKind.Type)?.emptyResultWritesNothing ?? true
        return BuiltResult(scope: .whole, nothingToWrite: emptyIsNothing && rows == 0)
    }

    /// Runs `body`, turning a failure into ``RewrittenQueryFailed`` so the full query runs instead.
    private func rewritten(_ body: () throws -> BuiltResult) throws -> BuiltResult {
        do {
            return try body()
        } catch let error as OndatraError {
            throw RewrittenQueryFailed(underlying: error)
        } catch is IncrementalQueries.NotRewritable {
            throw RewrittenQueryFailed(underlying: OndatraError(.query, "the query could not be rewritten"))
        } catch let error as DuckDBError {
            throw RewrittenQueryFailed(underlying: session.queryError(error))
        }
    }

    /// Runs `sql` into the result table, masked columns masked (every kind and run type builds its
    /// result here); returns its row count.
    @discardableResult
    func createResult(_ sql: String) throws -> Int64 {
        do {
            return try session.createTableAs("\(createTable(Self.resultTable)) AS \(masked(sql))")
        } catch let error as OndatraError {
            throw missingMaskedColumn(in: sql) ?? error
        }
    }
}
