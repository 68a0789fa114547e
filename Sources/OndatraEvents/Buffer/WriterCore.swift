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
    /// `writer.lock` as taken at start: one writer per buffer. The writer thread owns it from
    /// then on (and may replace it, see ``CommitLoop/keepLock(thorough:)``), releasing it when it ends.
    let initialLock: WriterLock
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
        self.initialLock = try WriterLock.acquire(root: root)
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
            initialLock.release()
            Unmanaged<WriterCore>.fromOpaque(context).release()
            throw .threadStart(root, result)
        }
        pthread_detach(thread)
    }
}
