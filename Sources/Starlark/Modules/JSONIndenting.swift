/// Validates and re-indents JSON text the way Go's `json.Indent` does: one element per line, `": "`
/// after keys, empty arrays and objects kept as `[]` and `{}`, string contents copied unchanged.
enum JSONIndenting {
    /// A syntax error, worded as Go's JSON scanner words it.
    struct Failure: Error {
        let message: String
    }

    /// The indented form of `text`; each new line starts with `prefix` and one `indent` per level.
    static func indent(_ text: String, prefix: String, indent: String) throws -> String {
        var state = State(bytes: Array(text.utf8), prefix: Array(prefix.utf8), unit: Array(indent.utf8))
        state.skipSpace()
        try state.value(depth: 0)
        // Trailing white space is kept, as Go does; anything else is an error.
        while state.index < state.bytes.count {
            let byte = state.bytes[state.index]
            guard State.isSpace(byte) else { throw state.invalid(byte, "after top-level value") }
            state.output.append(byte)
            state.index += 1
        }
        return String(decoding: state.output, as: UTF8.self)
    }

    private struct State {
        let bytes: [UInt8]
        let prefix: [UInt8]
        let unit: [UInt8]
        var index = 0
        var output: [UInt8] = []
        static let maxDepth = 10000

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        mutating func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        func invalid(_ byte: UInt8, _ context: String) -> Failure {
            Failure(message: "invalid character \(Self.quoteChar(byte)) \(context)")
        }

        /// The next byte, or the end-of-input error.
        func peek() throws -> UInt8 {
            guard index < bytes.count else { throw Failure(message: "unexpected end of JSON input") }
            return bytes[index]
        }

        mutating func newline(_ depth: Int) {
            output.append(0x0A)
            output += prefix
            for _ in 0..<depth { output += unit }
        }

        mutating func value(depth: Int) throws {
            let byte = try peek()
            switch byte {
            case UInt8(ascii: "{"): try container(depth: depth, close: UInt8(ascii: "}"))
            case UInt8(ascii: "["): try container(depth: depth, close: UInt8(ascii: "]"))
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw invalid(byte, "looking for beginning of value")
            }
        }

        /// An object or array; the opening byte is at `index`.
        mutating func container(depth: Int, close: UInt8) throws {
            guard depth < Self.maxDepth else { throw Failure(message: "exceeded max depth") }
            let isObject = close == UInt8(ascii: "}")
            output.append(bytes[index])
            index += 1
            skipSpace()
            if try peek() == close {
                output.append(close)
                index += 1
                return
            }
            while true {
                newline(depth + 1)
                if isObject {
                    let byte = try peek()
                    guard byte == UInt8(ascii: "\"") else {
                        throw invalid(byte, "looking for beginning of object key string")
                    }
                    try string()
                    skipSpace()
                    let colon = try peek()
                    guard colon == UInt8(ascii: ":") else { throw invalid(colon, "after object key") }
                    output += [UInt8(ascii: ":"), 0x20]
                    index += 1
                    skipSpace()
                }
                try value(depth: depth + 1)
                skipSpace()
                let byte = try peek()
                index += 1
                if byte == close {
                    newline(depth)
                    output.append(close)
                    return
                }
                guard byte == UInt8(ascii: ",") else {
                    throw invalid(byte, isObject ? "after object key:value pair" : "after array element")
                }
                output.append(byte)
                skipSpace()
                if isObject, try peek() != UInt8(ascii: "\"") {
                    throw invalid(bytes[index], "looking for beginning of object key string")
                }
            }
        }

        /// A string, copied as is after checking its escapes.
        mutating func string() throws {
            output.append(bytes[index])
            index += 1
            while true {
                let byte = try peek()
                output.append(byte)
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return
                case UInt8(ascii: "\\"):
                    let escape = try peek()
                    output.append(escape)
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        break
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            let digit = try peek()
                            guard digit.isHexDigit else { throw invalid(digit, "in \\u hexadecimal character escape") }
                            output.append(digit)
                            index += 1
                        }
                    default: throw invalid(escape, "in string escape code")
                    }
                default:
                    if byte < 0x20 { throw invalid(byte, "in string literal") }
                }
            }
        }

        /// A number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        mutating func number() throws {
            let start = index
            defer { output += bytes[start..<index] }
            if bytes[index] == UInt8(ascii: "-") {
                index += 1
                let byte = try peek()
                guard byte.isDigit else { throw invalid(byte, "in numeric literal") }
            }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                digits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let byte = try peek()
                guard byte.isDigit else { throw invalid(byte, "after decimal point in numeric literal") }
                digits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                var byte = try peek()
                if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                    index += 1
                    byte = try peek()
                }
                guard byte.isDigit else { throw invalid(byte, "in exponent of numeric literal") }
                digits()
            }
        }

        mutating func digits() {
            while index < bytes.count, bytes[index].isDigit { index += 1 }
        }

        mutating func literal(_ word: String) throws {
            for (offset, want) in word.utf8.enumerated() {
                let byte = try peek()
                if offset > 0, byte != want {
                    throw invalid(byte, "in literal \(word) (expecting \(Self.quoteChar(want)))")
                }
                output.append(byte)
                index += 1
            }
        }

        /// A byte as Go's JSON scanner quotes it in messages.
        static func quoteChar(_ byte: UInt8) -> String {
            if byte == UInt8(ascii: "'") { return "'\\''" }
            if byte == UInt8(ascii: "\"") { return "'\"'" }
            return JSONDecoding.quoteByte(byte)
        }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
