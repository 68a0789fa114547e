import DuckDB
import Foundation
import OndatraEvents

/// The `events` kind's rules: rows arrive through the collector, so a flush's result holds only
/// new events and each is inserted once; the table is never rebuilt from a query.
enum EventsKind: KindRules {
    static var keepsHistory: Bool { true }

    static func write(_ context: WriteContext) throws -> Int64 {
        Int64(
            try context.session.execute("INSERT INTO \(context.target) BY NAME SELECT * FROM \(context.result)"))
    }
}

/// Where an `events` model's buffered events live: `.ondatra/events/<schema.table>/` in the
/// project, written by the collector (`ondatrasql events`) and flushed by `run`.
public enum EventsBuffer {
    /// The buffer's root folder in `project`.
    public static func root(of project: Project) -> URL { project.stateDirectory.appending(path: "events") }

    /// The buffer's name for `target`: `schema.table`, lowercased as DuckDB compares names.
    public static func key(_ target: Target) -> String { "\(target.schema).\(target.table)".lowercased() }

    /// The buffer folders in `project` that hold events but belong to no events model among
    /// `models` (a model renamed, deleted, or changed to another kind): nothing flushes them, so a
    /// run says so. Nil-safe: a project with no buffer has none.
    public static func orphans(in project: Project, models: [Model]) -> [String] {
        let live = Set(models.filter { $0.kind == .events }.map { key($0.target) })
        let held = (try? EventBufferReader(root: root(of: project).path).targets()) ?? []
        return held.filter { !live.contains($0) }
    }
}

/// The `events` kind: the model declares columns (`name TYPE [NOT NULL]` per line) instead of a
/// query. A run creates the table with that schema, then flushes what the collector buffered:
/// each batch of buffer segments is inserted in one DuckLake commit that records the segments'
/// ids, and only then are the segments deleted, so a flush that crashed between the two is
/// recognised by the next one and nothing is inserted twice (docs/events.md).
public enum EventsTable {
    /// The most bytes of buffered events one flush commit inserts.
    static let maxBatchBytes = 256 << 20
    /// How long a flush waits for a running collector to close the segment it is writing.
    static let sealTimeout: Duration = .seconds(2)

    /// The model's declared columns.
    /// - Throws: ``OndatraError`` naming the model file and the line of a declaration that is not
    ///   `name TYPE [NOT NULL]`.
    public static func declaredColumns(of model: Model) throws -> [EventColumn] {
        if let problem = model.problem { throw problem }
        do {
            return try EventDeclarations.parse(model.body, file: model.path, firstLine: model.bodyLine)
        } catch {
            throw OndatraError(.project, error.message, file: error.file, line: error.line)
        }
    }

    static func materialize(_ materializer: Materializer) throws -> Materializer.Outcome {
        let declared = try declaredColumns(of: materializer.model)
        let started = Date()
        var warnings: [String] = []
        let (commit, snapshot) = try prepareTable(materializer, declared: declared, warnings: &warnings)
        guard materializer.flushesEvents else {
            let root = EventsBuffer.root(of: materializer.session.project).path
            let waiting = (try? EventBufferReader(root: root).waiting(target: EventsBuffer.key(materializer.target)))
            let events = waiting?.events ?? 0
            return Materializer.Outcome(
                rows: 0, warnings: warnings, commit: commit, snapshot: snapshot,
                skipReason: events == 0 ? "no buffered events" : "\(events) buffered event(s) left in the buffer")
        }
        let flushed = try EventsFlush(materializer: materializer, declared: declared, started: started).run(
            warnings: &warnings)
        let made = flushed.commit ?? commit
        return Materializer.Outcome(
            rows: flushed.rows, warnings: warnings, commit: made, snapshot: flushed.snapshot ?? snapshot,
            skipReason: flushed.nothingBuffered && made == nil ? "no buffered events" : nil)
    }

