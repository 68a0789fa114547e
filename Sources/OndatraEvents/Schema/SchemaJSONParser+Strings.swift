extension SchemaJSONParser {
    /// A string starting at the opening quote under `position`; leaves `position` after the closing quote.
    mutating func string() throws(EventJSONError) -> String {
        let start = position + 1
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                return try escapedString(from: start, escapeAt: index)
            } else if byte < 0x20 {
                position = index
                throw failure("expected a control character in a string to be escaped (\\n, \\t, \\u00XX)")
            } else if byte < 0x80 {
                index += 1
            } else {
                index = try utf8Sequence(at: index)
            }
        }
        position = bytes.count
        throw failure("expected '\"' to end the string that starts at byte \(start - 1)")
    }

    /// The rest of a string that has an escape: unescaped into `scratch`.
    private mutating func escapedString(from start: Int, escapeAt first: Int) throws(EventJSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<first]))
        var index = first
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                index = try escape(at: index)
            } else if byte < 0x20 {
                position = index
                throw failure("expected a control character in a string to be escaped (\\n, \\t, \\u00XX)")
            } else if byte < 0x80 {
                scratch.append(byte)
                index += 1
            } else {
                let next = try utf8Sequence(at: index)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<next]))
                index = next
            }
        }
        position = bytes.count
        throw failure("expected '\"' to end the string that starts at byte \(start - 1)")
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`; returns the index after it.
    private mutating func escape(at index: Int) throws(EventJSONError) -> Int {
        guard index + 1 < bytes.count else {
            position = index + 1
            throw failure("expected an escape character after '\\'")
        }
        let simple: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): return try unicodeEscape(at: index)
        default:
            position = index + 1
            throw failure("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
        scratch.append(simple)
        return index + 2
    }

    /// Decodes `\uXXXX` (a surrogate pair as one character) at `index` into `scratch`.
    private mutating func unicodeEscape(at index: Int) throws(EventJSONError) -> Int {
        let high = try hex4(at: index + 2)
        var scalarValue = UInt32(high)
        var next = index + 6
        if (0xDC00...0xDFFF).contains(high) {
            position = index
            throw failure("expected a high surrogate before the low surrogate \\u\(hexText(high))")
        }
        if (0xD800...0xDBFF).contains(high) {
            guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u") else {
                position = index
                throw failure("expected a low surrogate \\uDC00-\\uDFFF after \\u\(hexText(high))")
            }
            let low = try hex4(at: next + 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                position = next
                throw failure("expected a low surrogate \\uDC00-\\uDFFF after \\u\(hexText(high))")
            }
            scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            position = index
            throw failure("expected a Unicode scalar value")
        }
        if let encoded = UTF8.encode(scalar) { scratch.append(contentsOf: encoded) }
        return next
    }

    private mutating func hex4(at index: Int) throws(EventJSONError) -> UInt16 {
        var value: UInt16 = 0
        for offset in 0..<4 {
            let at = index + offset
            guard at < bytes.count, let digit = SchemaHex.value(bytes[at]) else {
                position = at
                throw failure("expected 4 hex digits after \\u")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private func hexText(_ value: UInt16) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - text.count) + text
    }

    /// Checks the UTF-8 sequence whose lead byte is at `index`; returns the index after it.
    private mutating func utf8Sequence(at index: Int) throws(EventJSONError) -> Int {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default:
            position = index
            throw failure("expected valid UTF-8 in a string")
        }
        for offset in 1..<length {
            let at = index + offset
            // The first continuation byte has the lead's own range; later ones are 0x80-0xBF.
            let (minimum, maximum) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard at < bytes.count, (minimum...maximum).contains(bytes[at]) else {
                position = at
                throw failure("expected valid UTF-8 in a string")
            }
        }
        return index + length
    }
}
