import DuckDB
import Foundation

/// Builds one model's result and writes it into its target according to the model's kind, in
/// one DuckLake transaction whose commit carries the run's metadata.
struct Materializer {
    let session: Session
    let model: Model
    let decision: RunDecision
    let hash: String
    let dependencies: [Target]
    let references: TableReferences
    let state: CatalogState
    let modelTargets: Set<Target>
    let runID: String

    /// The temporary table the model's SQL runs into before anything is written.
    static let resultTable = "__ondatra_result"

    struct Outcome {
        var rows: Int64
        var warnings: [String]
        var committed: Bool
    }

    private var target: Target { model.target }
    private var qualifiedTarget: String { SQLLiteral.qualified([session.catalog, target.schema, target.table]) }
    private var result: String { SQLLiteral.qualified(["temp", "main", Self.resultTable]) }

    func run() throws -> Outcome {
        guard [.table, .append, .merge].contains(model.kind) else {
            throw OndatraError(
                .project,
                "@kind: \(model.kind.rawValue) is not supported by this build yet (table, append and merge are)",
                file: model.path)
        }
        var warnings: [String] = []
        let exists = state.tables.contains(target)
        let source: String
        switch try sourceSQL(exists: exists) {
        case .nothingChanged: return Outcome(rows: 0, warnings: [], committed: false)
        case .sql(let sql): source = sql
        }
        do {
            try session.execute("CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS \(source)")
        } catch let error as OndatraError where source != model.body {
            warnings.append("incremental query failed (\(error.message)); ran the full query instead")
            try session.execute(
                "CREATE OR REPLACE TEMP TABLE \(SQLLiteral.identifier(Self.resultTable)) AS \(model.body)")
        }
        defer { _ = try? session.execute("DROP TABLE IF EXISTS \(result)") }
        let columns = try SchemaEvolution.columns(session, database: "temp", schema: "main", table: Self.resultTable)
        try validate(columns)
        let resultRows = try session.connection.scalar("SELECT count(*) FROM \(result)")?.int64 ?? 0
        if exists && decision.runType == .incremental && resultRows == 0 {
            return Outcome(rows: 0, warnings: warnings, committed: false)
        }

        try session.ensureSchema(target.schema)
        let started = Date()
        var rows: Int64 = 0
        let commit = { (rows: Int64) in
            CommitMessage(
                message: "\(target) \(decision.runType.rawValue)",
                extraInfo: [
                    "model": .string(target.description), "model_hash": .string(hash),
                    "kind": .string(model.kind.rawValue),
                    "run_type": .string(decision.runType.rawValue), "rows_affected": .int(rows),
                    "columns": .array(columns.map { .object(["name": .string($0.name), "type": .string($0.type)]) }),
                    "dependencies": .array(dependencies.map { .string($0.description) }), "run_id": .string(runID),
                    "duration_ms": .int(Int64(Date().timeIntervalSince(started) * 1000)),
                ])
        }
        try session.transaction { session in
            if exists {
                let current = try SchemaEvolution.columns(
                    session, database: session.catalog, schema: target.schema, table: target.table)
                if let note = try SchemaEvolution.apply(
                    session, qualifiedTarget: qualifiedTarget, current: current, wanted: columns)
                {
                    warnings.append(note)
                }
                rows = try write(session, columns: columns)
            } else {
                try session.execute("CREATE TABLE \(qualifiedTarget) AS SELECT * FROM \(result)")
                rows = resultRows
            }
            return commit(rows)
        }
        return Outcome(rows: rows, warnings: warnings, committed: true)
    }

    private enum Source {
        case sql(String)
        case nothingChanged
    }

    /// The model's SQL, or for incremental runs of append and merge, the SQL rewritten to read
    /// only what changed in its first catalog table since this model's last commit.
    private func sourceSQL(exists: Bool) throws -> Source {
        guard exists, decision.runType == .incremental, model.kind == .append || model.kind == .merge,
            let recorded = state.commits[target],
            let (reference, upstream) = references.firstModelTable(catalog: session.catalog, models: modelTargets)
        else { return .sql(model.body) }
        let from = recorded.snapshot + 1
        let to = state.currentSnapshot
        if from > to || (state.commits[upstream]?.snapshot ?? 0) < from { return .nothingChanged }
        guard
            let rewritten = DeltaRewriter.rewrite(
                model.body, reference: reference, catalog: session.catalog, target: upstream, fromSnapshot: from,
                toSnapshot: to)
        else { return .sql(model.body) }
        return .sql(rewritten)
    }

    private func validate(_ columns: [SchemaEvolution.Column]) throws {
        if let reserved = columns.first(where: { $0.name.lowercased().hasPrefix("__ondatra_") }) {
            throw OndatraError(.query, "column \(reserved.name) uses the reserved prefix __ondatra_", file: model.path)
        }
        let names = Set(columns.map { $0.name.lowercased() })
        for key in model.directives.uniqueKey {
            guard names.contains(key.lowercased()) else {
                throw OndatraError(
                    .query,
                    "@unique_key column \(key) is not in the model's output (columns: \(columns.map(\.name).joined(separator: ", ")))",
                    file: model.path)
            }
            let nulls =
                try session.connection.scalar(
                    "SELECT count(*) FROM \(result) WHERE \(SQLLiteral.identifier(key)) IS NULL")?.int64 ?? 0
            if nulls > 0 {
                throw OndatraError(
                    .query, "@unique_key column \(key) has \(nulls) NULL value(s); key columns must not be NULL",
                    file: model.path)
            }
        }
    }

    /// Writes the result into the existing target; returns the rows written.
    private func write(_ session: Session, columns: [SchemaEvolution.Column]) throws -> Int64 {
        let backfill = decision.runType == .backfill || decision.runType == .full
        switch model.kind {
        case .append where !backfill:
            // Without a change feed the full result comes back: add only rows not already there.
            let list = columns.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
            return Int64(
                try session.execute(
                    "INSERT INTO \(qualifiedTarget) BY NAME (SELECT \(list) FROM \(result) EXCEPT SELECT \(list) FROM \(qualifiedTarget))"
                ))
        case .merge where !backfill:
            return Int64(try session.execute(mergeStatement(columns)))
        default:
            try session.execute("DELETE FROM \(qualifiedTarget)")
            return Int64(try session.execute("INSERT INTO \(qualifiedTarget) BY NAME SELECT * FROM \(result)"))
        }
    }

    /// `MERGE` that updates only rows whose non-key values differ, so unchanged rows make no changes.
    private func mergeStatement(_ columns: [SchemaEvolution.Column]) -> String {
        let keys = Set(model.directives.uniqueKey.map { $0.lowercased() })
        let on = model.directives.uniqueKey.map {
            "t.\(SQLLiteral.identifier($0)) IS NOT DISTINCT FROM s.\(SQLLiteral.identifier($0))"
        }.joined(separator: " AND ")
        let values = columns.filter { !keys.contains($0.name.lowercased()) }.map { SQLLiteral.identifier($0.name) }
        var sql = "MERGE INTO \(qualifiedTarget) AS t USING \(result) AS s ON (\(on))"
        if !values.isEmpty {
            let changed = values.map { "t.\($0) IS DISTINCT FROM s.\($0)" }.joined(separator: " OR ")
            let assignments = values.map { "\($0) = s.\($0)" }.joined(separator: ", ")
            sql += " WHEN MATCHED AND (\(changed)) THEN UPDATE SET \(assignments)"
        }
        return sql + " WHEN NOT MATCHED THEN INSERT BY NAME"
    }
}
