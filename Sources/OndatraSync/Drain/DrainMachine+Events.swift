import Foundation

extension DrainMachine {
    /// What the driver is asked to do next.
    public enum Action: Sendable, Equatable {
        /// Call `store.recover(...)`, then send ``Event/recovered(_:now:)``.
        case recover
        /// Call `store.claim(limit: batchSize)` (and `store.nextDue` when it returns nil), then send
        /// ``Event/claimed(_:nextDue:now:)``.
        case claim
        /// Read the batch's rows and call `push`, then send ``Event/pushReturned(_:_:now:)`` or
        /// ``Event/pushFailed(_:_:now:)``. `number` counts the drain's pushes from 1, in claim order.
        case push(ClaimedBatch, number: Int)
        /// Call `store.saveJob`, then send ``Event/jobSaved(_:now:)``.
        case saveJob(BatchID, job: String)
        /// Wait until `at`, call `poll(job)`, then send ``Event/polled(_:_:now:)`` or
        /// ``Event/pollFailed(_:_:now:)``.
        case poll(BatchID, job: String, at: Date)
        /// Call `store.complete` (filling in dead changes' payloads), then send ``Event/completed(_:now:)``.
        case complete(BatchID, outcomes: [ChangeKey: Disposition], log: BatchLogEntry)
        /// Call `store.release`, then send ``Event/released(_:now:)``.
        case release(BatchID)
        /// Nothing is in flight and a retry is due soon: wait until then, then send ``Event/woke(now:)``.
        case wait(until: Date)
        /// Call `finalize(succeeded, failed)`, then send ``Event/finalized(now:)`` or
        /// ``Event/finalizeFailed(_:now:)``.
        case finalize(succeeded: Int, failed: Int)
        /// The drain is over: the last action, with the final report.
        case finish(DrainReport)
    }

    /// What happened, reported by the driver with the wall-clock time it happened at.
    public enum Event: Sendable, Equatable {
        /// The batches `store.recover` handed back to this runner.
        case recovered([ClaimedBatch], now: Date)
        /// What `store.claim` returned; with nil, `store.nextDue`'s answer.
        case claimed(ClaimedBatch?, nextDue: Date?, now: Date)
        /// `push` returned.
        case pushReturned(BatchID, PushReply, now: Date)
        /// `push` failed (or was cancelled).
        case pushFailed(BatchID, PushFailure, now: Date)
        /// The async job reference is stored.
        case jobSaved(BatchID, now: Date)
        /// `poll` returned.
        case polled(BatchID, PollReply, now: Date)
        /// `poll` failed (or was cancelled).
        case pollFailed(BatchID, PushFailure, now: Date)
        /// `store.complete` committed.
        case completed(BatchID, now: Date)
        /// `store.release` committed.
        case released(BatchID, now: Date)
        /// The wait asked for ended.
        case woke(now: Date)
        /// `finalize` returned.
        case finalized(now: Date)
        /// `finalize` failed.
        case finalizeFailed(PushFailure, now: Date)
        /// Interrupted (Ctrl-C): claim nothing more; let the calls in flight end.
        case stop(now: Date)

        /// When it happened.
        public var now: Date {
            switch self {
            case .recovered(_, let now), .claimed(_, _, let now), .pushReturned(_, _, let now),
                .pushFailed(_, _, let now), .jobSaved(_, let now), .polled(_, _, let now), .pollFailed(_, _, let now),
                .completed(_, let now), .released(_, let now), .woke(let now), .finalized(let now),
                .finalizeFailed(_, let now), .stop(let now):
                now
            }
        }
    }
}
