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
            throw loneSurrogate(at: index, "a low surrogate must follow a high surrogate \\uD800-\\uDBFF")
        }
        if (0xD800...0xDBFF).contains(high) {
            let need = "a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF"
            guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u") else {
                throw loneSurrogate(at: index, need)
            }
            let low = try hex4(at: next + 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw loneSurrogate(at: index, need + ", not \(escapeText(at: next))")
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

    /// The error for the lone surrogate escape at `index` (its backslash), shown as written.
    private func loneSurrogate(at index: Int, _ rule: String) -> EventJSONError {
        EventJSONError(offset: index, reason: "lone surrogate \(escapeText(at: index)) in a string: \(rule)")
    }

    /// The six bytes of the `\uXXXX` escape at `index`, already checked to be ASCII.
    private func escapeText(at index: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + 6)]), as: UTF8.self)
    }

    /// Checks the UTF-8 sequence whose lead byte is at `index`; returns the index after it. An error
    /// points at the lead byte, naming it, and says what follows it when that is what is wrong.
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
            let what = lead < 0xC0 ? " (a continuation byte with no lead byte before it)" : ""
            throw EventJSONError(offset: index, reason: "invalid UTF-8 byte \(hexByte(lead)) in a string\(what)")
        }
        for offset in 1..<length {
            let at = index + offset
            // The first continuation byte has the lead's own range; later ones are 0x80-0xBF.
            let (minimum, maximum) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard at < bytes.count, (minimum...maximum).contains(bytes[at]) else {
                position = index
                let next = at < bytes.count ? describeByte(at: at) : "the end of input"
                throw EventJSONError(
                    offset: index,
                    reason: "invalid UTF-8 byte \(hexByte(lead)) in a string (it starts a \(length)-byte character, "
                        + "which \(next) cannot continue)")
            }
        }
        return index + length
    }

    /// `0xE9`.
    private func hexByte(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
