import Foundation

/// One statement cut out of a SQL script, with the line it starts on.
public struct SQLStatement: Hashable, Sendable {
    /// The statement's text without the terminating `;`, trimmed.
    public let text: String
    /// The 1-based line of the script where the statement's first token is.
    public let line: Int
}

/// Splits SQL scripts on `;`, ignoring semicolons inside quotes, comments and dollar-quoted strings.
public enum SQLStatementSplitter {
    /// The statements of `script`, skipping empty ones and those made only of comments. Lines may
    /// end in `\n`, `\r\n` or `\r`; the statements' text has `\n` (see ``LineEndings``).
    public static func split(_ script: String) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        let bytes = Array(LineEndings.normalized(script).utf8)
        var index = 0
        var line = 1
        var start = 0
        var startLine = 1
        var hasCode = false

        func finish(upTo end: Int) {
            if hasCode, let text = String(bytes: bytes[start..<end], encoding: .utf8) {
                statements.append(
                    SQLStatement(text: text.trimmingCharacters(in: .whitespacesAndNewlines), line: startLine))
            }
            hasCode = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if !hasCode, !isSpace(byte), byte != UInt8(ascii: ";"), !startsComment(bytes, index) {
                hasCode = true
                start = index
                startLine = line
            }
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                index = skipQuoted(bytes, from: index, quote: byte, line: &line)
            case UInt8(ascii: "-") where startsComment(bytes, index):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where startsComment(bytes, index):
                index += 2
                while index < bytes.count,
                    !(bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count
                        && bytes[index + 1] == UInt8(ascii: "/"))
                {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
                index = min(index + 2, bytes.count)
            case UInt8(ascii: "$"):
                index = skipDollarQuoted(bytes, from: index, line: &line)
            case UInt8(ascii: ";"):
                finish(upTo: index)
                index += 1
            default:
                index += 1
            }
        }
        finish(upTo: bytes.count)
        return statements
    }

    /// The UTF-8 offset of the last `byte` in `text` that is code: not inside a quoted or
    /// dollar-quoted string or a comment. Nil when there is none.
    public static func lastCodeOffset(of byte: UInt8, in text: String) -> Int? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var found: Int?
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                index = skipQuoted(bytes, from: index, quote: bytes[index], line: &line)
            case UInt8(ascii: "-") where startsComment(bytes, index):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where startsComment(bytes, index):
                index += 2
                while index + 1 < bytes.count,
                    !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/"))
                {
                    index += 1
                }
                index = min(index + 2, bytes.count)
            case UInt8(ascii: "$"):
                index = skipDollarQuoted(bytes, from: index, line: &line)
            case byte:
                found = index
                index += 1
            default:
                index += 1
            }
        }
        return found
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\r")
    }

    private static func startsComment(_ bytes: [UInt8], _ index: Int) -> Bool {
        guard index + 1 < bytes.count else { return false }
        return (bytes[index] == UInt8(ascii: "-") && bytes[index + 1] == UInt8(ascii: "-"))
            || (bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*"))
    }

    /// Skips a '…' or "…" literal; a doubled quote inside is an escaped quote.
    private static func skipQuoted(_ bytes: [UInt8], from start: Int, quote: UInt8, line: inout Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            if bytes[index] == quote {
                if index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return index
    }

    /// Skips `$tag$ … $tag$`; a `$` that does not open such a string (like `$1`) is one byte.
    private static func skipDollarQuoted(_ bytes: [UInt8], from start: Int, line: inout Int) -> Int {
        var tagEnd = start + 1
        while tagEnd < bytes.count, bytes[tagEnd] != UInt8(ascii: "$") {
            let byte = bytes[tagEnd]
            let isTagByte =
                byte == UInt8(ascii: "_") || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || (tagEnd > start + 1 && byte >= 0x30 && byte <= 0x39)
            guard isTagByte else { return start + 1 }
            tagEnd += 1
        }
        guard tagEnd < bytes.count else { return start + 1 }
        let tag = Array(bytes[start...tagEnd])
        var index = tagEnd + 1
        while index + tag.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "$"), Array(bytes[index..<(index + tag.count)]) == tag {
                return index + tag.count
            }
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }
        return bytes.count
    }
}
