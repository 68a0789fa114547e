import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the buffer holds for one target, for the collector's `/metrics`.
public struct EventBufferTargetStats: Sendable, Equatable {
    /// The target's folder name (`schema.table`, lowercased).
    public var target: String
    /// Events this writer acknowledged since it started.
    public var acceptedSinceStart: Int
    /// Complete event lines waiting in the buffer (sealed, active and orphaned segments), whoever wrote them.
    public var bufferedEvents: Int
    /// Bytes waiting in the buffer.
    public var bufferedBytes: Int
    /// Segment files waiting in the buffer.
    public var segments: Int
    /// When the oldest waiting segment was created (unix ms): its age is the flush lag. Nil when empty.
    public var oldestSegmentCreatedMillis: Int64?

    /// Creates stats for `target`.
    public init(
        target: String, acceptedSinceStart: Int, bufferedEvents: Int, bufferedBytes: Int, segments: Int,
        oldestSegmentCreatedMillis: Int64?
    ) {
        self.target = target
        self.acceptedSinceStart = acceptedSinceStart
        self.bufferedEvents = bufferedEvents
        self.bufferedBytes = bufferedBytes
        self.segments = segments
        self.oldestSegmentCreatedMillis = oldestSegmentCreatedMillis
    }
}

/// Line counts of segment files, so stats read each file at most once: the writer records the
/// segments it writes; files it did not write (left from before a restart, or by another process)
/// are counted by reading them, and recounted when their size changes. A count is used only while
/// its name still stands for the file counted: one deleted and made again under the same name (or
/// a folder or root deleted and made again) is counted afresh, so stats say what is on disk.
final class SegmentLedger: Sendable {
    struct Count: Sendable {
        /// The file counted.
        var file: FileID
        var size: Int
        var events: Int
        /// The writer's active segment: its count is kept current by the writer, not by reading.
        var live: Bool
    }
    private struct State: Sendable {
        var accepted: [String: Int] = [:]
        var files: [String: [String: Count]] = [:]
    }
    private let state = Mutex(State())

    /// The writer's active segment `name` (the file `file`) now holds `size` bytes and `events`
    /// lines, `accepted` more than before.
    func commit(folder: String, name: String, file: FileID, size: Int, events: Int, accepted: Int) {
        state.withLock {
            $0.accepted[folder, default: 0] += accepted
            $0.files[folder, default: [:]][name] = Count(file: file, size: size, events: events, live: true)
        }
    }

    /// The writer let go of a segment with a known count: it is now `name` (renamed from `replacing`).
    func settle(folder: String, name: String, replacing old: String?, file: FileID, size: Int, events: Int) {
        state.withLock {
            if let old { $0.files[folder]?[old] = nil }
            $0.files[folder, default: [:]][name] = Count(file: file, size: size, events: events, live: false)
        }
    }

    /// The writer removed `name`, or let go of it without a count it trusts (what is left there,
    /// if anything, is counted by reading it).
    func forget(folder: String, name: String) {
        _ = state.withLock { $0.files[folder]?.removeValue(forKey: name) }
    }

    /// Stats for every target folder under `root` and every target accepted into since start.
    /// Lists each folder; reads only segments it has no count for, outside the lock.
    func stats(root: String) -> [EventBufferTargetStats] {
        var folders = Set((try? Posix.list(root)) ?? []).filter {
            !$0.hasPrefix(".") && Posix.isDirectory(root + "/" + $0)
        }
        let snapshot = state.withLock { $0 }
        folders.formUnion(snapshot.accepted.keys)
        var learned: [(folder: String, name: String, count: Count)] = []
        var present: [String: Set<String>] = [:]
        var result: [EventBufferTargetStats] = []
        for folder in folders.sorted() {
            let directory = root + "/" + folder
            let entries = SegmentFile.segments(in: (try? Posix.list(directory)) ?? [])
            var stats = EventBufferTargetStats(
                target: folder, acceptedSinceStart: snapshot.accepted[folder] ?? 0, bufferedEvents: 0,
                bufferedBytes: 0, segments: 0, oldestSegmentCreatedMillis: nil)
            for entry in entries {
                guard let info = Posix.status(directory + "/" + entry.name) else { continue }
                let count: Count
                if let known = snapshot.files[folder]?[entry.name], known.file == FileID(info),
                    known.live || known.size == Int(info.st_size)
                {
                    count = known
                } else {
                    guard let counted = Self.count(directory + "/" + entry.name) else { continue }
                    count = counted
                    learned.append((folder, entry.name, counted))
                }
                present[folder, default: []].insert(entry.name)
                stats.bufferedEvents += count.events
                stats.bufferedBytes += count.size
                stats.segments += 1
                if stats.oldestSegmentCreatedMillis == nil {
                    stats.oldestSegmentCreatedMillis = SegmentID.millis(of: entry.id)
                }
            }
            result.append(stats)
        }
        state.withLock { state in
            for (folder, name, count) in learned where state.files[folder]?[name]?.live != true {
                state.files[folder, default: [:]][name] = count
            }
            for folder in folders {
                let keep = present[folder] ?? []
                state.files[folder] = state.files[folder]?.filter { $0.value.live || keep.contains($0.key) }
            }
        }
        return result
    }

    /// Reads `path` and counts its complete lines, or nil when it cannot be read.
    private static func count(_ path: String) -> Count? {
        guard let fd = try? Posix.open(path, O_RDONLY, verb: "open") else { return nil }
        defer { Posix.close(fd) }
        guard let info = Posix.status(fd), let scan = try? Posix.scanLines(fd, size: Int(info.st_size), path: path)
        else { return nil }
        return Count(file: FileID(info), size: Int(info.st_size), events: scan.lines, live: false)
    }
}
