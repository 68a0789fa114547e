/// A JSON number as it was written, so no precision is lost before the column type is known.
public struct EventJSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// How a number is written.
    public enum Kind: Sendable, Hashable {
        /// Digits only, with an optional `-`: `42`, `-7`.
        case integer
        /// A fraction without exponent: `1.50`.
        case decimal
        /// With an exponent: `1e3`, `2.5E-7`.
        case exponent
    }

    /// The number's text exactly as in the request (valid JSON number syntax).
    public let text: String
    /// How it is written.
    public let kind: Kind

    /// A number from its JSON text (`-12.5e3`); nil when the text is not exactly one JSON number.
    public init?(_ text: String) {
        guard case .number(let number)? = try? EventJSON.parseValue(Array(text.utf8)),
            number.text.utf8.count == text.utf8.count
        else { return nil }
        self = number
    }

    /// A number the parser has already checked.
    init(checkedText text: String, kind: Kind) {
        self.text = text
        self.kind = kind
    }

    /// The text.
    public var description: String { text }
}
