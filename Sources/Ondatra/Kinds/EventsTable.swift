import DuckDB
import Foundation

/// The `events` kind's rules: rows arrive through the collector, so a flush's result holds only
/// new events and each is inserted once; the table is never rebuilt from a query.
enum EventsKind: KindRules {
    static var keepsHistory: Bool { true }

    static func write(_ context: WriteContext) throws -> Int64 {
        Int64(
            try context.session.execute("INSERT INTO \(context.target) BY NAME SELECT * FROM \(context.result)"))
    }
}

/// The `events` kind: the model declares columns (`name TYPE [NOT NULL]` per line) instead of a
/// query. A run creates the table with that schema; rows arrive through the collector and are
/// moved in by flushes.
enum EventsTable {
    struct Column: Hashable {
        let name: String
        let type: String
        let notNull: Bool
    }

    /// Parses the declared columns.
    /// - Throws: ``OndatraError`` naming the line of a declaration that is not `name TYPE [NOT NULL]`.
    static func columns(of model: Model) throws -> [Column] {
        var columns: [Column] = []
        for (offset, rawLine) in model.body.components(separatedBy: "\n").enumerated() {
            var line = rawLine
            if let comment = line.range(of: "--") { line = String(line[..<comment.lowerBound]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix(",") { line = String(line.dropLast()).trimmingCharacters(in: .whitespaces) }
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, ModelParser.isPlainIdentifier(parts[0]) else {
                throw OndatraError(
                    .project, "an events column is `name TYPE [NOT NULL]`, got '\(line)'", file: model.path,
                    line: model.bodyLine + offset)
            }
            var type = parts[1].trimmingCharacters(in: .whitespaces)
            let notNull = type.uppercased().hasSuffix(" NOT NULL")
            if notNull { type = String(type.dropLast(" NOT NULL".count)).trimmingCharacters(in: .whitespaces) }
            columns.append(Column(name: parts[0], type: type, notNull: notNull))
        }
        guard !columns.isEmpty else {
            throw OndatraError(
                .project, "an events model declares at least one column", file: model.path, line: model.bodyLine)
        }
        return columns
    }

    static func materialize(_ materializer: Materializer) throws -> Materializer.Outcome {
        let session = materializer.session
        let model = materializer.model
        let declared = try columns(of: model)
        let exists = materializer.state.tables.contains(model.target)
        guard !exists || materializer.decision.runType == .backfill else {
            // Nothing is buffered until the collector runs: a flush with no events writes nothing.
            return Materializer.Outcome(rows: 0, warnings: [], commit: nil)
        }
        let target = SQLLiteral.qualified([session.catalog, model.target.schema, model.target.table])
        let list = declared.map { "\(SQLLiteral.identifier($0.name)) \($0.type)\($0.notNull ? " NOT NULL" : "")" }
            .joined(separator: ", ")
        try session.ensureSchema(model.target.schema)
        let started = Date()
        var warnings: [String] = []
        var made: CommitMetadata?
        let snapshot = try session.transaction { session in
            if exists {
                let current = try SchemaEvolution.columns(
                    session, database: session.catalog, schema: model.target.schema, table: model.target.table)
                let wanted = declared.map { SchemaEvolution.Column(name: $0.name, type: $0.type.uppercased()) }
                if let note = try SchemaEvolution.apply(
                    session, qualifiedTarget: target, current: current, wanted: wanted)
                {
                    warnings.append("schema evolution: " + note)
                }
            } else {
                try session.execute("CREATE TABLE \(target) (\(list))")
            }
            let metadata = materializer.metadata(
                rows: 0, columns: declared.map { SchemaEvolution.Column(name: $0.name, type: $0.type) },
                started: started)
            made = metadata
            return metadata.commitMessage
        }
        return Materializer.Outcome(
            rows: 0, warnings: warnings, commit: snapshot == nil ? nil : made, snapshot: snapshot)
    }
}
