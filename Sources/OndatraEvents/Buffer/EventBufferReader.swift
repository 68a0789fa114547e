#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Takes buffered events out of `.ondatra/events/` for a flush (`ondatrasql run`), whether or
/// not a collector is running, without ever blocking it.
///
/// ``claim(target:maxBytes:sealTimeout:)`` asks a live writer to seal its active segment, then
/// locks (`flock`, never blocking in the call) sealed segments and orphans (active segments whose
/// writer died) in creation order. A segment another flush holds is skipped once the seal timeout
/// has passed; one a crashed flush held is free again at once, since the kernel drops a dead
/// process's locks.
public struct EventBufferReader: Sendable {
    /// The folder holding one subfolder per target (`<project>/.ondatra/events`).
    public let root: String
    /// How often a claim looks whether the writer has sealed.
    static let pollNanos: UInt64 = 2_000_000

    /// A reader of the buffer at `root`; nothing is touched until a claim.
    public init(root: String) {
        self.root = root
    }

    /// The target folders that hold at least one segment, sorted.
    /// - Throws: ``EventBufferError`` when the root cannot be listed.
    public func targets() throws(EventBufferError) -> [String] {
        var found: [String] = []
        for name in try Posix.list(root) ?? [] where !name.hasPrefix(".") {
            if let names = try Posix.list(root + "/" + name), !SegmentFile.segments(in: names).isEmpty {
                found.append(name)
            }
        }
        return found.sorted()
    }

    /// How many complete events and bytes `target`'s buffer holds, without claiming or changing
    /// anything (for `sandbox`, which reports what a flush would insert). A segment that vanishes
    /// while it is counted (flushed meanwhile) counts as empty.
    /// - Throws: ``EventBufferError`` when the target's name is not a buffer name or its folder cannot be listed.
    public func waiting(target: String) throws(EventBufferError) -> (events: Int, bytes: Int) {
        let directory = root + "/" + (try TargetFolder.name(for: target))
        var events = 0
        var bytes = 0
        for entry in SegmentFile.segments(in: try Posix.list(directory) ?? []) {
            let path = directory + "/" + entry.name
            guard let fd = try? Posix.open(path, O_RDONLY, verb: "open") else { continue }
            defer { Posix.close(fd) }
            guard let info = Posix.status(fd),
                let scan = try? Posix.scanLines(fd, size: Int(info.st_size), path: path, stopAtNul: true)
            else { continue }
            events += scan.lines
            bytes += scan.end
        }
        return (events, bytes)
    }

    /// Claims `target`'s buffered segments, oldest first, until their bytes would pass `maxBytes`
    /// (at least one is claimed when any is free).
    ///
    /// When a live writer holds an active segment, a `seal-request` file asks it to seal, and
    /// the claim waits up to `sealTimeout` for it (blocking the calling thread; pass `.zero` to
    /// take only what is sealed already and not wait at all). A sealed segment found locked is
    /// waited for too, within the same `sealTimeout`: another flush may hold it, but so may the
    /// writer for a moment after renaming it, or a child process the writer's process spawned,
    /// which holds copies of its descriptors (and their locks) until it execs. An orphan's
    /// partial last line (no trailing newline, never acknowledged) is cut off before it is
    /// claimed; an orphan left empty is deleted.
    /// - Throws: ``EventBufferError`` when the folder or a segment cannot be read.
    public func claim(target: String, maxBytes: Int = .max, sealTimeout: Duration = .seconds(2))
        throws(EventBufferError) -> [ClaimedSegment]
    {
        let folder = try TargetFolder.name(for: target)
        let directory = root + "/" + folder
        let deadline = Posix.monotonicNanos() + Self.nanos(sealTimeout)
        guard let firstNames = try Posix.list(directory) else { return [] }
        var held: [String: Int32] = [:]
        defer { for fd in held.values { Posix.close(fd) } }
        var busy: [String] = []
        for entry in SegmentFile.segments(in: firstNames) where !entry.sealed {
            switch try probe(directory + "/" + entry.name) {
            case .locked(let fd): held[entry.name] = fd
            case .busy: busy.append(entry.name)
            case .gone: break
            }
        }
        if !busy.isEmpty, sealTimeout > .zero { waitForSeal(directory, busy: busy, until: deadline) }
        var claimed: [ClaimedSegment] = []
        var total = 0
        for entry in SegmentFile.segments(in: try Posix.list(directory) ?? []) {
            let path = directory + "/" + entry.name
            let fd: Int32
            if let orphan = held.removeValue(forKey: entry.name) {
                fd = orphan
            } else if case .locked(let locked) = try probe(path, waitingUntil: entry.sealed ? deadline : 0) {
                fd = locked
            } else {
                continue
            }
            guard let segment = try take(fd, entry, folder: folder, directory: directory) else { continue }
            if !claimed.isEmpty, total + segment.byteCount > maxBytes {
                segment.release()
                break
            }
            total += segment.byteCount
            claimed.append(segment)
        }
        return claimed
    }

