import Dispatch
import DuckDB
import Foundation
import Ondatra
import Synchronization

/// The line at the bottom of the terminal (on stderr) that progress rewrites in place: a lib
/// function's pages, a sink's batches, and how long the running model has taken with DuckDB's
/// estimate of how far its query is.
///
/// The model's line is drawn by a timer on a queue of its own, so the connection running the
/// query is never waited for: it reads the progress DuckDB keeps in atomics. Every write goes
/// through one lock, so ``finishModel()`` leaves no line behind that a late tick could draw.
final class ProgressLine: Sendable {
    private struct State {
        /// The model materializing, and since when.
        var model: (target: Target, started: ContinuousClock.Instant)?
        /// When a lib or sync report last drew the line: the model's line gives way to it.
        var lastReport: ContinuousClock.Instant?
        /// Whether something is drawn.
        var drawn = false
    }

    /// How long a model runs before its line appears.
    static let delay: Duration = .seconds(1)
    /// How often the model's line is drawn again.
    static let interval: DispatchTimeInterval = .milliseconds(200)

    private let state = Mutex(State())
    private let progress: QueryProgressHandle
    /// The timer, until ``close()``.
    private let timer = Mutex<(any DispatchSourceTimer)?>(nil)

    /// Starts the timer; the model's line reads `progress`.
    init(progress: QueryProgressHandle) {
        self.progress = progress
        timer.withLock { timer in
            let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "ondatrasql.progress"))
            source.schedule(deadline: .now() + Self.interval, repeating: Self.interval)
            source.setEventHandler { [weak self] in self?.tick() }
            source.resume()
            timer = source
        }
    }

    deinit { close() }

    /// Shows a lib or sync report; the model's line waits until none came for a while.
    func report(_ text: String) {
        state.withLock { state in
            state.lastReport = .now
            Self.draw(text, &state)
        }
    }

    /// Follows `target` from now on.
    func startModel(_ target: Target) {
        state.withLock { $0.model = (target, .now) }
    }

    /// Stops following the model and clears the line, before the model's result is printed.
    func finishModel() {
        state.withLock { state in
            state.model = nil
            state.lastReport = nil
            if state.drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            state.drawn = false
        }
    }

    /// Stops the timer for good.
    func close() {
        timer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
        finishModel()
    }

    private func tick() {
        state.withLock { state in
            guard let model = state.model else { return }
            let now = ContinuousClock.now
            guard now - model.started >= Self.delay else { return }
            if let last = state.lastReport, now - last < Self.delay { return }
            Self.draw(Self.modelText(model.target, elapsed: now - model.started, progress: progress.progress), &state)
        }
    }

    private static func draw(_ text: String, _ state: inout State) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        state.drawn = true
    }

    /// `  mart.big: 12.3s, 45%`, without the percentage when DuckDB cannot tell.
    static func modelText(_ target: Target, elapsed: Duration, progress: QueryProgress) -> String {
        let (seconds, attoseconds) = elapsed.components
        let tenths = Int(seconds) * 10 + Int(attoseconds / 100_000_000_000_000_000)
        let percent = progress.percentage.map { ", \(Int($0))%" } ?? ""
        return "  \(target): \(tenths / 10).\(tenths % 10)s\(percent)"
    }
}

extension GlobalOptions {
    /// The progress line on stderr when it is a terminal and `-q` is not given, with DuckDB's
    /// query progress turned on for `session` (computed, never printed by DuckDB itself).
    func progressLine(session: Session) throws -> ProgressLine? {
        guard Terminal.isTerminal(STDERR_FILENO), verbosity != .quiet else { return nil }
        try session.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
        return ProgressLine(progress: session.connection.progressHandle)
    }
}
