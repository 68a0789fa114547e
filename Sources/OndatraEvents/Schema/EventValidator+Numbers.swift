extension EventValidator {
    /// BOOLEAN: `true`/`false`, the numbers 0 and 1, and the strings DuckDB casts (`true`, `t`,
    /// `yes`, `y`, `1` and `false`, `f`, `no`, `n`, `0`, in any case).
    func appendBoolean(_ value: EventJSONValue, to out: inout [UInt8]) -> SchemaProblem? {
        let flag: Bool
        switch value {
        case .bool(let given): flag = given
        case .number(let number) where number.kind == .integer && ["0", "-0", "1"].contains(number.text):
            flag = number.text == "1"
        case .string(let text):
            switch SchemaText.asciiLowercased(text) {
            case "true", "t", "yes", "y", "1": flag = true
            case "false", "f", "no", "n", "0": flag = false
            default: return .expected(.boolean, got: value)
            }
        case .number: return .expected(.boolean, got: value, "only 0 and 1 are booleans")
        default: return .expected(.boolean, got: value)
        }
        SchemaJSONWriter.appendASCII(flag ? "true" : "false", to: &out)
        return nil
    }

    /// Integers: whole JSON numbers or numeric strings in the type's range, written as JSON integers.
    func appendInteger(_ value: EventJSONValue, kind: EventIntegerKind, to out: inout [UInt8]) -> SchemaProblem? {
        let type = EventType.integer(kind)
        let range = "out of range \(kind.minimum)..\(kind.maximum)"
        let text: String
        switch value {
        case .number(let number):
            if number.kind == .integer {
                // The common case: digits as sent, checked without building anything.
                var written = number.text
                let fits = written.withUTF8 { bytes in
                    let negative = bytes.first == UInt8(ascii: "-")
                    return kind.contains(
                        negative: negative, digits: UnsafeBufferPointer(rebasing: bytes[(negative ? 1 : 0)...]))
                }
                guard fits else { return .expected(type, got: value, range) }
                SchemaJSONWriter.appendASCII(written == "-0" ? "0" : written, to: &out)
                return nil
            }
            text = number.text
        case .string(let string): text = string
        default: return .expected(type, got: value)
        }
        guard let parsed = Self.number(text) else { return .expected(type, got: value) }
        switch parsed.wholeDigits(maximumDigits: 40) {
        case .failure(.fraction):
            return .expected(type, got: value, "has a fraction; \(kind.sqlName) takes whole numbers")
        case .failure(.tooLarge): return .expected(type, got: value, range)
        case .success(let digits):
            let negative = parsed.negative && !parsed.isZero
            let fits = digits.withUnsafeBufferPointer { kind.contains(negative: negative, digits: $0) }
            guard fits else { return .expected(type, got: value, range) }
            if negative { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: digits)
            return nil
        }
    }

    /// FLOAT and DOUBLE: JSON numbers within the type's range (`read_json` refuses a number beyond
    /// FLOAT's, and would make one beyond DOUBLE's infinity), numeric strings, and
    /// `nan`/`inf`/`infinity` strings.
    func appendFloat(_ value: EventJSONValue, type: EventType, to out: inout [UInt8]) -> SchemaProblem? {
        switch value {
        case .number(let number):
            if !Self.fitsFloat(number, type: type) {
                return .expected(type, got: value, "out of range for \(type.sqlName)")
            }
            SchemaJSONWriter.appendASCII(number.text, to: &out)
            return nil
        case .string(var text):
            let canonical = text.withUTF8 { Self.floatText($0) }
            guard let canonical else { return .expected(type, got: value) }
            // A string, not a number: read_json then casts it as text, like CAST does (1e39 → inf
            // for FLOAT rather than an error).
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: canonical)
            out.append(UInt8(ascii: "\""))
            return nil
        default: return .expected(type, got: value)
        }
    }

    /// DECIMAL(p, s): JSON numbers or numeric strings with at most p - s integer digits once rounded
    /// half away from zero to s fraction digits, written as an exact string.
    func appendDecimal(_ value: EventJSONValue, type: EventType, precision: Int, scale: Int, to out: inout [UInt8])
        -> SchemaProblem?
    {
        let text: String
        switch value {
        case .number(let number): text = number.text
        case .string(let string): text = string
        default: return .expected(type, got: value)
        }
        guard let parsed = Self.number(text) else { return .expected(type, got: value) }
        switch parsed.decimalText(precision: precision, scale: scale) {
        case .success(let decimal):
            // A string: read_json would read a JSON number through a double and lose digits.
            SchemaJSONWriter.appendString(decimal, to: &out)
            return nil
        case .failure:
            let integerDigits = precision - scale
            let limit = integerDigits == 1 ? "1 digit" : "\(integerDigits) digits"
            return .expected(type, got: value, "more than \(limit) before the decimal point")
        }
    }

    /// Whether a JSON number is finite as a DOUBLE (and, for FLOAT, as a FLOAT once rounded from
    /// it, as DuckDB converts). Numbers whose integer digits and exponent cannot reach the limit
    /// (1e38 for FLOAT, 1e308 for DOUBLE), the usual ones, are not parsed.
    private static func fitsFloat(_ number: EventJSONNumber, type: EventType) -> Bool {
        let isFloat = type == .float
        let digitLimit = isFloat ? 38 : 308
        var text = number.text
        let magnitude = text.withUTF8 { bytes in
            // Integer digits plus the exponent: the value is below 10 to this power.
            var index = bytes.first == UInt8(ascii: "-") ? 1 : 0
            var digits = 0
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
                digits += 1
                index += 1
            }
            while index < bytes.count, bytes[index] | 0x20 != UInt8(ascii: "e") { index += 1 }
            index += 1
            guard index < bytes.count else { return digits }
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
            var exponent = 0
            while index < bytes.count, exponent < 1_000_000 {
                exponent = exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            return digits + (negative ? -exponent : exponent)
        }
        if magnitude <= digitLimit { return true }
        guard let double = Double(number.text) else { return false }
        return double.isFinite && !(isFloat && Float(double).isInfinite)
    }

    /// Parses numeric text.
    private static func number(_ text: String) -> SchemaNumberText? {
        var text = text
        return text.withUTF8 { SchemaNumberText($0) }
    }

    /// The text a FLOAT/DOUBLE string is written as: `NaN`, `Infinity`, `-Infinity`, or the number
    /// trimmed, without `+`, with `0` before a leading point and no trailing point; nil if not a number.
    static func floatText(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var start = 0
        var end = bytes.count
        while start < end, SchemaNumberText.isSpace(bytes[start]) { start += 1 }
        while end > start, SchemaNumberText.isSpace(bytes[end - 1]) { end -= 1 }
        let trimmed = UnsafeBufferPointer(rebasing: bytes[start..<end])
        var negative = false
        var body = trimmed[...]
        if let first = body.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        if body.count <= 8 {
            switch String(decoding: body.map { $0 | 0x20 }, as: UTF8.self) {
            case "nan": return Array("NaN".utf8)
            case "inf", "infinity": return Array((negative ? "-Infinity" : "Infinity").utf8)
            default: break
            }
        }
        guard SchemaNumberText(trimmed) != nil else { return nil }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        var previous: UInt8 = 0
        for (index, byte) in zip(body.indices, body) {
            if byte == UInt8(ascii: ".") {
                if previous &- UInt8(ascii: "0") >= 10 { out.append(UInt8(ascii: "0")) }
                let next = index + 1 < body.endIndex ? body[index + 1] : 0
                if next &- UInt8(ascii: "0") >= 10 {
                    previous = byte
                    continue
                }
            }
            out.append(byte)
            previous = byte
        }
        return out
    }
}
