import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP (the terminal closed) caught for the life of a command: the action
/// given to ``onStop(_:)`` runs on each (at once when one came before it was given).
final class StopSignals: @unchecked Sendable {
    /// Guards ``stopped`` and ``action``; signal handlers run on a global queue.
    private let lock = NSLock()
    private var stopped = false
    private var action: (() -> Void)?
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.signalled() }
            source.resume()
            sources.append(source)
        }
    }

    /// Runs `action` on every signal from now on, and now when one came already.
    func onStop(_ action: @escaping () -> Void) {
        let already = lock.withLock {
            self.action = action
            return stopped
        }
        if already { action() }
    }

    /// Stops catching the signals (they stay ignored until the process ends).
    func cancel() {
        for source in sources { source.cancel() }
    }

    private func signalled() {
        let action = lock.withLock {
            stopped = true
            return self.action
        }
        action?()
    }
}
