/// An error in a project, its configuration or a model, with the place it comes from.
///
/// ``description`` is one line that names the file (and line) when known and says what to do;
/// it never contains secret values (they are redacted before the error is made).
public struct OndatraError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, broadly; decides the process exit code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// The project could not be found or is malformed (exit code 2).
        public static let project = Code(name: "project")
        /// A configuration file is wrong or failed to run (exit code 2).
        public static let config = Code(name: "config")
        /// A query or statement failed (exit code 1).
        public static let query = Code(name: "query")
        /// A file could not be read or written.
        public static let io = Code(name: "io")

        /// The code's name.
        public var description: String { name }
    }

    /// The class of error.
    public let code: Code
    /// What happened and what is allowed, in one line.
    public let message: String
    /// The project-relative file the error belongs to, if any.
    public let file: String?
    /// The 1-based line in ``file``, if known.
    public let line: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// `file:line: message`, or just the message.
    public var description: String {
        switch (file, line) {
        case (let file?, let line?): "\(file):\(line): \(message)"
        case (let file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
