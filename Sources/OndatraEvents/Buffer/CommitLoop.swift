#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The writer thread's own state and loop: group commit, segment creation and sealing.
///
/// Only the writer thread touches an instance. Each round it takes every append queued at that
/// moment, writes each target's bytes with one `write`, `fdatasync`s each touched segment once,
/// then resumes all the appends; appends that arrive meanwhile wait for the next round, so many
/// concurrent appenders share one sync.
final class CommitLoop {
    /// A segment the writer appends to, held under `flock(LOCK_EX)` from creation until sealed.
    struct ActiveSegment {
        let id: String
        let fd: Int32
        let path: String
        /// The file `fd` has open: `path` must still name it when a group is acknowledged.
        let file: FileID
        /// Bytes written and synced: the offset a failed write is cut back to.
        var size = 0
        var events = 0

        /// Whether `fd` still refers to the segment's file (one `fstat`). It does not when code
        /// elsewhere in the process closed this descriptor number (a double close) and another
        /// open took the number: what was written or synced through it then went to that other
        /// file, and the descriptor is no longer the writer's to truncate or close.
        var holdsFile: Bool { Posix.status(fd).map(FileID.init) == file }
    }

    let core: WriterCore
    /// The buffer's `writer.lock` this writer holds now.
    var lock: WriterLock
    /// The active segment per target folder.
    var active: [String: ActiveSegment] = [:]
    /// Folders known to exist, with the time floor for new segment ids (past every id found there).
    var prepared: [String: Int64] = [:]
    /// When seal requests were last looked for.
    var lastRequestCheck: UInt64 = 0
    /// Commits look for seal requests at most this often; idle rounds look every `idleNanos`.
    static let busyRequestCheckNanos: UInt64 = 2_000_000
    /// How many times one commit writes a group again when each new segment loses its name too.
    static let maxRewrites = 3

    init(core: WriterCore) {
        self.core = core
        self.lock = core.initialLock
    }

