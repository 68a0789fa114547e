import Foundation

/// Where a sink's delivery state lives: per target (a model, `schema.table`), the watermark, the
/// pending changes (attempts, next attempt, last error), claims of in-flight batches (with a lease
/// and an owner), async job references, dead letters, and a log of batches.
///
/// Every method is one transaction: it happens entirely or not at all, and a process killed at
/// any moment leaves the state of the last committed call. The crash-safety argument of
/// docs/sync.md rests on that.
///
/// Times are wall-clock times from the runtime's clock (``RuntimeClock/wallTime``), passed in, so
/// the store reads no clock of its own.
public protocol DeliveryStore: Sendable {
    /// The last snapshot whose changes are queued for `target`; nil before its first enqueue.
    func watermark(of target: String) throws -> Int64?

    /// What `target`'s watermark snapshots belong to (the caller's identity of the table, so a
    /// catalog replaced or restored behind the store's back is noticed); nil when never recorded.
    func source(of target: String) throws -> String?

    /// In one transaction: when `replacing` (a backfill), drops every pending change of `target`
    /// that is not in a batch holding an async job; adds the changes `body` writes (a change whose
    /// key is already pending keeps the latest snapshot, and its attempts start over); sets the
    /// watermark to `snapshot` and, when given, its `source`. If `body` throws, nothing is written.
    /// - Parameter now: when the new changes become due.
    /// - Returns: how many changes `body` wrote.
    @discardableResult
    func enqueue(
        target: String, through snapshot: Int64, source: String?, replacing: Bool, now: Date,
        _ body: (inout ChangeWriter) throws -> Void
    ) throws -> Int

    /// Claims the next batch of `target`: up to `limit` due changes (next attempt at or before
    /// `now`, in no live batch), in snapshot order, then row id, then change type; leased to
    /// `owner` until `leaseUntil`. Nil when nothing is due.
    func claim(target: String, limit: Int, owner: String, now: Date, leaseUntil: Date) throws -> ClaimedBatch?

    /// Takes back every batch of `target` whose lease expired, or that `owner` may take over
    /// (`takeOver` lists owners known to be gone, for example every other owner when the caller
    /// holds the project lock). Changes of a batch without a job become due again, with no
    /// attempt counted; a batch with a saved async job is re-leased to `owner` and returned, so it
    /// is polled again, not pushed again.
    func recover(target: String, owner: String, takeOver: RecoveryScope, now: Date, leaseUntil: Date) throws
        -> [ClaimedBatch]

    /// Records the async job reference `job` (JSON text) for `batch`, before it is polled.
    func saveJob(batch: BatchID, job: String) throws

    /// Settles `batch` in one transaction: delivered changes leave the queue, retried ones get
    /// their attempt count, next attempt and error and are released, dead ones move to the dead
    /// letters with their payload and message; the batch leaves the claims and `log` is appended.
    /// A change of the batch missing from `outcomes` is released untouched.
    func complete(batch: BatchID, outcomes: [ChangeKey: Disposition], log: BatchLogEntry) throws

    /// Gives `batch` back without counting an attempt (the run was interrupted before pushing it).
    func release(batch: BatchID) throws

    /// The earliest next attempt among `target`'s pending changes that are not due at `now` and
    /// in no batch; nil when there is none.
    func nextDue(target: String, after now: Date) throws -> Date?

    /// Makes `target`'s pending changes due now (and, with `includeDead`, moves its dead letters
    /// back to the queue with their attempts reset). Returns how many changes it touched.
    @discardableResult
    func retry(target: String, includeDead: Bool, now: Date) throws -> Int

    /// Every target with state, sorted.
    func targets() throws -> [String]

    /// `target`'s counts, oldest pending change and last errors.
    func status(of target: String, now: Date) throws -> TargetStatus

    /// The most recent dead letters of `target`, newest first.
    func deadLetters(of target: String, limit: Int) throws -> [DeadLetter]

    /// The most recent batches of `target`, newest first.
    func batches(of target: String, limit: Int) throws -> [BatchLogEntry]
}

extension DeliveryStore {
    /// ``enqueue(target:through:source:replacing:now:_:)`` leaving the recorded source as it is.
    @discardableResult
    public func enqueue(
        target: String, through snapshot: Int64, replacing: Bool, now: Date,
        _ body: (inout ChangeWriter) throws -> Void
    ) throws -> Int {
        try enqueue(target: target, through: snapshot, source: nil, replacing: replacing, now: now, body)
    }
}

/// Whose batches ``DeliveryStore/recover(target:owner:takeOver:now:leaseUntil:)`` may take back besides expired ones.
public enum RecoveryScope: Sendable, Equatable {
    /// Only batches whose lease expired.
    case expiredOnly
    /// Every batch not owned by the caller: the caller knows no other runner is alive (it holds
    /// the project lock).
    case allOtherOwners
}

