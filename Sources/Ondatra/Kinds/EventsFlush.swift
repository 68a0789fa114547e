import DuckDB
import Foundation
import OndatraEvents

/// One flush of an `events` model: claims the buffer's segments, acknowledges the ones an earlier
/// flush already committed, and inserts the others in commits of at most
/// ``EventsTable/maxBatchBytes``, each recording its segments' ids and acknowledged once committed.
///
/// Events are validated at the door, so a batch loads. When one does not (an event accepted by an
/// older version, or by a collector still running an older declaration), the batch is retried
/// segment by segment, and a segment that fails on its own is searched for the events that do
/// not load: those are set aside in `rejected/<segment id>.ndjson` beside the buffer, each with
/// its error, and the rest of the segment is inserted. One bad event never blocks the others,
/// and none is thrown away.
struct EventsFlush {
    let materializer: Materializer
    let declared: [EventColumn]
    let started: Date

    private var session: Session { materializer.session }
    private var model: Model { materializer.model }
    private var bufferFolder: URL {
        EventsBuffer.root(of: session.project).appending(path: EventsBuffer.key(model.target))
    }

    /// What the flush did.
    struct Outcome {
        var rows: Int64 = 0
        /// The last commit made, if any.
        var commit: CommitMetadata?
        var snapshot: Int64?
        /// The buffer held no segment for the model.
        var nothingBuffered = false
    }

    /// Runs the flush.
    /// - Throws: ``OndatraError`` when the buffer cannot be read or a batch cannot be committed
    ///   (its events stay buffered).
    func run(warnings: inout [String]) throws -> Outcome {
        let reader = EventBufferReader(root: EventsBuffer.root(of: session.project).path)
        let claimed: [ClaimedSegment]
        do {
            claimed = try reader.claim(target: EventsBuffer.key(model.target), sealTimeout: EventsTable.sealTimeout)
        } catch {
            throw OndatraError(.io, "could not read the event buffer: \(error)", file: model.path)
        }
        // Segments not acknowledged below are given back for the next flush, whatever happens.
        defer { for segment in claimed { segment.release() } }
        guard !claimed.isEmpty else { return Outcome(nothingBuffered: true) }
        let byID = Dictionary(claimed.map { ($0.id, $0) }) { first, _ in first }
        let plan = EventsFlushPlan.make(
            claimed: claimed.map { EventsFlushPlan.Segment(id: $0.id, bytes: $0.byteCount, events: $0.eventCount) },
            committed: try committedSegments(among: claimed.map(\.id)),
            maxBatchBytes: EventsTable.maxBatchBytes)
        for id in plan.alreadyCommitted { try acknowledge(byID[id]) }
        var outcome = Outcome()
        for batch in plan.batches {
            let segments = batch.compactMap { byID[$0.id] }
            do {
                try commit(segments.map { ($0.id, $0.path) }, into: &outcome)
            } catch let error as OndatraError {
                if segments.count > 1 {
                    // Find the segment that does not load; the others go in on their own.
                    for segment in segments { try commitAlone(segment, into: &outcome, warnings: &warnings) }
                } else if let segment = segments.first {
                    try setAsideAndCommit(segment, after: error, into: &outcome, warnings: &warnings)
                } else {
                    throw error
                }
                continue
            }
            for segment in segments { try acknowledge(segment) }
        }
        return outcome
    }

    /// Commits one segment; when it does not load, sets aside its events that do not and commits
    /// the rest under the segment's id.
    private func commitAlone(_ segment: ClaimedSegment, into outcome: inout Outcome, warnings: inout [String]) throws {
        do {
            try commit([(segment.id, segment.path)], into: &outcome)
            try acknowledge(segment)
        } catch let failure as OndatraError {
            try setAsideAndCommit(segment, after: failure, into: &outcome, warnings: &warnings)
        }
    }

    /// After `failure`, finds the segment's events that do not load, writes them to the rejected
    /// file and commits the others under the segment's id.
    private func setAsideAndCommit(
        _ segment: ClaimedSegment, after failure: OndatraError, into outcome: inout Outcome, warnings: inout [String]
    ) throws {
        let lines = try readLines(segment)
        let rejected = try EventsLineSifter(session: session, declared: declared).rejected(lines)
        // Every event loads on its own: the failure was not the events' (the catalog, the disk).
        guard !rejected.isEmpty else { throw failure }
        let setAside = try writeRejected(rejected, lines: lines, segment: segment)
        let keep = lines.indices.filter { rejected[$0] == nil }.map { lines[$0] }
        let scratch = FileManager.default.temporaryDirectory.appending(
            path: "ondatra-flush-\(getpid())-\(segment.id).ndjson")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(keep.joined()).write(to: scratch)
        try commit([(segment.id, scratch.path)], into: &outcome)
        try acknowledge(segment)
        let first = rejected.min { $0.key < $1.key }?.value ?? failure.message
        warnings.append(
            "\(rejected.count) buffered event(s) could not be loaded and were set aside in "
                + "\(session.project.relativePath(of: setAside)) with their errors (first: \(first)); "
                + "the segment's other \(keep.count) event(s) were flushed")
    }

