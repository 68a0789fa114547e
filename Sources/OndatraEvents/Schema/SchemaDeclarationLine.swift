/// One line of an `events` declaration, split into tokens (``tokens(of:)``).
enum SchemaDeclarationLine {
    /// A piece of a declaration line.
    enum Token: Equatable {
        /// An unquoted word: letters, digits, `_`, `$` and any non-ASCII character.
        case word(String)
        /// A double-quoted identifier, unescaped (`""` is one `"`).
        case quoted(String)
        /// A parenthesised group as written, parentheses included.
        case group(String)
        /// A bracketed suffix as written, brackets included.
        case brackets(String)
        /// A single-quoted literal as written.
        case literal(String)
        /// `,`.
        case comma
        /// Any other character.
        case symbol(Character)

        /// The token as written, for messages.
        var text: String {
            switch self {
            case .word(let text), .group(let text), .brackets(let text), .literal(let text): text
            case .quoted(let name): SchemaText.doubleQuoted(name)
            case .comma: ","
            case .symbol(let character): String(character)
            }
        }

        /// The word upper-cased, or nil for other tokens.
        var keyword: String? {
            if case .word(let text) = self { return text.uppercased() }
            return nil
        }
    }

    /// The tokens of `line` up to a `--` comment; a message when a quote, parenthesis or bracket is
    /// not closed on the line.
    static func tokens(of line: Substring) -> Result<[Token], EventTypeError> {
        var tokens: [Token] = []
        var index = line.startIndex
        func next(_ i: Substring.Index) -> Substring.Index { line.index(after: i) }
        while index < line.endIndex {
            let character = line[index]
            if character == " " || character == "\t" || character == "\r" || character == "\u{FEFF}" {
                index = next(index)
            } else if character == "-", next(index) < line.endIndex, line[next(index)] == "-" {
                break
            } else if character == "," {
                tokens.append(.comma)
                index = next(index)
            } else if character == "\"" || character == "'" {
                guard let close = closingQuote(in: line, from: index) else {
                    return .failure(EventTypeError("unclosed \(character) on this line"))
                }
                let inner = line[next(index)..<close]
                if character == "\"" {
                    tokens.append(.quoted(SchemaText.undoublingQuotes(inner)))
                } else {
                    tokens.append(.literal(String(line[index...close])))
                }
                index = next(close)
            } else if character == "(" || character == "[" {
                guard let close = closingBracket(in: line, from: index) else {
                    return .failure(EventTypeError("unclosed '\(character)' on this line (one column per line)"))
                }
                let text = String(line[index...close])
                tokens.append(character == "(" ? .group(text) : .brackets(text))
                index = next(close)
            } else if isWordCharacter(character) {
                var end = index
                while end < line.endIndex, isWordCharacter(line[end]) { end = next(end) }
                tokens.append(.word(String(line[index..<end])))
                index = end
            } else {
                tokens.append(.symbol(character))
                index = next(index)
            }
        }
        return .success(tokens)
    }

    /// Whether `character` can be part of an unquoted word.
    static func isWordCharacter(_ character: Character) -> Bool {
        !character.isASCII || character.isLetter || character.isNumber || character == "_" || character == "$"
    }

    /// The index of the quote closing the one at `open` (a doubled quote is an escaped one).
    private static func closingQuote(in line: Substring, from open: Substring.Index) -> Substring.Index? {
        let quote = line[open]
        var index = line.index(after: open)
        while index < line.endIndex {
            if line[index] == quote {
                let after = line.index(after: index)
                guard after < line.endIndex, line[after] == quote else { return index }
                index = line.index(after: after)
            } else {
                index = line.index(after: index)
            }
        }
        return nil
    }

    /// The index of the bracket closing the `(` or `[` at `open`, quotes and nesting respected.
    private static func closingBracket(in line: Substring, from open: Substring.Index) -> Substring.Index? {
        var stack: [Character] = []
        var index = open
        while index < line.endIndex {
            let character = line[index]
            switch character {
            case "(": stack.append(")")
            case "[": stack.append("]")
            case ")", "]":
                guard stack.last == character else { return nil }
                stack.removeLast()
                if stack.isEmpty { return index }
            case "'", "\"":
                guard let close = closingQuote(in: line, from: index) else { return nil }
                index = close
            default: break
            }
            index = line.index(after: index)
        }
        return nil
    }
}
