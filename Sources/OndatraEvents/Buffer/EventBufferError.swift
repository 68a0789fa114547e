#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the event buffer could not take, seal or hand over events.
///
/// `description` names the path and what to do about it. The collector answers `503` when
/// ``isUnavailable`` is true (a full disk, an unwritable folder, a closed writer) and keeps going:
/// the next append tries again from a clean state.
public struct EventBufferError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case io, closed, invalidTarget, invalidLines, notClaimed, threadStart, writerBusy
    }
    private let code: Code
    /// What went wrong, where, and what to do; safe to log (never event data).
    public let description: String
    /// The `errno` of the system call that failed, when one did (`ENOSPC` for a full disk).
    public let errorNumber: Int32?

    private init(_ code: Code, _ description: String, errorNumber: Int32? = nil) {
        self.code = code
        self.description = description
        self.errorNumber = errorNumber
    }

    /// True when the buffer cannot take writes right now (disk, permissions, shutdown): answer `503`.
    public var isUnavailable: Bool { code == .io || code == .closed || code == .threadStart }

    /// True when the caller passed something the buffer refuses (a bad target name, lines without a final newline).
    public var isInvalidInput: Bool { code == .invalidTarget || code == .invalidLines }

    /// Errors are equal when they are the same kind of failure with the same errno, whatever the path.
    public static func == (lhs: EventBufferError, rhs: EventBufferError) -> Bool {
        lhs.code == rhs.code && lhs.errorNumber == rhs.errorNumber
    }

    /// A system call on `path` failed; the message says what the operator can do about `errorNumber`.
    static func io(_ verb: String, _ path: String, _ errorNumber: Int32) -> EventBufferError {
        let reason = String(cString: strerror(errorNumber))
        return EventBufferError(
            .io, "cannot \(verb) \(path): \(reason); \(remedy(for: errorNumber))", errorNumber: errorNumber)
    }

    /// The writer was closed (the collector is shutting down); nothing was written.
    static func closed(_ root: String) -> EventBufferError {
        EventBufferError(.closed, "the event buffer at \(root) is closed: the collector is shutting down; send again")
    }

    /// `target` cannot name a folder under the buffer root.
    static func invalidTarget(_ target: String) -> EventBufferError {
        EventBufferError(
            .invalidTarget,
            "invalid events target '\(target)': expected schema.table, without '/', a leading '.' or NUL bytes")
    }

    /// The bytes handed to `append` were empty, did not end in a newline, or the count was not positive.
    static func invalidLines(_ target: String, bytes: Int, count: Int) -> EventBufferError {
        EventBufferError(
            .invalidLines,
            "events for \(target) must be \(count > 0 ? "" : "a positive number of ")complete NDJSON lines "
                + "each ending in a newline (got \(bytes) bytes, count \(count)); nothing was written")
    }

    /// A claimed segment was used after it was acknowledged or released.
    static func notClaimed(_ path: String) -> EventBufferError {
        EventBufferError(
            .notClaimed, "\(path) is no longer claimed (already acknowledged or released); claim it again")
    }

    /// Another writer (collector) holds the buffer's writer lock; `holder` is what it wrote there (its pid).
    static func writerBusy(_ root: String, holder: String) -> EventBufferError {
        let who = holder.isEmpty ? "another collector" : "another collector (pid \(holder))"
        return EventBufferError(
            .writerBusy, "\(who) is writing to \(root); stop it before starting another (one per project)")
    }

    /// The writer thread could not be started.
    static func threadStart(_ root: String, _ errorNumber: Int32) -> EventBufferError {
        let reason = String(cString: strerror(errorNumber))
        return EventBufferError(
            .threadStart,
            "cannot start the event buffer writer thread for \(root): \(reason); "
                + "raise the process or thread limit (ulimit -u) and start the collector again",
            errorNumber: errorNumber)
    }

    private static func remedy(for errorNumber: Int32) -> String {
        switch errorNumber {
        case ENOSPC, EDQUOT: "free space and the collector resumes"
        case EACCES, EPERM: "make the folder writable by this user and the collector resumes"
        case EROFS: "the file system is read-only; remount it read-write and the collector resumes"
        case EFBIG: "the process file size limit was reached; raise it (ulimit -f) and the collector resumes"
        case EMFILE, ENFILE: "too many open files; raise the limit (ulimit -n)"
        case ENOENT: "the folder was removed while in use; the next append creates it again"
        case EEXIST, ENOTDIR: "something that is not a folder is in the way; move it and the collector resumes"
        case EIO: "the disk reported an I/O error; check it (dmesg) before relying on this buffer"
        default: "check the disk and the folder's permissions"
        }
    }
}
