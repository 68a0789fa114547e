/// An error raised while a Starlark program runs, with a traceback.
public struct StarlarkError: Error, CustomStringConvertible, Sendable {
    /// One frame of the traceback: the function and the position of the call or operation in it.
    public struct Frame: Sendable, CustomStringConvertible {
        /// The function name.
        public let function: String
        /// Where it starts in the source.
        public let position: Position

        /// `file:line:col: in function`.
        public var description: String { "\(position): in \(function)" }
    }

    /// What went wrong.
    public var message: String
    /// The innermost position the error was raised at, once known.
    public var position: Position?
    /// Frames from the outermost call to the innermost.
    public var callStack: [Frame] = []
    /// The position reached in the function being unwound; becomes that function's frame.
    var pendingPosition: Position?
    /// Set by `fail()`: the error comes from the program, not the runtime.
    public var isFailure = false
    /// Set by cancellation and step limits: not catchable by `catch`-style builtins.
    public var isCancellation = false
    /// What a host builtin knows of the failure beyond its message (a network failure, an HTTP
    /// status), so the host that called the script can tell failures apart; nil for errors of
    /// the language itself.
    public var cause: (any Error & Sendable)?

    /// Creates an error with a message.
    public init(_ message: String) {
        self.message = message
    }

    /// The error for a missing field or method, with a "did you mean" suggestion.
    public static func noAttribute(_ name: String, of value: Value) -> StarlarkError {
        Operators.noAttribute(value, name)
    }

    /// `message` with the innermost position.
    public var description: String {
        guard let position else { return message }
        return "\(position): \(message)"
    }

    /// A Python-style traceback: most recent call last.
    public var backtrace: String {
        var lines = ["Traceback (most recent call last):"]
        for frame in callStack { lines.append("  \(frame)") }
        lines.append("Error: \(message)")
        return lines.joined(separator: "\n")
    }
}