    /// Inserts the files in one commit that records `segments`' ids.
    private func commit(_ segments: [(id: String, path: String)], into outcome: inout Outcome) throws {
        var made: CommitMetadata?
        let snapshot = try session.transaction { session -> CommitMessage in
            let inserted: Int64
            do {
                inserted = Int64(
                    try session.execute(
                        EventsTable.insertSQL(materializer.qualifiedTarget, declared, segments.map(\.path))))
            } catch let error as OndatraError {
                throw OndatraError(
                    error.code,
                    "could not flush the buffered events of .ondatra/events/\(EventsBuffer.key(model.target))/ "
                        + "(they stay buffered): \(EventsLineSifter.plain(error.message))",
                    file: model.path)
            }
            FaultPoint.midFlush.reach()
            var metadata = materializer.metadata(
                rows: inserted, columns: declared.map { SchemaEvolution.Column(name: $0.name, type: $0.type.sqlName) },
                started: started, runType: .flush)
            metadata.eventSegments = segments.map(\.id)
            made = metadata
            return metadata.commitMessage
        }
        FaultPoint.afterFlushCommit.reach()
        if let made, let snapshot {
            outcome.rows += made.rowsAffected
            outcome.commit = made
            outcome.snapshot = snapshot
        }
    }

    /// The segment's lines, each with its `\n`.
    private func readLines(_ segment: ClaimedSegment) throws -> [[UInt8]] {
        let bytes: [UInt8]
        do {
            bytes = try segment.read()
        } catch {
            throw OndatraError(.io, "could not read \(segment.path): \(error)", file: model.path)
        }
        var lines: [[UInt8]] = []
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            lines.append(Array(bytes[start...index]))
            start = index + 1
        }
        return lines
    }

    /// Writes the rejected events to `rejected/<segment id>.ndjson` in the model's buffer folder,
    /// one `{"error": …, "event": …}` per line, synced before the segment's other events are
    /// committed (so a crash in between finds them again, and writes the same file).
    private func writeRejected(_ rejected: [Int: String], lines: [[UInt8]], segment: ClaimedSegment) throws -> URL {
        let folder = bufferFolder.appending(path: "rejected")
        let file = folder.appending(path: "\(segment.id).ndjson")
        var text: [UInt8] = []
        for index in rejected.keys.sorted() {
            guard let message = rejected[index] else { continue }
            text += Array(#"{"error":"#.utf8) + Array(JSONValue.string(message).text.utf8) + Array(#","event":"#.utf8)
            text += lines[index].dropLast()
            text += Array("}\n".utf8)
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let handle = try FileHandle(forWritingTo: createEmpty(file))
            defer { try? handle.close() }
            try handle.write(contentsOf: text)
            try handle.synchronize()
        } catch {
            throw OndatraError(
                .io, "could not set aside events that do not load in \(file.path): \(error)", file: model.path)
        }
        return file
    }

    private func createEmpty(_ file: URL) throws -> URL {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw OndatraError(.io, "could not create \(file.path)", file: model.path)
        }
        return file
    }

    /// The ids among `ids` that a commit of this model already inserted (its `event_segments`).
    private func committedSegments(among ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let list = ids.map(SQLLiteral.quote).joined(separator: ", ")
        let sql = """
            SELECT DISTINCT segment FROM (
                SELECT unnest(CAST(json_extract(commit_extra_info, '$.event_segments') AS VARCHAR[])) AS segment
                FROM \(SQLLiteral.identifier(session.catalog)).snapshots()
                WHERE json_extract(commit_extra_info, '$.event_segments') IS NOT NULL
                    AND lower(json_extract_string(commit_extra_info, '$.model')) = \(SQLLiteral.quote(EventsBuffer.key(model.target)))
            ) WHERE segment IN (\(list))
            """
        return Set(try session.query(sql).allRows().compactMap { $0[0].string })
    }

    private func acknowledge(_ segment: ClaimedSegment?) throws {
        guard let segment else { return }
        do {
            try segment.acknowledge()
        } catch {
            // The events are committed; the segment stays and the next flush recognises it.
            throw OndatraError(.io, "flushed, but could not remove the buffer segment: \(error)", file: model.path)
        }
    }
}

extension EventsTable {
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
}
