/// Turns Starlark source text into tokens, including the NEWLINE, INDENT and OUTDENT tokens that
/// carry the block structure.
struct Lexer {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    private var indents: [Int] = [0]
    private var tokens: [Token] = []
    private var atLineStart = true

    init(source: String, file: String) {
        bytes = Self.unixLineEndings(source)
        self.file = file
    }

    /// The source's bytes with `\r\n` and lone `\r` read as `\n`, as Python reads source files
    /// (universal newlines): a Windows or classic-Mac file lexes like a Unix one, string literals included.
    private static func unixLineEndings(_ source: String) -> [UInt8] {
        let carriageReturn = UInt8(ascii: "\r")
        let lineFeed = UInt8(ascii: "\n")
        guard source.utf8.contains(carriageReturn) else { return Array(source.utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.utf8.count)
        var afterCarriageReturn = false
        for byte in source.utf8 {
            if byte == lineFeed && afterCarriageReturn {
                afterCarriageReturn = false
                continue
            }
            afterCarriageReturn = byte == carriageReturn
            bytes.append(afterCarriageReturn ? lineFeed : byte)
        }
        return bytes
    }

    /// Lexes the whole source.
    static func tokenize(_ source: String, file: String) throws -> [Token] {
        var lexer = Lexer(source: source, file: file)
        try lexer.run()
        return lexer.tokens
    }

    private var position: Position { Position(file: file, line: line, column: index - lineStart + 1) }

    private func peek(_ offset: Int = 0) -> UInt8 {
        index + offset < bytes.count ? bytes[index + offset] : 0
    }

    private func error(_ message: String, at position: Position? = nil) -> StarlarkSyntaxError {
        StarlarkSyntaxError(position ?? self.position, message)
    }

    private mutating func emit(_ kind: TokenKind, _ position: Position) {
        tokens.append(Token(kind: kind, position: position))
    }

    private mutating func newLine() {
        line += 1
        lineStart = index
    }

    private mutating func run() throws {
        while true {
            if atLineStart && depth == 0 {
                if try handleIndentation() { continue }
            }
            atLineStart = false
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                index += 1
            case UInt8(ascii: "\\"):
                // A backslash at the end of a line joins it to the next.
                if peek(1) == UInt8(ascii: "\n") {
                    index += 2
                    newLine()
                } else {
                    throw error("stray backslash in program")
                }
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\n"):
                let here = position
                index += 1
                if depth == 0 {
                    if let last = tokens.last, last.kind != .newline, last.kind != .indent, last.kind != .outdent {
                        emit(.newline, here)
                    }
                    atLineStart = true
                }
                newLine()
            default:
                try lexToken()
            }
        }
        let end = position
        if let last = tokens.last, last.kind != .newline, last.kind != .outdent {
            emit(.newline, end)
        }
        while indents.count > 1 {
            indents.removeLast()
            emit(.outdent, end)
        }
        emit(.eof, end)
    }

