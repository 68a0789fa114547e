import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One append waiting for the writer thread.
struct PendingAppend: Sendable {
    /// The target's folder name.
    let folder: String
    let lines: [UInt8]
    let count: Int
    let continuation: CheckedContinuation<Result<Void, EventBufferError>, Never>
}

/// What the appenders hand the writer thread, guarded by ``ConditionBox``.
struct Inbox: Sendable {
    var pending: [PendingAppend] = []
    var closing = false
    var stopped = false
    var closeWaiters: [CheckedContinuation<Void, Never>] = []
}

/// The state the public ``EventBufferWriter`` and its writer thread share.
final class WriterCore: Sendable {
    let root: String
    /// The descriptor holding `writer.lock` in the root: one writer per buffer, released when the thread ends.
    let rootLock: Int32
    let segmentLimit: Int
    let idleNanos: UInt64
    let write: WriteCall
    let inbox = ConditionBox(Inbox())
    let ledger = SegmentLedger()
    /// Totals of the work done, updated by the writer thread.
    let tallies = Mutex(EventBufferWriter.Counters())

    init(root: String, segmentLimit: Int, idleCheckInterval: Duration, write: @escaping WriteCall)
        throws(EventBufferError)
    {
        self.root = root
        self.rootLock = try Self.lockRoot(root)
        self.segmentLimit = max(1, segmentLimit)
        let (seconds, attoseconds) = idleCheckInterval.components
        let nanos = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        self.idleNanos = UInt64(max(1_000_000, nanos))
        self.write = write
    }

    /// Queues `append` for the next group commit, or answers it at once when the writer is closing.
    func submit(_ append: PendingAppend) {
        let accepted = inbox.withLock(wake: true) { inbox -> Bool in
            guard !inbox.closing else { return false }
            inbox.pending.append(append)
            return true
        }
        if !accepted { append.continuation.resume(returning: .failure(.closed(root))) }
    }

    /// Stops taking appends; `waiter` (if any) is resumed once queued appends are durable and
    /// every active segment is sealed.
    func close(waiter: CheckedContinuation<Void, Never>?) {
        let stopped = inbox.withLock(wake: true) { inbox -> Bool in
            inbox.closing = true
            if inbox.stopped { return true }
            if let waiter { inbox.closeWaiters.append(waiter) }
            return false
        }
        if stopped { waiter?.resume() }
    }

    /// Starts the writer thread, which owns a ``CommitLoop`` until the core is closed.
    func startThread() throws(EventBufferError) {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                let core = Unmanaged<WriterCore>.fromOpaque(raw).takeRetainedValue()
                CommitLoop(core: core).run()
                return nil
            }, context)
        guard result == 0 else {
            Posix.close(rootLock)
            Unmanaged<WriterCore>.fromOpaque(context).release()
            throw .threadStart(root, result)
        }
        pthread_detach(thread)
    }

    /// Takes `<root>/writer.lock` without waiting and writes this process's pid in it, so a second
    /// collector on the same project fails at start instead of keeping active segments of its own.
    private static func lockRoot(_ root: String) throws(EventBufferError) -> Int32 {
        let path = root + "/writer.lock"
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
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }
}
