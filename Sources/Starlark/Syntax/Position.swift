/// A place in a Starlark source file: 1-based line and column (columns count UTF-8 bytes).
public struct Position: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The file name as given to the parser.
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column.
    public var column: Int

    /// Creates a position.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`.
    public var description: String { "\(file):\(line):\(column)" }

    /// Positions in the same file order by line, then column.
    public static func < (lhs: Position, rhs: Position) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A syntax or resolution error: found before the program runs.
public struct StarlarkSyntaxError: Error, CustomStringConvertible, Sendable {
    /// Where the problem is.
    public let position: Position
    /// What the problem is.
    public let message: String

    /// Creates an error.
    public init(_ position: Position, _ message: String) {
        self.position = position
        self.message = message
    }

    /// `file:line:col: message`.
    public var description: String { "\(position): \(message)" }
}
