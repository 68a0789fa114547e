import BigInt

extension Value {
    /// `str(x)`: strings unquoted, everything else as `repr`.
    public var str: String {
        if case .string(let s) = self { return s }
        return repr
    }

    /// `repr(x)`: the text that reads back as the value, where one exists.
    public var repr: String {
        var output = ""
        var path: [ObjectIdentifier] = []
        writeRepr(to: &output, path: &path)
        return output
    }

    /// How deeply nested values print before the rest shows as `...` (deeper printing would
    /// exhaust the stack; equality stops at the same depth).
    static let maximumReprDepth = 1000

    /// `path` holds the lists and dicts being printed, so a cycle prints as `[...]` or `{...}`;
    /// `depth` counts the containers around this value.
    func writeRepr(to output: inout String, path: inout [ObjectIdentifier], depth: Int = 0) {
        guard depth < Self.maximumReprDepth else {
            output += "..."
            return
        }
        switch self {
        case .none: output += "None"
        case .bool(let b): output += b ? "True" : "False"
        case .int(let i): output += String(i)
        case .bigInt(let b): output += String(b.value)
        case .float(let f): output += FloatFormat.g(f)
        case .string(let s): StringQuoting.quote(s, into: &output)
        case .bytes(let b): StringQuoting.quoteBytes(b, into: &output)
        case .list(let l):
            let identity = ObjectIdentifier(l)
            if path.contains(identity) {
                output += "[...]"
                return
            }
            path.append(identity)
            output += "["
            Self.writeElements(l.elements, to: &output, path: &path, depth: depth + 1)
            output += "]"
            path.removeLast()
        case .tuple(let items):
            output += "("
            Self.writeElements(items, to: &output, path: &path, depth: depth + 1)
            if items.count == 1 { output += "," }
            output += ")"
        case .dict(let d):
            let identity = ObjectIdentifier(d)
            if path.contains(identity) {
                output += "{...}"
                return
            }
            path.append(identity)
            output += "{"
            for (index, entry) in d.entries.enumerated() {
                if index > 0 { output += ", " }
                entry.key.writeRepr(to: &output, path: &path, depth: depth + 1)
                output += ": "
                entry.value.writeRepr(to: &output, path: &path, depth: depth + 1)
            }
            output += "}"
            path.removeLast()
        case .set(let s):
            output += "set(["
            Self.writeElements(s.elements, to: &output, path: &path, depth: depth + 1)
            output += "])"
        case .range(let r):
            if r.step != 1 {
                output += "range(\(r.start), \(r.stop), \(r.step))"
            } else {
                output += r.start == 0 ? "range(\(r.stop))" : "range(\(r.start), \(r.stop))"
            }
        case .function(let f): output += "<function \(f.name)>"
        case .builtin(let b):
            if let receiver = b.receiver {
                output += "<built-in method \(b.name) of \(receiver.typeName) value>"
            } else {
                output += "<built-in function \(b.name)>"
            }
        case .object(let o): output += o.description
        }
    }

    private static func writeElements(
        _ items: [Value], to output: inout String, path: inout [ObjectIdentifier], depth: Int
    ) {
        for (index, item) in items.enumerated() {
            if index > 0 { output += ", " }
            item.writeRepr(to: &output, path: &path, depth: depth)
        }
    }
}

/// Float text as starlark-go writes it.
enum FloatFormat {
    /// `%g` with the shortest digits that read back exactly; always shows it is a float.
    static func g(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "+inf" : "-inf" }
        // Between 1e-4 and 1e6 (and zero) Swift's shortest round-trip text is already %f-style
        // with a fraction shown ("3086.25", "2.0"): the same text, without taking it apart.
        let magnitude = value.magnitude
        if magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e6) { return "\(value)" }
        let text = shortest(value, exponentThreshold: 6)
        if text.contains(".") || text.contains("e") { return text }
        return text + ".0"
    }

    /// Shortest round-trip digits, laid out in %e when the exponent is below -4 or at least
    /// `exponentThreshold`, else in %f.
    static func shortest(_ value: Double, exponentThreshold: Int) -> String {
        let (negative, digits, pointPosition) = decompose(value)
        let sign = negative ? "-" : ""
        let exponent = pointPosition - 1
        if exponent < -4 || exponent >= exponentThreshold {
            var mantissa = String(digits.prefix(1))
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let magnitude = abs(exponent)
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count)
        }
        let split = digits.index(digits.startIndex, offsetBy: pointPosition)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// The shortest decimal digits of `value` and where the decimal point goes (value = 0.DIGITS × 10^point).
    static func decompose(_ value: Double) -> (negative: Bool, digits: String, point: Int) {
        let negative = value.sign == .minus
        if value == 0 { return (negative, "0", 1) }
        let text = "\(abs(value))"  // Swift prints the shortest round-trip form, e.g. 1.845e+08 or 0.001.
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fraction: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fraction
        var point = integerPart.count + exponent
        while digits.hasPrefix("0"), digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
        return (negative, digits, point)
    }
}

/// Turning bytes into text the way Go does: each byte that is not part of a valid UTF-8
/// sequence becomes one U+FFFD (Swift's own decoding merges some of them).
enum UTF8Text {
    static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        let array = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < array.count {
            if array[index] < 0x80 {
                scalars.append(Unicode.Scalar(array[index]))
                index += 1
            } else if let (scalar, length) = StringQuoting.decodeUTF8(array, at: index) {
                scalars.append(scalar)
                index += length
            } else {
                scalars.append("\u{FFFD}")
                index += 1
            }
        }
        return String(scalars)
    }
}

/// Quoting strings and bytes the way starlark-go's repr does.
enum StringQuoting {
    static func quote(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{07}": output += "\\a"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{0B}": output += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += "\\x" + hex2(scalar.value)
                } else if !scalar.properties.isPrintable(scalar) {
                    output += scalar.value <= 0xFFFF ? "\\u" + hex(scalar.value, 4) : "\\U" + hex(scalar.value, 8)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    static func quoteBytes(_ bytes: [UInt8], into output: inout String) {
        output += "b\""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""): output += "\\\""
            case UInt8(ascii: "\\"): output += "\\\\"
            case 10: output += "\\n"
            case 13: output += "\\r"
            case 9: output += "\\t"
            case 7: output += "\\a"
            case 8: output += "\\b"
            case 12: output += "\\f"
            case 11: output += "\\v"
            case 0x20..<0x7F: output.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x80...:
                // Valid UTF-8 sequences print as text; stray bytes as \x escapes.
                if let (scalar, length) = decodeUTF8(bytes, at: index) {
                    if scalar.properties.isPrintable(scalar) {
                        output.unicodeScalars.append(scalar)
                    } else {
                        output += scalar.value <= 0xFFFF ? "\\u" + hex(scalar.value, 4) : "\\U" + hex(scalar.value, 8)
                    }
                    index += length
                    continue
                }
                output += "\\x" + hex2(UInt32(byte))
            default: output += "\\x" + hex2(UInt32(byte))
            }
            index += 1
        }
        output += "\""
    }

    static func decodeUTF8(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let first = bytes[index]
        let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0
        guard length > 0, index + length <= bytes.count,
            let text = String(validating: bytes[index..<index + length], as: UTF8.self),
            let scalar = text.unicodeScalars.first
        else { return nil }
        return (scalar, length)
    }

    static func hex2(_ value: UInt32) -> String { hex(value, 2) }

    static func hex(_ value: UInt32, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Unicode.Scalar.Properties {
    /// Roughly Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
