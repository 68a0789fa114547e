import BigInt

/// Parses JSON text into Starlark values, with starlark-go's `json.decode` error messages and offsets.
struct JSONDecoding {
    /// A syntax error at a byte offset; `decode` turns it into the default value or an error.
    struct Failure: Error {
        let offset: Int
        let message: String
    }

    private let bytes: [UInt8]
    /// The byte offset of the next unread byte.
    private var index = 0
    private var depth = 0
    private static let maxDepth = 1000

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Parses one value that must span the whole input (apart from white space).
    mutating func decodeDocument() throws -> Value {
        let value = try parseValue()
        if skipSpace() { throw fail("unexpected character \(Self.quoteByte(bytes[index])) after value") }
        return value
    }

    private func fail(_ message: String) -> Failure { Failure(offset: index, message: message) }

    /// Skips white space; reports whether input remains.
    private mutating func skipSpace() -> Bool {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return true
            }
        }
        return false
    }

    /// The next byte after white space; end of input is an error.
    private mutating func next() throws -> UInt8 {
        guard skipSpace() else { throw fail("unexpected end of file") }
        return bytes[index]
    }

    private mutating func parseValue() throws -> Value {
        let byte = try next()
        switch byte {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "n"): if consume("null") { return .none }
        case UInt8(ascii: "t"): if consume("true") { return .bool(true) }
        case UInt8(ascii: "f"): if consume("false") { return .bool(false) }
        case UInt8(ascii: "["): return try nested { try $0.parseArray() }
        case UInt8(ascii: "{"): return try nested { try $0.parseObject() }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): return try parseNumber()
        default: break
        }
        throw fail("unexpected character \(Self.quoteByte(byte))")
    }

    private mutating func nested(_ body: (inout JSONDecoding) throws -> Value) throws -> Value {
        guard depth < Self.maxDepth else { throw fail("nesting depth exceeds \(Self.maxDepth)") }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    private mutating func consume(_ word: String) -> Bool {
        let literal = Array(word.utf8)
        guard bytes.count - index >= literal.count, Array(bytes[index..<index + literal.count]) == literal else {
            return false
        }
        index += literal.count
        return true
    }

    private mutating func parseArray() throws -> Value {
        var elements: [Value] = []
        index += 1  // '['
        if try next() != UInt8(ascii: "]") {
            while true {
                elements.append(try parseValue())
                let byte = try next()
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else { throw fail("got \(Self.quoteByte(byte)), want ',' or ']'") }
                index += 1
            }
        }
        index += 1  // ']'
        return .list(StarlarkList(elements))
    }

    private mutating func parseObject() throws -> Value {
        let dict = StarlarkDict()
        index += 1  // '{'
        if try next() != UInt8(ascii: "}") {
            while true {
                let key = try parseValue()
                guard case .string = key else { throw fail("got \(key.typeName) for object key, want string") }
                var byte = try next()
                guard byte == UInt8(ascii: ":") else {
                    throw fail("after object key, got \(Self.quoteByte(byte)), want ':' ")
                }
                index += 1
                try dict.set(key, try parseValue())
                byte = try next()
                if byte == UInt8(ascii: "}") { break }
                guard byte == UInt8(ascii: ",") else {
                    throw fail("in object, got \(Self.quoteByte(byte)), want ',' or '}'")
                }
                index += 1
            }
        }
        index += 1  // '}'
        return .dict(dict)
    }

    /// A string literal starting at the opening quote.
    private mutating func parseString() throws -> String {
        var end = index + 1
        var closed = false
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\\") {
                end += 2
                continue
            }
            end += 1
            if byte == UInt8(ascii: "\"") {
                closed = true
                break
            }
        }
        guard closed else { throw fail("unclosed string literal") }
        let body = Array(bytes[(index + 1)..<(end - 1)])
        index = end
        // Plain ASCII without escapes is taken as is (control characters included, as in starlark-go).
        if !body.contains(where: { $0 == UInt8(ascii: "\\") || $0 >= 0x80 }) {
            return String(decoding: body, as: UTF8.self)
        }
        return try unescape(body)
    }

    /// Decodes escapes as Go's `json.Unmarshal` does: control characters are errors and unpaired
    /// surrogates become U+FFFD.
    private func unescape(_ body: [UInt8]) throws -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i < body.count {
            let byte = body[i]
            if byte < 0x20 { throw fail("invalid character \(Self.quoteByte(byte)) in string literal") }
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                i += 1
                continue
            }
            flush()
            let escape = body[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escape))
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let first = try hex4(body, at: i)
                i += 4
                if (0xD800..<0xDC00).contains(first), i + 6 <= body.count, body[i] == UInt8(ascii: "\\"),
                    body[i + 1] == UInt8(ascii: "u"), let second = try? hex4(body, at: i + 2),
                    (0xDC00..<0xE000).contains(second)
                {
                    i += 6
                    let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    scalars.append(Unicode.Scalar(combined) ?? "\u{FFFD}")
                } else {
                    scalars.append(Unicode.Scalar(first) ?? "\u{FFFD}")
                }
            default:
                throw fail("invalid character \(Self.quoteByte(escape)) in string escape code")
            }
        }
        flush()
        return String(scalars)
    }

    private func hex4(_ body: [UInt8], at start: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard start + offset < body.count, let digit = Self.hexDigit(body[start + offset]) else {
                let byte = start + offset < body.count ? body[start + offset] : UInt8(ascii: "\"")
                throw fail("invalid character \(Self.quoteByte(byte)) in \\u hexadecimal character escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A number: scans `[0-9.eE+-]*` like starlark-go, then validates the text.
    private mutating func parseNumber() throws -> Value {
        var end = index + 1
        var isFloat = false
        scan: while end < bytes.count {
            switch bytes[end] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): break
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                isFloat = true
            default: break scan
            }
            end += 1
        }
        let literal = Array(bytes[index..<end])
        index = end
        let text = String(decoding: literal, as: UTF8.self)
        let digits = literal.first == UInt8(ascii: "-") ? Array(literal.dropFirst()) : literal
        // JSON has no leading zeros before another digit.
        if digits.isEmpty || (digits[0] == UInt8(ascii: "0") && digits.count > 1 && Self.isDigit(digits[1])) {
            throw fail("invalid number: \(text)")
        }
        if isFloat {
            guard Self.isDecimalFloat(literal), let value = Double(text), value.isFinite else {
                throw fail("invalid number: \(text)")
            }
            return .float(value)
        }
        guard digits.allSatisfy(Self.isDigit), let value = BigInt(text, radix: 10) else {
            throw fail("invalid number: \(text)")
        }
        return .int(value)
    }

    /// Whether the text is `-?digits[.digits][(e|E)[+-]digits]`, allowing either side of the point to be empty
    /// (Go's `strconv.ParseFloat` accepts `1.` and `.5`).
    private static func isDecimalFloat(_ literal: [UInt8]) -> Bool {
        var i = 0
        if i < literal.count, literal[i] == UInt8(ascii: "-") || literal[i] == UInt8(ascii: "+") { i += 1 }
        var mantissaDigits = 0
        while i < literal.count, isDigit(literal[i]) {
            i += 1
            mantissaDigits += 1
        }
        if i < literal.count, literal[i] == UInt8(ascii: ".") {
            i += 1
            while i < literal.count, isDigit(literal[i]) {
                i += 1
                mantissaDigits += 1
            }
        }
        guard mantissaDigits > 0 else { return false }
        if i < literal.count, literal[i] == UInt8(ascii: "e") || literal[i] == UInt8(ascii: "E") {
            i += 1
            if i < literal.count, literal[i] == UInt8(ascii: "-") || literal[i] == UInt8(ascii: "+") { i += 1 }
            var exponentDigits = 0
            while i < literal.count, isDigit(literal[i]) {
                i += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return false }
        }
        return i == literal.count
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// A byte as Go's `%q` shows it: `'x'`, `'\n'`, `'\''`, `'\x00'`.
    static func quoteByte(_ byte: UInt8) -> String {
        let scalar = Unicode.Scalar(byte)
        switch byte {
        case UInt8(ascii: "'"): return "'\\''"
        case UInt8(ascii: "\\"): return "'\\\\'"
        case 0x07: return "'\\a'"
        case 0x08: return "'\\b'"
        case 0x0C: return "'\\f'"
        case 0x0A: return "'\\n'"
        case 0x0D: return "'\\r'"
        case 0x09: return "'\\t'"
        case 0x0B: return "'\\v'"
        default:
            if byte < 0x20 || byte == 0x7F { return "'\\x" + StringQuoting.hex2(UInt32(byte)) + "'" }
            if byte >= 0x80, !scalar.properties.isPrintable(scalar) {
                return "'\\u" + StringQuoting.hex(UInt32(byte), 4) + "'"
            }
            return "'" + String(Character(scalar)) + "'"
        }
    }
}
