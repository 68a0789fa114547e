#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `<root>/writer.lock`, held with `flock` by the one writer of a buffer, with the writer's pid
/// in it, so a second collector on the same project fails at start (naming that pid) instead of
/// keeping active segments of its own. The kernel releases it when the process ends.
///
/// A lock on a file that lost its name guards nothing: a second writer would create a new
/// `writer.lock` and lock that. The writer thread therefore checks it (``CommitLoop/keepLock(thorough:)``)
/// and takes a new one when it is gone.
struct WriterLock: Sendable {
    /// The lock file's path.
    let path: String
    /// The descriptor holding the lock.
    let fd: Int32
    /// The file locked, to tell whether `path` still names it.
    let file: FileID

    /// The lock file of the buffer at `root`.
    static func path(root: String) -> String { root + "/writer.lock" }

    /// Takes `<root>/writer.lock` (created when missing) without waiting and writes this process's
    /// pid in it; the root must exist.
    /// - Throws: ``EventBufferError/writerBusy(_:holder:)`` naming the holder's pid when another
    ///   writer has it, or an I/O error.
    static func acquire(root: String) throws(EventBufferError) -> WriterLock {
        let path = path(root: root)
        let fd = try Posix.open(path, O_RDWR | O_CREAT, verb: "open")
        let lock = Posix.tryLock(fd)
        guard lock == 0 else {
            var holder = [UInt8](repeating: 0, count: 32)
            let got = holder.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            Posix.close(fd)
            guard lock == EWOULDBLOCK else { throw .io("lock", path, lock) }
            let text = String(decoding: holder.prefix(max(0, got)), as: UTF8.self)
            throw .writerBusy(root, holder: text.filter(\.isNumber))
        }
        guard let info = Posix.status(fd) else {
            let code = errno
            Posix.close(fd)
            throw .io("inspect", path, code)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return WriterLock(path: path, fd: fd, file: FileID(info))
    }

    /// Whether the locked file still has a name (one `fstat`): false once `writer.lock` or the
    /// whole root was deleted. A root renamed away keeps it linked; ``isNamed`` tells that too.
    var isLinked: Bool {
        guard let info = Posix.status(fd) else { return false }
        return info.st_nlink > 0
    }

    /// Whether `writer.lock` in the root is still the locked file (one `stat`).
    var isNamed: Bool { Posix.names(path, file) }

    /// Lets go of the lock.
    func release() {
        Posix.close(fd)
    }
}

extension CommitLoop {
    /// Makes sure the buffer's `writer.lock` is still the file this writer holds; when it was
    /// deleted or replaced, creates the root again if needed and takes a new lock, then lets go
    /// of the old one. `thorough` compares the name (a `stat`), otherwise only whether the held
    /// file is still linked (an `fstat`, cheap enough for every commit).
    ///
    /// When another writer took the new lock first, or the root cannot be made (a file in its
    /// way), this writer keeps its old lock and tries again at the next check.
    func keepLock(thorough: Bool) {
        if thorough ? lock.isNamed : lock.isLinked { return }
        do throws(EventBufferError) {
            try Posix.makeDirectories(core.root)
            let fresh = try WriterLock.acquire(root: core.root)
            lock.release()
            lock = fresh
            core.tallies.withLock { $0.relocks += 1 }
        } catch {
            core.tallies.withLock { $0.failedRelocks += 1 }
        }
    }
}
