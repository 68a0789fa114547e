/// Appends events to the durable buffer under `.ondatra/events/`: what the collector uses.
///
/// ``append(target:lines:count:)`` returns only once the lines are written and `fdatasync`'d, so
/// the collector may answer `202`. A writer thread of its own (never the cooperative pool or an
/// event loop, since syncing blocks) group-commits: it takes every append waiting at that moment,
/// writes each target's lines with one `write`, syncs each touched segment once and resumes them
/// all, so concurrent requests share a sync.
///
/// Each target (`schema.table`, lowercased) is a folder holding at most one active segment
/// `open-<id>.ndjson` from this writer, locked with `flock` while it writes, and sealed segments
/// `seg-<id>.ndjson`. The writer seals the active segment when it reaches
/// ``Options/segmentLimit``, when a flush asks (``EventBufferReader``), and on ``close()``.
/// Nothing ever expires. One writer per buffer: a second one fails to open while the first runs
/// (`writer.lock` in the root, released when the first is closed or its process ends).
///
/// Files deleted under a running writer: before acknowledging a group the writer checks that its
/// segment still has its name (one `stat`). When the segment, its folder or the whole root was
/// deleted or replaced, it creates them again, writes the group into a new segment and syncs it,
/// so no acknowledged event lives only in an unlinked file; what was deleted stays deleted. When
/// they cannot be made again (a file where a folder belongs) the appends fail as unavailable, and
/// later ones recover once the way is clear. A deleted `writer.lock` is taken again at the next
/// commit, or within ``Options/idleCheckInterval`` when idle.
public final class EventBufferWriter: Sendable {
    /// How the writer cuts segments and how often it looks for flush requests when idle.
    public struct Options: Sendable {
        /// A segment is sealed once it holds at least this many bytes (default 16 MiB).
        public var segmentLimit: Int
        /// How often an idle writer looks for a flush's seal request (default 50 ms); a busy one
        /// looks after its commits, at most every 2 ms.
        public var idleCheckInterval: Duration

        /// Options with the given limit and interval.
        public init(segmentLimit: Int = 16 << 20, idleCheckInterval: Duration = .milliseconds(50)) {
            self.segmentLimit = segmentLimit
            self.idleCheckInterval = idleCheckInterval
        }
    }

    /// Totals of the writer's work since it started, for metrics and benchmarks.
    public struct Counters: Sendable, Equatable {
        /// Appends acknowledged or refused by a commit.
        public var appends = 0
        /// Events acknowledged (durable).
        public var events = 0
        /// Group commits (rounds of the writer thread that wrote something).
        public var commits = 0
        /// `fdatasync` calls on segments.
        public var dataSyncs = 0
        /// `fsync` calls on target folders (new and sealed segments).
        public var directorySyncs = 0
        /// Segments sealed.
        public var seals = 0
        /// Appends that failed with an I/O error (the collector's `503`s).
        public var failedAppends = 0
        /// Groups written again in a new segment because the one they were synced to had lost its
        /// name (the file, its folder or the root deleted or replaced while the writer ran).
        public var rewrites = 0
        /// Times `writer.lock` was found deleted or replaced and taken again.
        public var relocks = 0
        /// Times it could not be taken again (another writer took it first, or the root could not
        /// be made); the writer keeps trying.
        public var failedRelocks = 0
    }

    let core: WriterCore

    /// The folder holding one subfolder per target (`<project>/.ondatra/events`).
    public var root: String { core.root }

    /// Opens the buffer at `root` (created when missing) and starts the writer thread.
    /// - Throws: ``EventBufferError`` when the folder cannot be created, another writer has it open,
    ///   or the thread cannot be started.
    public convenience init(root: String, options: Options = Options()) throws(EventBufferError) {
        try self.init(root: root, options: options, write: Posix.systemWrite)
    }

    /// Opens the buffer with `write` standing in for `write(2)` (tests simulate a full disk with it).
    init(root: String, options: Options, write: @escaping WriteCall) throws(EventBufferError) {
        try Posix.makeDirectories(root)
        core = try WriterCore(
            root: root, segmentLimit: options.segmentLimit, idleCheckInterval: options.idleCheckInterval,
            write: write)
        try core.startThread()
    }

    deinit {
        core.close(waiter: nil)
    }

    /// Appends `lines` (`count` complete NDJSON lines, each ending in `\n`, already validated) to
    /// `target`'s buffer, and returns once they are durable. The bytes are written exactly as given.
    ///
    /// The append completes even when the calling task is cancelled: once queued, its lines may
    /// already be on disk.
    /// - Throws: ``EventBufferError``: ``EventBufferError/isUnavailable`` for a full disk, an
    ///   unwritable folder or a closed writer (nothing of these lines is kept; later appends work
    ///   again once the cause is gone), ``EventBufferError/isInvalidInput`` for a bad target or lines.
    public func append(target: String, lines: [UInt8], count: Int) async throws(EventBufferError) {
        let folder = try TargetFolder.name(for: target)
        guard count > 0, lines.last == 0x0A else {
            throw .invalidLines(target, bytes: lines.count, count: count)
        }
        let core = core
        let result = await withCheckedContinuation { continuation in
            core.submit(PendingAppend(folder: folder, lines: lines, count: count, continuation: continuation))
        }
        try result.get()
    }

    /// Stops taking appends (later ones fail with a closed error), waits until those in flight are
    /// durable, seals every active segment and stops the writer thread. Safe to call more than once.
    public func close() async {
        let core = core
        await withCheckedContinuation { continuation in core.close(waiter: continuation) }
    }

    /// Per-target stats: events accepted since start, and what the buffer holds now (counted
    /// from the segment files, including those left from before a restart or written by others).
    ///
    /// Lists each target folder and reads only segments it has not counted before; call it from
    /// a thread that may block briefly (a metrics scrape).
    public func stats() -> [EventBufferTargetStats] {
        core.ledger.stats(root: core.root)
    }

    /// Totals of the writer's work since it started.
    public var counters: Counters { core.tallies.withLock { $0 } }
}