/// A batch's identity in the store.
public typealias BatchID = String

/// Writes changes inside ``DeliveryStore/enqueue(target:through:replacing:now:_:)``'s transaction;
/// each store provides the function that stores one chunk.
public struct ChangeWriter {
    private let store: ([Change]) throws -> Void
    private var buffer: [Change] = []
    /// Changes written so far.
    public private(set) var count = 0
    /// Changes kept in memory before they are handed to the store.
    public static let chunkSize = 2_048

    /// Creates a writer handing chunks of changes to `store`.
    public init(store: @escaping ([Change]) throws -> Void) {
        self.store = store
        buffer.reserveCapacity(Self.chunkSize)
    }

    /// Adds one change.
    public mutating func write(_ change: Change) throws {
        buffer.append(change)
        count += 1
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Hands what is buffered to the store; the store calls it once more after the body.
    public mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try store(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A claimed batch: its changes, leased to one owner.
public struct ClaimedBatch: Sendable, Equatable {
    /// The batch's id.
    public let id: BatchID
    /// The sink target.
    public let target: String
    /// Its changes, in snapshot order, then row id, then change type.
    public let changes: [PendingChange]
    /// Until when the claim holds.
    public let leaseUntil: Date
    /// The async job reference saved for it (JSON text), once `push` returned one.
    public let job: String?

    /// Creates a batch.
    public init(id: BatchID, target: String, changes: [PendingChange], leaseUntil: Date, job: String? = nil) {
        self.id = id
        self.target = target
        self.changes = changes
        self.leaseUntil = leaseUntil
        self.job = job
    }
}

/// What becomes of one change of a pushed batch.
public enum Disposition: Sendable, Equatable {
    /// Delivered (`ok`, or `warn:` with its message): leaves the queue.
    case delivered(warning: String?)
    /// Failed for now (`error:` or a failed call): tried again at `at`; `attempts` is the count
    /// after this failure.
    case retry(at: Date, attempts: Int, error: String)
    /// Failed for good (`reject:`, or out of attempts): moved to the dead letters with the row as
    /// pushed (JSON, secrets hidden) when it was read.
    case dead(error: String, attempts: Int, payload: String?)
}

/// One line of a target's batch log.
public struct BatchLogEntry: Sendable, Equatable {
    /// The batch.
    public let batch: BatchID
    /// When the push started.
    public let started: Date
    /// How long the push (and polling) took.
    public let duration: Duration
    /// Changes in the batch.
    public let rows: Int
    /// Changes delivered, retried and dead.
    public let delivered: Int, retried: Int, dead: Int
    /// The batch-level error, when the whole batch failed.
    public let error: String?

    /// Creates an entry.
    public init(
        batch: BatchID, started: Date, duration: Duration, rows: Int, delivered: Int, retried: Int, dead: Int,
        error: String?
    ) {
        self.batch = batch
        self.started = started
        self.duration = duration
        self.rows = rows
        self.delivered = delivered
        self.retried = retried
        self.dead = dead
        self.error = error
    }
}

/// A change that will not be retried unless asked (`sync retry TARGET --dead`).
public struct DeadLetter: Sendable, Equatable {
    /// The change.
    public let change: Change
    /// Failed deliveries.
    public let attempts: Int
    /// Why it failed, redacted.
    public let error: String
    /// The row as pushed (JSON, secrets hidden); nil when it was never read.
    public let payload: String?
    /// When it was moved here.
    public let failedAt: Date

    /// Creates a dead letter.
    public init(change: Change, attempts: Int, error: String, payload: String?, failedAt: Date) {
        self.change = change
        self.attempts = attempts
        self.error = error
        self.payload = payload
        self.failedAt = failedAt
    }
}

/// A target's state at a glance (`sync status`).
public struct TargetStatus: Sendable, Equatable {
    /// The sink target.
    public let target: String
    /// The last snapshot whose changes are queued.
    public let watermark: Int64?
    /// Queued changes in no batch (due or waiting for a retry).
    public let pending: Int
    /// Changes in claimed batches.
    public let inFlight: Int
    /// Dead letters.
    public let dead: Int
    /// Pending changes that failed at least once.
    public let failing: Int
    /// When the oldest pending change was queued.
    public let oldestPending: Date?
    /// Batches holding an async job not yet settled.
    public let openJobs: Int
    /// The most recent distinct errors, newest first (at most five).
    public let lastErrors: [String]

    /// Creates a status.
    public init(
        target: String, watermark: Int64?, pending: Int, inFlight: Int, dead: Int, failing: Int, oldestPending: Date?,
        openJobs: Int, lastErrors: [String]
    ) {
        self.target = target
        self.watermark = watermark
        self.pending = pending
        self.inFlight = inFlight
        self.dead = dead
        self.failing = failing
        self.oldestPending = oldestPending
        self.openJobs = openJobs
        self.lastErrors = lastErrors
    }
}
