/// Small text helpers shared by the declaration and type parsers.
enum SchemaText {
    /// `text` without leading and trailing spaces, tabs and line breaks.
    static func trimmingWhitespace(_ text: some StringProtocol) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }

    /// The index of the `)` that closes the `(` at `open`, skipping quoted text ('…' and "…", each with
    /// its doubled-quote escape); nil if it is never closed.
    static func closingParenthesis(of text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var quote: Character?
        var index = open
        while index < text.endIndex {
            let character = text[index]
            if let current = quote {
                if character == current { quote = nil }  // a doubled quote reopens on the next character
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// `text` split at the commas outside parentheses, brackets and quotes ('…' and "…").
    static func topLevelParts(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var quote: Character?
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let current = quote {
                if character == current { quote = nil }  // a doubled quote reopens on the next character
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "(" || character == "[" {
                depth += 1
            } else if character == ")" || character == "]" {
                depth -= 1
            } else if character == ",", depth == 0 {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }

    /// Whether `name` equals `other` ignoring ASCII case, the way DuckDB compares identifiers.
    static func equalsIgnoringASCIICase(_ name: String, _ other: String) -> Bool {
        name.utf8.count == other.utf8.count && asciiLowercased(name) == asciiLowercased(other)
    }

    /// `name` with A-Z lowered and everything else kept (DuckDB folds only ASCII).
    static func asciiLowercased(_ name: String) -> String {
        String(
            decoding: name.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// `name` in double quotes, each `"` in it doubled.
    static func doubleQuoted(_ name: String) -> String {
        var result = "\""
        for character in name {
            if character == "\"" { result.append("\"") }
            result.append(character)
        }
        return result + "\""
    }

    /// The inside of a double-quoted identifier with each `""` turned back into `"`.
    static func undoublingQuotes(_ inner: Substring) -> String {
        var result = ""
        var skipNext = false
        for character in inner {
            if skipNext {
                skipNext = false
                continue
            }
            result.append(character)
            if character == "\"" { skipNext = true }
        }
        return result
    }
}
