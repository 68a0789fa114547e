#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value guarded by a pthread mutex, with a condition variable (on the monotonic clock) that the
/// writer thread sleeps on between group commits. Blocking here is fine: only the writer thread
/// waits, and callers hold the lock for a few instructions.
final class ConditionBox<State: Sendable>: @unchecked Sendable {
    // @unchecked: `state` is only read or written with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the lock held; wakes the waiting thread afterwards when `wake` is true.
    func withLock<Result>(wake: Bool = false, _ body: (inout State) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer {
            if wake { pthread_cond_signal(condition) }
            pthread_mutex_unlock(mutex)
        }
        return body(&state)
    }

    /// Sleeps until `ready(state)` holds or `timeoutNanos` have passed, then runs `body` with the lock held.
    func wait<Result>(
        timeoutNanos: UInt64, until ready: (State) -> Bool, then body: (inout State) -> Result
    ) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if !ready(state) {
            let deadline = Posix.monotonicNanos() + timeoutNanos
            var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            while !ready(state) {
                if pthread_cond_timedwait(condition, mutex, &until) == ETIMEDOUT { break }
            }
        }
        return body(&state)
    }
}
