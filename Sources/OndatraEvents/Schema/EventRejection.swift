/// Why an event was refused: a message naming the field and the problem (for a `400`).
public struct EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole message, e.g. `field 'user_id': expected BIGINT, got "abc"`, prefixed with `event N: `
    /// in a batch.
    public let message: String
    /// The field the problem is with (the declared column, or the unknown key), when there is one.
    public let field: String?
    /// The 0-based index of the refused event in a batch; nil for a single event.
    public let eventIndex: Int?

    /// Creates a rejection.
    public init(message: String, field: String?, eventIndex: Int? = nil) {
        self.message = message
        self.field = field
        self.eventIndex = eventIndex
    }

    /// The message.
    public var description: String { message }
}
