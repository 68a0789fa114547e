import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A segment a flush has claimed from ``EventBufferReader``: its complete lines, locked so no
/// other flush takes it, until ``acknowledge()`` deletes it or ``release()`` (or deinit, or the
/// process ending, even by a crash) leaves it for the next claim.
public final class ClaimedSegment: Sendable {
    /// The target's folder name (`schema.table`, lowercased).
    public let target: String
    /// The segment id; ids sort in creation order, and a flush keeps them in that order.
    public let id: String
    /// The file, `seg-<id>.ndjson`, or `open-<id>.ndjson` for an orphan whose writer died.
    public let path: String
    /// Bytes of complete lines in the file.
    public let byteCount: Int
    /// Lines (events) in the file.
    public let eventCount: Int
    /// When the segment was created (unix ms).
    public let createdMillis: Int64
    private let directory: String
    /// The locked descriptor, nil once acknowledged or released.
    private let descriptor: Mutex<Int32?>

    init(target: String, id: String, path: String, directory: String, fd: Int32, byteCount: Int, eventCount: Int) {
        self.target = target
        self.id = id
        self.path = path
        self.directory = directory
        self.byteCount = byteCount
        self.eventCount = eventCount
        self.createdMillis = SegmentID.millis(of: id) ?? 0
        self.descriptor = Mutex(fd)
    }

    deinit {
        release()
    }

    /// The segment's bytes: ``eventCount`` NDJSON lines, each ending in `\n`, exactly as appended.
    /// - Throws: ``EventBufferError`` when the file cannot be read or is no longer claimed.
    public func read() throws(EventBufferError) -> [UInt8] {
        try descriptor.withLock { fd throws(EventBufferError) -> [UInt8] in
            guard let fd else { throw .notClaimed(path) }
            var bytes = [UInt8](repeating: 0, count: byteCount)
            let got = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(EventBufferError) in try Posix.read(fd, into: buffer, at: 0, path: path) }
            }.get()
            guard got == byteCount else { throw .io("read", path, EIO) }
            return bytes
        }
    }

    /// Deletes the segment (its events are in DuckLake) and syncs the folder, then lets go of it.
    /// - Throws: ``EventBufferError`` when the file cannot be deleted or the folder synced (the
    ///   segment may then come back after a crash; the flush's batch marker keeps it from being
    ///   inserted twice), or when it is no longer claimed.
    public func acknowledge() throws(EventBufferError) {
        try descriptor.withLock { fd throws(EventBufferError) in
            guard let held = fd else { throw .notClaimed(path) }
            fd = nil
            defer { Posix.close(held) }
            if unlink(path) != 0 {
                let code = errno
                if code != ENOENT { throw .io("delete", path, code) }
            }
            try Posix.syncDirectory(directory)
        }
    }

    /// Lets go of the segment without deleting it: the next claim takes it again.
    public func release() {
        descriptor.withLock { fd in
            if let held = fd { Posix.close(held) }
            fd = nil
        }
    }
}
