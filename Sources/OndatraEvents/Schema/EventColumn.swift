/// One declared column of an `events` model.
public struct EventColumn: Sendable, Hashable {
    /// The name as declared (case kept; quotes removed).
    public let name: String
    /// The column's type.
    public let type: EventType
    /// Whether the column was declared `NOT NULL`.
    public let notNull: Bool
    /// The line of the model file it was declared on (1-based).
    public let line: Int

    /// Creates a column.
    public init(name: String, type: EventType, notNull: Bool = false, line: Int = 0) {
        self.name = name
        self.type = type
        self.notNull = notNull
        self.line = line
    }
}
