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
        do {
            return try EventDeclarations.parse(model.body, file: model.path, firstLine: model.bodyLine)
        } catch {
            throw OndatraError(.project, error.message, file: error.file, line: error.line)
        }
    }

    static func materialize(_ materializer: Materializer) throws -> Materializer.Outcome {
        let session = materializer.session
        let model = materializer.model
        let declared = try declaredColumns(of: model)
        let exists = materializer.state.tables.contains(model.target)
        let started = Date()
        var warnings: [String] = []
        var commit: CommitMetadata?
        var snapshot: Int64?
        if !exists || materializer.decision.runType == .backfill {
            (commit, snapshot) = try prepareTable(materializer, declared: declared, exists: exists, warnings: &warnings)
        }
        let flushed = try flush(materializer, declared: declared, started: started)
        return Materializer.Outcome(
            rows: flushed.rows, warnings: warnings, commit: flushed.commit ?? commit,
            snapshot: flushed.snapshot ?? snapshot)
    }

    /// Creates the table, or evolves it to the declared columns; one commit.
    private static func prepareTable(
        _ materializer: Materializer, declared: [EventColumn], exists: Bool, warnings: inout [String]
    ) throws -> (CommitMetadata?, Int64?) {
        let session = materializer.session
        let model = materializer.model
        let target = materializer.qualifiedTarget
        let list = declared.map {
            "\(SQLLiteral.identifier($0.name)) \($0.type.sqlName)\($0.notNull ? " NOT NULL" : "")"
        }
        .joined(separator: ", ")
        try session.ensureSchema(model.target.schema)
        let started = Date()
        var made: CommitMetadata?
        var notes: [String] = []
        let snapshot = try session.transaction { session in
            if exists {
                let current = try SchemaEvolution.columns(
                    session, database: session.catalog, schema: model.target.schema, table: model.target.table)
                let wanted = declared.map { SchemaEvolution.Column(name: $0.name, type: $0.type.sqlName) }
                if let note = try SchemaEvolution.apply(
                    session, qualifiedTarget: target, current: current, wanted: wanted)
                {
                    notes.append("schema evolution: " + note)
                }
            } else {
                try session.execute("CREATE TABLE \(target) (\(list))")
            }
            let metadata = materializer.metadata(rows: 0, columns: schemaColumns(declared), started: started)
            made = metadata
            return metadata.commitMessage
        }
        warnings += notes
        return (snapshot == nil ? nil : made, snapshot)
    }

    /// Moves the buffered events into the table: claims the buffer's segments, acknowledges the
    /// ones an earlier flush already committed, and inserts the others in commits of at most
    /// ``maxBatchBytes``, each acknowledged once committed. A failure leaves the uncommitted
    /// segments in the buffer for the next run.
    private static func flush(_ materializer: Materializer, declared: [EventColumn], started: Date) throws -> (
        rows: Int64, commit: CommitMetadata?, snapshot: Int64?
    ) {
        let session = materializer.session
        let model = materializer.model
        let reader = EventBufferReader(root: EventsBuffer.root(of: session.project).path)
        let claimed: [ClaimedSegment]
        do {
            claimed = try reader.claim(target: EventsBuffer.key(model.target), sealTimeout: sealTimeout)
        } catch {
            throw OndatraError(.io, "could not read the event buffer: \(error)", file: model.path)
        }
        // Segments not acknowledged below are given back for the next flush, whatever happens.
        defer { for segment in claimed { segment.release() } }
        guard !claimed.isEmpty else { return (0, nil, nil) }
        let byID = Dictionary(claimed.map { ($0.id, $0) }) { first, _ in first }
        let plan = EventsFlushPlan.make(
            claimed: claimed.map { EventsFlushPlan.Segment(id: $0.id, bytes: $0.byteCount, events: $0.eventCount) },
            committed: try committedSegments(session, model: model.target, among: claimed.map(\.id)),
            maxBatchBytes: maxBatchBytes)
        for id in plan.alreadyCommitted { try acknowledge(byID[id], model: model) }
        var rows: Int64 = 0
        var last: (CommitMetadata, Int64)?
        for batch in plan.batches {
            let paths = batch.compactMap { byID[$0.id]?.path }
            var made: CommitMetadata?
            let snapshot = try session.transaction { session in
                let inserted: Int64
                do {
                    inserted = Int64(try session.execute(insertSQL(materializer.qualifiedTarget, declared, paths)))
                } catch let error as OndatraError {
                    let events = batch.reduce(0) { $0 + $1.events }
                    throw OndatraError(
                        error.code,
                        "could not flush \(events) buffered event(s) (they stay in .ondatra/events/"
                            + "\(EventsBuffer.key(model.target))/ for the next run): \(error.message)",
                        file: model.path)
                }
                FaultPoint.midFlush.reach()
                var metadata = materializer.metadata(
                    rows: inserted, columns: schemaColumns(declared), started: started, runType: .flush)
                metadata.eventSegments = batch.map(\.id)
                made = metadata
                return metadata.commitMessage
            }
            FaultPoint.afterFlushCommit.reach()
            for segment in batch { try acknowledge(byID[segment.id], model: model) }
            if let made, let snapshot {
                rows += made.rowsAffected
                last = (made, snapshot)
            }
        }
        return (rows, last?.0, last?.1)
    }

    /// The INSERT that reads buffer segments (NDJSON, one validated event per line, every
    /// declared column present) into the table, typed by the declared columns.
    static func insertSQL(_ target: String, _ declared: [EventColumn], _ paths: [String]) -> String {
        let files = paths.map(SQLLiteral.quote).joined(separator: ", ")
        let columns = declared.map { "\(SQLLiteral.quote($0.name)): \(SQLLiteral.quote($0.type.sqlName))" }
            .joined(separator: ", ")
        let names = declared.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
        // One event is at most the batch body limit a collector may be started with; 1 GiB leaves room.
        return """
            INSERT INTO \(target) (\(names)) SELECT \(names) FROM read_json([\(files)], \
            format = 'newline_delimited', records = true, columns = {\(columns)}, maximum_object_size = 1073741824)
            """
    }

    /// The ids among `ids` that a commit of `model` already inserted (its `event_segments`).
    static func committedSegments(_ session: Session, model: Target, among ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let list = ids.map(SQLLiteral.quote).joined(separator: ", ")
        let sql = """
            SELECT DISTINCT segment FROM (
                SELECT unnest(CAST(json_extract(commit_extra_info, '$.event_segments') AS VARCHAR[])) AS segment
                FROM \(SQLLiteral.identifier(session.catalog)).snapshots()
                WHERE json_extract(commit_extra_info, '$.event_segments') IS NOT NULL
                    AND lower(json_extract_string(commit_extra_info, '$.model')) = \(SQLLiteral.quote(EventsBuffer.key(model)))
            ) WHERE segment IN (\(list))
            """
        return Set(try session.query(sql).allRows().compactMap { $0[0].string })
    }

    private static func acknowledge(_ segment: ClaimedSegment?, model: Model) throws {
        guard let segment else { return }
        do {
            try segment.acknowledge()
        } catch {
            // The events are committed; the segment stays and the next flush recognises it.
            throw OndatraError(.io, "flushed, but could not remove the buffer segment: \(error)", file: model.path)
        }
    }

    private static func schemaColumns(_ declared: [EventColumn]) -> [SchemaEvolution.Column] {
        declared.map { SchemaEvolution.Column(name: $0.name, type: $0.type.sqlName) }
    }
}
