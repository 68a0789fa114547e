/// A request body that is not the JSON expected: where it went wrong and what was expected there.
public struct EventJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 0-based offset of the offending byte (the body's length when it ended too soon).
    public let offset: Int
    /// What was expected (and found) there.
    public let reason: String

    /// Creates an error.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `invalid JSON at byte N: reason`.
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