    private enum Probe {
        /// Locked by this reader; the descriptor holds the lock.
        case locked(Int32)
        /// Locked by someone else: a live writer's active segment, or another flush's claim.
        case busy
        /// Renamed or deleted since the folder was listed.
        case gone
    }

    /// ``probe(_:)``, tried again while the file is locked by someone else, until `deadline` (a
    /// monotonic time; one already past tries once).
    private func probe(_ path: String, waitingUntil deadline: UInt64) throws(EventBufferError) -> Probe {
        while true {
            let found = try probe(path)
            guard case .busy = found, Posix.monotonicNanos() < deadline else { return found }
            Posix.sleep(nanoseconds: Self.pollNanos)
        }
    }

    /// Opens `path` and tries its lock without waiting. After locking, checks the name still
    /// points to the locked file: a writer may have sealed it (renamed) or a flush deleted it
    /// between listing and locking, and neither may be claimed under its old name.
    private func probe(_ path: String) throws(EventBufferError) -> Probe {
        let fd: Int32
        do throws(EventBufferError) {
            fd = try Posix.open(path, O_RDWR, verb: "open")
        } catch {
            if error.errorNumber == ENOENT { return .gone }
            throw error
        }
        let lock = Posix.tryLock(fd)
        guard lock == 0 else {
            Posix.close(fd)
            if lock == EWOULDBLOCK { return .busy }
            throw .io("lock", path, lock)
        }
        guard let mine = Posix.status(fd), let named = Posix.status(path), mine.st_nlink > 0,
            mine.st_ino == named.st_ino, mine.st_dev == named.st_dev
        else {
            Posix.close(fd)
            return .gone
        }
        return .locked(fd)
    }

    /// Asks the writer to seal (a `seal-request` file) and waits until the `busy` active segments
    /// are gone from the folder and the writer removed the request (it does so after releasing
    /// the sealed files' locks), until one of them is found unlocked (its writer died: it is an
    /// orphan now), or until `deadline` (monotonic).
    private func waitForSeal(_ directory: String, busy: [String], until deadline: UInt64) {
        let request = directory + "/" + SegmentFile.sealRequest
        guard let fd = try? Posix.open(request, O_WRONLY | O_CREAT, verb: "create") else { return }
        Posix.close(fd)
        while Posix.monotonicNanos() < deadline {
            var allGone = true
            for name in busy {
                switch Self.holder(of: directory + "/" + name) {
                case .gone: continue
                case .nobody: return
                case .someone: allGone = false
                }
            }
            if allGone, !Posix.exists(request) { return }
            Posix.sleep(nanoseconds: Self.pollNanos)
        }
    }

    private enum Holder { case gone, nobody, someone }

    /// `duration` in nanoseconds, 0 when negative.
    private static func nanos(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Whether someone holds `path`'s lock, tried without waiting and let go at once.
    private static func holder(of path: String) -> Holder {
        guard let fd = try? Posix.open(path, O_RDONLY, verb: "open") else {
            return Posix.exists(path) ? .someone : .gone
        }
        defer { Posix.close(fd) }
        return Posix.tryLock(fd) == 0 ? .nobody : .someone
    }

    /// Turns a locked file into a claim: counts its lines; for an orphan, first cuts off what
    /// follows the last complete line (and any line a crash filled with NUL bytes). Returns nil
    /// (and deletes the file) for an orphan with no complete line.
    private func take(_ fd: Int32, _ entry: SegmentFile.Entry, folder: String, directory: String)
        throws(EventBufferError) -> ClaimedSegment?
    {
        let path = directory + "/" + entry.name
        do throws(EventBufferError) {
            guard let info = Posix.status(fd) else { throw .io("inspect", path, errno) }
            let size = Int(info.st_size)
            let scan = try Posix.scanLines(fd, size: size, path: path, stopAtNul: !entry.sealed)
            var byteCount = size
            if !entry.sealed, scan.end < size {
                guard ftruncate(fd, off_t(scan.end)) == 0 else { throw .io("truncate", path, errno) }
                let code = Posix.dataSync(fd)
                guard code == 0 else { throw .io("sync", path, code) }
                byteCount = scan.end
            }
            if !entry.sealed, byteCount == 0 {
                unlink(path)
                try? Posix.syncDirectory(directory)
                Posix.close(fd)
                return nil
            }
            return ClaimedSegment(
                target: folder, id: entry.id, path: path, directory: directory, fd: fd, byteCount: byteCount,
                eventCount: scan.lines)
        } catch {
            Posix.close(fd)
            throw error
        }
    }
}
