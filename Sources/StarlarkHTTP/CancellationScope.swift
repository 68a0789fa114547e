import Starlark

/// Something another thread can cancel while a request waits for its answer (a Starlark thread
/// on Ctrl-C): the transport registers how to abandon the request in flight.
public protocol CancellationScope: Sendable {
    /// Runs `body` (the wait) with `onCancel` called if the scope is cancelled meanwhile, or at
    /// once when it already was.
    func whileCancellable<Result>(onCancel: @escaping @Sendable () -> Void, _ body: () throws -> Result) rethrows
        -> Result
}

extension StarlarkThread: CancellationScope {}
