/// The byte-level JSON reader behind ``EventJSON``: one pass over the bytes, strings checked as
/// UTF-8 as they are read, numbers kept as text.
struct SchemaJSONParser {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 64
    /// Objects with more members than this find duplicate keys through a set instead of a scan.
    private static let linearKeyLimit = 12

    /// The input.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    var position = 0
    private var depth = 0
    /// Reused for strings with escapes.
    var scratch: [UInt8] = []

    /// A reader over `bytes` (not copied; it must outlive the reader).
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is not JSON but some clients send one; skip it.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    // MARK: Entry points

    /// One value, then nothing but whitespace.
    mutating func document() throws(EventJSONError) -> EventJSONValue {
        let value = try value()
        try end()
        return value
    }

    /// One object, then nothing but whitespace.
    mutating func objectDocument() throws(EventJSONError) -> EventJSONObject {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { throw failure("expected a JSON object") }
        let object = try object()
        try end()
        return object
    }

    /// An array of objects, then nothing but whitespace.
    mutating func batchDocument() throws(EventJSONError) -> [EventJSONObject] {
        skipWhitespace()
        guard peek == UInt8(ascii: "[") else { throw failure("expected a JSON array of objects") }
        try enter()
        position += 1
        var objects: [EventJSONObject] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "{") else {
                    throw failure("expected an object (each batch element is one event)")
                }
                objects.append(try object())
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    position += 1
                } else if peek == UInt8(ascii: "]") {
                    position += 1
                    break
                } else {
                    throw failure("expected ',' or ']'")
                }
            }
        }
        depth -= 1
        try end()
        return objects
    }

    // MARK: Values

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func end() throws(EventJSONError) {
        skipWhitespace()
        if position < bytes.count { throw failure("expected nothing after the JSON value") }
    }

    private mutating func enter() throws(EventJSONError) {
        depth += 1
        if depth > Self.maximumDepth { throw failure("nesting deeper than \(Self.maximumDepth) arrays and objects") }
    }

    private mutating func value() throws(EventJSONError) -> EventJSONValue {
        skipWhitespace()
        guard let byte = peek else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try object())
        case UInt8(ascii: "["): return .array(try array())
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("expected a value")
        }
    }

    private mutating func object() throws(EventJSONError) -> EventJSONObject {
        try enter()
        position += 1
        var members: [EventJSONMember] = []
        // Events are small objects: one allocation instead of regrowing through 1, 2, 4, 8.
        members.reserveCapacity(8)
        var keys: Set<String>?
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return EventJSONObject(members: members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let keyOffset = position
            let key = try string()
            if isDuplicate(key, members: members, keys: &keys) {
                throw EventJSONError(offset: keyOffset, reason: "duplicate key '\(SchemaClip.text(key))'")
            }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw failure("expected ':' after the key") }
            position += 1
            members.append(EventJSONMember(key: key, value: try value()))
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                position += 1
            } else if peek == UInt8(ascii: "}") {
                position += 1
                break
            } else {
                throw failure("expected ',' or '}'")
            }
        }
        depth -= 1
        return EventJSONObject(members: members)
    }

    /// Whether `key` is already a member; small objects scan, larger ones keep a set.
    private func isDuplicate(_ key: String, members: [EventJSONMember], keys: inout Set<String>?) -> Bool {
        if members.count < Self.linearKeyLimit {
            return members.contains(where: { $0.key == key })
        }
        if keys == nil { keys = Set(members.map(\.key)) }
        return keys?.insert(key).inserted == false
    }

    private mutating func array() throws(EventJSONError) -> [EventJSONValue] {
        try enter()
        position += 1
        var elements: [EventJSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return elements
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                position += 1
            } else if peek == UInt8(ascii: "]") {
                position += 1
                break
            } else {
                throw failure("expected ',' or ']'")
            }
        }
        depth -= 1
        return elements
    }

    private mutating func literal(_ word: StaticString) throws(EventJSONError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for (offset, byte) in expected.enumerated() {
            guard position + offset < bytes.count, bytes[position + offset] == byte else {
                position += offset
                throw failure("expected '\(word)'")
            }
        }
        position += expected.count
    }

    private mutating func number() throws(EventJSONError) -> EventJSONNumber {
        let start = position
        var kind = EventJSONNumber.Kind.integer
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(peek) else { throw failure("expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(peek) { throw failure("expected no leading zero in a number") }
        } else {
            skipDigits()
        }
        if peek == UInt8(ascii: ".") {
            kind = .decimal
            position += 1
            guard isDigit(peek) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            kind = .exponent
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard isDigit(peek) else { throw failure("expected a digit in the exponent") }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return EventJSONNumber(checkedText: text, kind: kind)
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte &- UInt8(ascii: "0") < 10
    }

    private mutating func skipDigits() {
        while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 { position += 1 }
    }

    // MARK: Errors

    /// An error at the current position, naming what was there.
    func failure(_ expected: String) -> EventJSONError {
        EventJSONError(offset: position, reason: "\(expected), got \(describeByte(at: position))")
    }

    /// The byte at `offset` for a message: `'x'`, `byte 0x0A`, or `end of input`.
    func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if (0x20...0x7E).contains(byte) { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
