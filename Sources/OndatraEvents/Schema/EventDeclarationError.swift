/// A mistake in an `events` model's column declarations, at a line of its file.
public struct EventDeclarationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model file, as given to the parser.
    public let file: String
    /// The 1-based line of the file the mistake is on.
    public let line: Int
    /// What is wrong and what to write instead.
    public let message: String

    /// Creates an error.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    public var description: String { "\(file):\(line): \(message)" }
}