    /// Runs rounds until the writer is closed and its queue drained, then seals everything and
    /// resumes whoever waits in `close()`.
    func run() {
        while true {
            let (batch, closing) = core.inbox.wait(
                timeoutNanos: core.idleNanos, until: { !$0.pending.isEmpty || $0.closing },
                then: { inbox -> ([PendingAppend], Bool) in
                    let batch = inbox.pending
                    inbox.pending = []
                    return (batch, inbox.closing)
                })
            if !batch.isEmpty { commit(batch) }
            let now = Posix.monotonicNanos()
            let interval = batch.isEmpty ? core.idleNanos : Self.busyRequestCheckNanos
            if now &- lastRequestCheck >= interval {
                answerSealRequests()
                // Not once closing: a root deleted on purpose after close() must stay deleted.
                if !closing { keepLock(thorough: true) }
                lastRequestCheck = now
            }
            if closing && batch.isEmpty { break }
        }
        for folder in Array(active.keys) { seal(folder) }
        answerSealRequests()
        lock.release()
        let waiters = core.inbox.withLock { inbox -> [CheckedContinuation<Void, Never>] in
            inbox.stopped = true
            defer { inbox.closeWaiters = [] }
            return inbox.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// One group commit: write per target, sync per touched segment, check the segment still has
    /// its name (writing the group again elsewhere when not), check the writer lock, then answer
    /// every append.
    private func commit(_ batch: [PendingAppend]) {
        // Indices into `batch`, never copies: copying an append retains its lines and continuation,
        // which the appending task shares, and that contended refcount traffic showed in benchmarks.
        var groups: [(folder: String, members: [Int])] = []
        var groupOf: [String: Int] = [:]
        for (index, append) in batch.enumerated() {
            if let group = groupOf[append.folder] {
                groups[group].members.append(index)
            } else {
                groupOf[append.folder] = groups.count
                groups.append((append.folder, [index]))
            }
        }
        var outcomes: [Result<Void, EventBufferError>] = []
        var starts: [Int?] = []
        for group in groups {
            switch write(batch, group.members, to: group.folder) {
            case .success(let start):
                outcomes.append(.success(()))
                starts.append(start)
            case .failure(let error):
                outcomes.append(.failure(error))
                starts.append(nil)
            }
        }
        var syncs = 0
        var accepted = 0
        var failed = 0
        var rewritten = false
        for (index, group) in groups.enumerated() {
            guard let start = starts[index] else { continue }
            let durable = makeDurable(
                batch, group.members, in: group.folder, from: start, syncs: &syncs, rewritten: &rewritten)
            switch durable {
            case .success(let segment):
                let events = group.members.reduce(0) { $0 + batch[$1].count }
                core.ledger.commit(
                    folder: group.folder, name: SegmentFile.openName(segment.id), file: segment.file,
                    size: segment.size, events: segment.events, accepted: events)
                accepted += events
            case .failure(let error):
                outcomes[index] = .failure(error)
            }
        }
        for (index, group) in groups.enumerated() {
            if case .failure = outcomes[index] { failed += group.members.count }
        }
        // Before answering, so a second writer started after an append returns finds the lock.
        keepLock(thorough: rewritten)
        core.tallies.withLock {
            $0.commits += 1
            $0.appends += batch.count
            $0.events += accepted
            $0.dataSyncs += syncs
            $0.failedAppends += failed
        }
        for (index, group) in groups.enumerated() {
            for member in group.members { batch[member].continuation.resume(returning: outcomes[index]) }
        }
        for group in groups {
            if let segment = active[group.folder], segment.size >= core.segmentLimit { seal(group.folder) }
        }
    }

    /// Syncs the group just written at `start` of `folder`'s active segment and checks that the
    /// descriptor synced is still the segment's (one `fstat`) and the segment's path still names
    /// it (one `stat`). When it lost its name (deleted, or replaced with its folder or the root)
    /// or its descriptor, cuts the group off it and writes it again into a new segment, creating
    /// the folders again, at most ``maxRewrites`` times. Returns the segment holding the group,
    /// synced and named, or the error to answer the group's appends with.
    private func makeDurable(
        _ batch: [PendingAppend], _ members: [Int], in folder: String, from start: Int, syncs: inout Int,
        rewritten: inout Bool
    ) -> Result<ActiveSegment, EventBufferError> {
        var start = start
        var rewrites = 0
        while let segment = active[folder] {
            syncs += 1
            let code = Posix.dataSync(segment.fd)
            if code != 0 {
                retire(folder, keeping: start)
                return .failure(.io("sync", segment.path, code))
            }
            if segment.holdsFile, Posix.names(segment.path, segment.file) { return .success(segment) }
            retire(folder, keeping: start)
            prepared[folder] = nil
            rewritten = true
            guard rewrites < Self.maxRewrites else { return .failure(.io("keep", segment.path, ENOENT)) }
            rewrites += 1
            core.tallies.withLock { $0.rewrites += 1 }
            switch write(batch, members, to: folder) {
            case .success(let offset): start = offset
            case .failure(let error): return .failure(error)
            }
        }
        // A successful write always leaves an active segment; kept as an error rather than a trap.
        return .failure(.io("write", core.root + "/" + folder, ENOENT))
    }

    /// Appends the `members` of `batch` to `folder`'s active segment (created when there is none)
    /// with one `write` call; returns the offset it started at, which a failed sync cuts back to.
    private func write(_ batch: [PendingAppend], _ members: [Int], to folder: String) -> Result<Int, EventBufferError> {
        let segment: ActiveSegment
        do throws(EventBufferError) {
            segment = try activeSegment(for: folder)
        } catch {
            return .failure(error)
        }
        let start = segment.size
        let write = core.write
        let (written, code): (Int, Int32)
        if members.count == 1 {
            (written, code) = batch[members[0]].lines.withUnsafeBytes { Posix.writeAll(segment.fd, $0, using: write) }
        } else {
            var joined: [UInt8] = []
            joined.reserveCapacity(members.reduce(0) { $0 + batch[$1].lines.count })
            for member in members { joined.append(contentsOf: batch[member].lines) }
            (written, code) = joined.withUnsafeBytes { Posix.writeAll(segment.fd, $0, using: write) }
        }
        if code != 0 {
            retire(folder, keeping: start)
            return .failure(.io("write", segment.path, code))
        }
        active[folder]?.size = start + written
        active[folder]?.events += members.reduce(0) { $0 + batch[$1].count }
        return .success(start)
    }
}
