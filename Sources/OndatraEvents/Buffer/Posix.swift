#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `write` call the writer uses; tests swap it to simulate a disk that fills up part-way.
/// Returns what `write(2)` returns, with `errno` set on `-1`.
typealias WriteCall = @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int

/// Which file a name or a descriptor stands for: a file keeps its identity through renames, and
/// no other file can take it while a descriptor holds the file open, even once it is unlinked.
struct FileID: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// Thin wrappers over the system calls the buffer uses: `EINTR` retried, failures as
/// ``EventBufferError`` naming the path.
enum Posix {
    /// `write(2)` itself.
    static let systemWrite: WriteCall = { fd, bytes in write(fd, bytes.baseAddress, bytes.count) }

    /// Opens `path` (close-on-exec added).
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644, verb: String) throws(EventBufferError)
        -> Int32
    {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            let code = errno
            if code != EINTR { throw .io(verb, path, code) }
        }
    }

    /// Closes `fd`, ignoring errors (every caller has synced what it needs first).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Writes all of `bytes`, retrying short writes; returns how many were written and the
    /// `errno` that stopped it (0 when all were written).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, using call: WriteCall) -> (Int, Int32) {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let result = call(fd, rest)
            if result > 0 {
                done += result
            } else if result == 0 {
                return (done, EIO)
            } else {
                let code = errno
                if code != EINTR { return (done, code) }
            }
        }
        return (done, 0)
    }

    /// `fdatasync(2)`; returns 0 or the errno.
    static func dataSync(_ fd: Int32) -> Int32 {
        while fdatasync(fd) != 0 {
            let code = errno
            if code != EINTR { return code }
        }
        return 0
    }

    /// Makes `directory`'s entries (a file created, renamed or removed in it) durable.
    static func syncDirectory(_ directory: String) throws(EventBufferError) {
        let fd = try open(directory, O_RDONLY | O_DIRECTORY, verb: "open the folder")
        defer { close(fd) }
        while fsync(fd) != 0 {
            let code = errno
            if code != EINTR { throw .io("sync the folder", directory, code) }
        }
    }

    /// `flock` without waiting; returns 0, or `EWOULDBLOCK` when someone else holds it, or another errno.
    static func tryLock(_ fd: Int32) -> Int32 {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code != EINTR { return code }
        }
        return 0
    }

    /// Creates `path` and any missing parents, syncing each parent that gained an entry.
    static func makeDirectories(_ path: String) throws(EventBufferError) {
        if isDirectory(path) { return }
        let parent = parentDirectory(path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 {
            let code = errno
            if code == EEXIST, isDirectory(path) { return }
            throw .io("create the folder", path, code)
        }
        try syncDirectory(parent)
    }

    /// The folder holding `path` (`/` for a top-level entry, `.` for a bare name).
    static func parentDirectory(_ path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
    }

    /// The entry names in `directory` (without `.` and `..`), or nil when it does not exist.
    static func list(_ directory: String) throws(EventBufferError) -> [String]? {
        guard let handle = opendir(directory) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .io("list the folder", directory, code)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `stat(2)` of `path`, or nil when it cannot be read (gone, most often).
    static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// `fstat(2)` of `fd`, or nil on failure.
    static func status(_ fd: Int32) -> stat? {
        var info = stat()
        return fstat(fd, &info) == 0 ? info : nil
    }

    /// The file `path` names now (following symlinks), or nil when it names none.
    static func fileID(_ path: String) -> FileID? {
        status(path).map(FileID.init)
    }

    /// Whether `path` names `file`. For a file the caller holds open this is the whole check that
    /// bytes synced to it are where a reader of `path` finds them: an unlinked file is named by
    /// no path, and no other file can take its identity while it is held open.
    static func names(_ path: String, _ file: FileID) -> Bool {
        fileID(path) == file
    }

    /// Whether `path` names a directory.
    static func isDirectory(_ path: String) -> Bool {
        guard let info = status(path) else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Reads `count` bytes from offset `at` into `buffer`; returns how many were read (fewer at end of file).
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(EventBufferError) -> Int
    {
        var done = 0
        while done < buffer.count {
            let result = pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset + done))
            if result > 0 {
                done += result
            } else if result == 0 {
                break
            } else {
                let code = errno
                if code != EINTR { throw .io("read", path, code) }
            }
        }
        return done
    }

    /// Counts the newlines in the first `size` bytes of `fd` and finds the offset just past the last one
    /// (0 when there is none): the complete lines of a segment. With `stopAtNul`, the scan ends at
    /// the line holding the first NUL byte (never part of an event: JSON escapes it), which is what
    /// a crash can leave where unsynced data was lost.
    static func scanLines(_ fd: Int32, size: Int, path: String, stopAtNul: Bool = false) throws(EventBufferError)
        -> (lines: Int, end: Int)
    {
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(chunk, max(size, 1)), alignment: 16)
        defer { buffer.deallocate() }
        var lines = 0
        var end = 0
        var offset = 0
        while offset < size {
            let want = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, size - offset)])
            let got = try read(fd, into: want, at: offset, path: path)
            if got == 0 { break }
            for index in 0..<got {
                let byte = want[index]
                if byte == 0x0A {
                    lines += 1
                    end = offset + index + 1
                } else if byte == 0, stopAtNul {
                    return (lines, end)
                }
            }
            offset += got
        }
        return (lines, end)
    }

    /// Nanoseconds on the monotonic clock.
    static func monotonicNanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Milliseconds since the Unix epoch on the wall clock.
    static func wallMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Sleeps the calling thread (never called on the cooperative pool by this module's own code).
    static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}