    /// Measures the indentation of a new logical line; returns true when the line was blank.
    private mutating func handleIndentation() throws -> Bool {
        var column = 0
        var scan = index
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: " ") {
                column += 1
            } else if byte == UInt8(ascii: "\t") {
                column += 8 - column % 8
            } else {
                break
            }
            scan += 1
        }
        // Blank lines and comment-only lines do not change indentation.
        if scan >= bytes.count || bytes[scan] == UInt8(ascii: "\n") || bytes[scan] == UInt8(ascii: "#") {
            index = scan
            atLineStart = false
            if scan < bytes.count, bytes[scan] == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            }
            if index < bytes.count {
                index += 1
                newLine()
                atLineStart = true
                return true
            }
            return true
        }
        index = scan
        let here = position
        if column > indents[indents.count - 1] {
            indents.append(column)
            emit(.indent, here)
        } else {
            while column < indents[indents.count - 1] {
                indents.removeLast()
                emit(.outdent, here)
            }
            if column != indents[indents.count - 1] {
                throw error("unindent does not match any outer indentation level", at: here)
            }
        }
        atLineStart = false
        return false
    }

    private mutating func lexToken() throws {
        let start = position
        let byte = bytes[index]
        if isIdentifierStart(byte) {
            // String prefixes: r, b, rb, br.
            if let prefixLength = stringPrefixLength() {
                let prefix = String(decoding: bytes[index..<index + prefixLength], as: UTF8.self).lowercased()
                index += prefixLength
                try lexString(raw: prefix.contains("r"), isBytes: prefix.contains("b"), start: start)
                return
            }
            let from = index
            while index < bytes.count, isIdentifierPart(bytes[index]) { index += 1 }
            let name = String(decoding: bytes[from..<index], as: UTF8.self)
            if let keyword = TokenKind.keywords[name] {
                emit(keyword, start)
            } else if TokenKind.reserved.contains(name) {
                throw error("keyword \(name) is reserved", at: start)
            } else {
                emit(.identifier(name), start)
            }
            return
        }
        if isDigit(byte) || (byte == UInt8(ascii: ".") && isDigit(peek(1))) {
            try lexNumber(start: start)
            return
        }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            try lexString(raw: false, isBytes: false, start: start)
            return
        }
        index += 1
        let next = peek()
        func two(_ kind: TokenKind) -> TokenKind {
            index += 1
            return kind
        }
        let kind: TokenKind
        switch byte {
        case UInt8(ascii: "+"): kind = next == UInt8(ascii: "=") ? two(.plusEqual) : .plus
        case UInt8(ascii: "-"): kind = next == UInt8(ascii: "=") ? two(.minusEqual) : .minus
        case UInt8(ascii: "*"):
            if next == UInt8(ascii: "*") {
                kind = two(.starStar)
            } else {
                kind = next == UInt8(ascii: "=") ? two(.starEqual) : .star
            }
        case UInt8(ascii: "/"):
            if next == UInt8(ascii: "/") {
                index += 1
                kind = peek() == UInt8(ascii: "=") ? two(.slashSlashEqual) : .slashSlash
            } else {
                kind = next == UInt8(ascii: "=") ? two(.slashEqual) : .slash
            }
        case UInt8(ascii: "%"): kind = next == UInt8(ascii: "=") ? two(.percentEqual) : .percent
        case UInt8(ascii: "&"): kind = next == UInt8(ascii: "=") ? two(.ampersandEqual) : .ampersand
        case UInt8(ascii: "|"): kind = next == UInt8(ascii: "=") ? two(.pipeEqual) : .pipe
        case UInt8(ascii: "^"): kind = next == UInt8(ascii: "=") ? two(.caretEqual) : .caret
        case UInt8(ascii: "~"): kind = .tilde
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: "<") {
                index += 1
                kind = peek() == UInt8(ascii: "=") ? two(.lessLessEqual) : .lessLess
            } else {
                kind = next == UInt8(ascii: "=") ? two(.lessEqual) : .less
            }
        case UInt8(ascii: ">"):
            if next == UInt8(ascii: ">") {
                index += 1
                kind = peek() == UInt8(ascii: "=") ? two(.greaterGreaterEqual) : .greaterGreater
            } else {
                kind = next == UInt8(ascii: "=") ? two(.greaterEqual) : .greater
            }
        case UInt8(ascii: "="): kind = next == UInt8(ascii: "=") ? two(.equalEqual) : .equal
        case UInt8(ascii: "!"):
            guard next == UInt8(ascii: "=") else { throw error("unexpected input character '!'", at: start) }
            kind = two(.notEqual)
        case UInt8(ascii: "."): kind = .dot
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: ";"): kind = .semicolon
        case UInt8(ascii: ":"): kind = .colon
        case UInt8(ascii: "("):
            depth += 1
            kind = .lparen
        case UInt8(ascii: "["):
            depth += 1
            kind = .lbracket
        case UInt8(ascii: "{"):
            depth += 1
            kind = .lbrace
        case UInt8(ascii: ")"):
            depth = max(0, depth - 1)
            kind = .rparen
        case UInt8(ascii: "]"):
            depth = max(0, depth - 1)
            kind = .rbracket
        case UInt8(ascii: "}"):
            depth = max(0, depth - 1)
            kind = .rbrace
        default:
            let scalar =
                String(decoding: bytes[(index - 1)..<min(bytes.count, index + 3)], as: UTF8.self).first.map(String.init)
                ?? "?"
            throw error("unexpected input character '\(scalar)'", at: start)
        }
        emit(kind, start)
    }

    private func stringPrefixLength() -> Int? {
        func isQuote(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") }
        func isPrefix(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "r") || byte == UInt8(ascii: "R") || byte == UInt8(ascii: "b")
                || byte == UInt8(ascii: "B")
        }
        guard isPrefix(peek()) else { return nil }
        if isQuote(peek(1)) { return 1 }
        if isPrefix(peek(1)), isQuote(peek(2)), (peek() | 0x20) != (peek(1) | 0x20) { return 2 }
        return nil
    }

    private mutating func lexString(raw: Bool, isBytes: Bool, start: Position) throws {
        let quote = bytes[index]
        let triple = peek(1) == quote && peek(2) == quote
        index += triple ? 3 : 1
        var output: [UInt8] = []
        while true {
            guard index < bytes.count else {
                throw error("unexpected EOF in string", at: start)
            }
            let byte = bytes[index]
            if byte == quote {
                if !triple {
                    index += 1
                    break
                }
                if peek(1) == quote && peek(2) == quote {
                    index += 3
                    break
                }
                output.append(byte)
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\n") {
                guard triple else { throw error("unexpected newline in string", at: start) }
                output.append(byte)
                index += 1
                newLine()
                continue
            }
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            // Escapes.
            let next = peek(1)
            if next == UInt8(ascii: "\n") {
                // Backslash-newline continues the literal on the next line (even in raw strings, as in Python).
                index += 2
                newLine()
                if raw { output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\n")]) }
                continue
            }
            if raw {
                output.append(byte)
                if next == quote || next == UInt8(ascii: "\\") {
                    output.append(next)
                    index += 2
                } else {
                    index += 1
                }
                continue
            }
            let escapePosition = position
            index += 2
            switch next {
            case UInt8(ascii: "a"): output.append(7)
            case UInt8(ascii: "b"): output.append(8)
            case UInt8(ascii: "f"): output.append(12)
            case UInt8(ascii: "n"): output.append(10)
            case UInt8(ascii: "r"): output.append(13)
            case UInt8(ascii: "t"): output.append(9)
            case UInt8(ascii: "v"): output.append(11)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): output.append(next)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                var count = 1
                while count < 3, index < bytes.count, bytes[index] >= UInt8(ascii: "0"),
                    bytes[index] <= UInt8(ascii: "7")
                {
                    value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                    count += 1
                }
                guard value <= 255 else {
                    throw error("invalid escape sequence \\\(String(value, radix: 8))", at: escapePosition)
                }
                guard isBytes || value < 128 else {
                    throw error(
                        "non-ASCII octal escape \\\(String(value, radix: 8)) (use \\u\(hex4(value)) for the UTF-8 encoding of U+\(hex4(value)))",
                        at: escapePosition)
                }
                output.append(UInt8(value))
            case UInt8(ascii: "x"):
                guard index + 2 <= bytes.count,
                    let value = UInt8(String(decoding: bytes[index..<index + 2], as: UTF8.self), radix: 16)
                else {
                    throw error("truncated escape sequence \\x", at: escapePosition)
                }
                index += 2
                guard isBytes || value < 128 else {
                    throw error(
                        "non-ASCII hex escape \\x\(String(value, radix: 16)) (use \\u00\(String(value, radix: 16)) for the UTF-8 encoding of U+00\(String(value, radix: 16).uppercased()))",
                        at: escapePosition)
                }
                output.append(value)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let width = next == UInt8(ascii: "u") ? 4 : 8
                guard index + width <= bytes.count,
                    let code = UInt32(String(decoding: bytes[index..<index + width], as: UTF8.self), radix: 16)
                else {
                    throw error("truncated escape sequence \\\(Character(UnicodeScalar(next)))", at: escapePosition)
                }
                index += width
                guard let scalar = Unicode.Scalar(code) else {
                    throw error(
                        "invalid Unicode code point U+\(String(code, radix: 16, uppercase: true))", at: escapePosition)
                }
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                let shown = next == 0 ? "" : String(decoding: [next], as: UTF8.self)
                throw error("invalid escape sequence \\\(shown)", at: escapePosition)
            }
        }
        if isBytes {
            emit(.bytes(output), start)
        } else {
            guard let text = String(validating: output, as: UTF8.self) else {
                throw error("string literal is not valid UTF-8", at: start)
            }
            emit(.string(text), start)
        }
    }

    private func hex4(_ value: Int) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private mutating func lexNumber(start: Position) throws {
        let from = index
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count {
            let marker = bytes[index + 1] | 0x20
            let radix: Int? =
                switch marker {
                case UInt8(ascii: "x"): 16
                case UInt8(ascii: "o"): 8
                case UInt8(ascii: "b"): 2
                default: nil
                }
            if let radix {
                index += 2
                let digitsStart = index
                while index < bytes.count, isIdentifierPart(bytes[index]) { index += 1 }
                let digits = String(decoding: bytes[digitsStart..<index], as: UTF8.self)
                let text = String(decoding: bytes[from..<index], as: UTF8.self)
                guard !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit && Int(String($0), radix: radix) != nil })
                else {
                    throw error("invalid int literal", at: start)
                }
                emit(.int(IntLiteral(text: text, digits: digits, radix: radix)), start)
                return
            }
        }
        var isFloat = false
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            let save = index
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            if index < bytes.count, isDigit(bytes[index]) {
                isFloat = true
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            } else {
                index = save
            }
        }
        let text = String(decoding: bytes[from..<index], as: UTF8.self)
        if index < bytes.count, isIdentifierStart(bytes[index]) {
            throw error("invalid \(isFloat ? "float" : "int") literal", at: start)
        }
        if isFloat {
            guard let value = Double(text) else { throw error("invalid float literal", at: start) }
            guard value.isFinite else { throw error("floating-point number too large", at: start) }
            emit(.float(value), start)
        } else {
            if text.count > 1, text.hasPrefix("0"), text.contains(where: { $0 != "0" }) {
                throw error("obsolete form of octal literal; use 0o\(text.drop(while: { $0 == "0" }))", at: start)
            }
            emit(.int(IntLiteral(text: text, digits: text, radix: 10)), start)
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
            || byte >= 0x80
    }

    private func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }
}