    /// Creates the table, or brings it to the declared columns: new columns added, types widened,
    /// `NOT NULL` set or dropped as declared. A column no longer declared is kept with its values
    /// (events cannot be collected again), with a warning. One commit, only when something changed.
    private static func prepareTable(
        _ materializer: Materializer, declared: [EventColumn], warnings: inout [String]
    ) throws -> (CommitMetadata?, Int64?) {
        let session = materializer.session
        let model = materializer.model
        let target = materializer.qualifiedTarget
        let exists = materializer.state.tables.contains(model.target)
        try session.ensureSchema(model.target.schema)
        let started = Date()
        var made: CommitMetadata?
        var notes: [String] = []
        let snapshot = try session.transaction { session -> CommitMessage? in
            var columns = schemaColumns(declared)
            if exists {
                let current = try currentColumns(session, target: target)
                let canonical = try canonicalTypes(session, declared)
                let declaredNames = Set(declared.map { $0.name.lowercased() })
                let kept = current.filter { !declaredNames.contains($0.name.lowercased()) }
                // Said when the model changed (the run that follows the edit), not on every flush.
                for column in kept where materializer.decision.runType == .backfill {
                    notes.append(
                        "column '\(column.name)' is no longer declared: it is kept with the values it holds "
                            + "(new events leave it NULL); drop it yourself with ALTER TABLE \(model.target) "
                            + "DROP COLUMN \(SQLLiteral.identifier(column.name)) if you mean to")
                }
                let wanted =
                    zip(declared, canonical).map { SchemaEvolution.Column(name: $0.name, type: $1) }
                    + kept.map { SchemaEvolution.Column(name: $0.name, type: $0.type) }
                columns = wanted
                if let note = try SchemaEvolution.apply(
                    session, qualifiedTarget: target, current: current.map { .init(name: $0.name, type: $0.type) },
                    wanted: wanted)
                {
                    notes.append("schema evolution: " + note)
                }
                try alignNotNull(session, target: target, declared: declared, current: current, notes: &notes)
                guard !notes.isEmpty || materializer.decision.runType == .backfill else { return nil }
            } else {
                let list = declared.map {
                    "\(SQLLiteral.identifier($0.name)) \($0.type.sqlName)\($0.notNull ? " NOT NULL" : "")"
                }.joined(separator: ", ")
                try session.execute("CREATE TABLE \(target) (\(list))")
            }
            let metadata = materializer.metadata(rows: 0, columns: columns, started: started)
            made = metadata
            return metadata.commitMessage
        }
        warnings += notes
        return (snapshot == nil ? nil : made, snapshot)
    }

    /// A column of the table as it is.
    private struct TableColumn {
        let name: String
        let type: String
        let notNull: Bool
    }

    private static func currentColumns(_ session: Session, target: String) throws -> [TableColumn] {
        try session.query("SELECT name, type, \"notnull\" FROM pragma_table_info(\(SQLLiteral.quote(target)))")
            .allRows().compactMap { row in
                guard let name = row[0].string, let type = row[1].string else { return nil }
                return TableColumn(name: name, type: type, notNull: row[2].description == "true")
            }
    }

    /// DuckDB's own spelling of each declared type (`INT` → `INTEGER`, `struct(a int)` →
    /// `STRUCT(a INTEGER)`), so a declaration that did not change changes nothing.
    private static func canonicalTypes(_ session: Session, _ declared: [EventColumn]) throws -> [String] {
        guard !declared.isEmpty else { return [] }
        let probes = declared.map { "typeof(CAST(NULL AS \($0.type.sqlName)))" }.joined(separator: ", ")
        guard let row = try session.query("SELECT \(probes)").allRows().first else {
            return declared.map(\.type.sqlName)
        }
        return declared.indices.map { row[$0].string ?? declared[$0].type.sqlName }
    }

    /// Sets or drops `NOT NULL` where the declaration and the table differ. A column that holds
    /// NULLs cannot be made NOT NULL: that is a warning, and the declaration is not enforced on
    /// the stored rows (new events are checked at the door).
    private static func alignNotNull(
        _ session: Session, target: String, declared: [EventColumn], current: [TableColumn], notes: inout [String]
    ) throws {
        let byName = Dictionary(current.map { ($0.name.lowercased(), $0) }) { first, _ in first }
        for column in declared {
            guard let existing = byName[column.name.lowercased()], existing.notNull != column.notNull else {
                continue
            }
            let name = SQLLiteral.identifier(existing.name)
            if column.notNull {
                let nulls =
                    try session.query("SELECT count(*) FROM \(target) WHERE \(name) IS NULL").allRows().first?[0]
                    .int64 ?? 0
                guard nulls == 0 else {
                    notes.append(
                        "column '\(column.name)' is declared NOT NULL but \(nulls) stored row(s) hold NULL in it: "
                            + "the table keeps it nullable; update or delete those rows, then run again")
                    continue
                }
                try session.execute("ALTER TABLE \(target) ALTER COLUMN \(name) SET NOT NULL")
                notes.append("column '\(column.name)' is now NOT NULL")
            } else {
                try session.execute("ALTER TABLE \(target) ALTER COLUMN \(name) DROP NOT NULL")
                notes.append("column '\(column.name)' now takes NULL")
            }
        }
    }

    private static func schemaColumns(_ declared: [EventColumn]) -> [SchemaEvolution.Column] {
        declared.map { SchemaEvolution.Column(name: $0.name, type: $0.type.sqlName) }
    }
}
