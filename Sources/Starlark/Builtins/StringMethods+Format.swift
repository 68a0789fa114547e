extension StringMethods {
    /// `format(*args, **kwargs)`: replaces `{}`, `{0}` and `{name}` fields (with optional `!s`/`!r`
    /// conversions) by arguments; `{{` and `}}` stand for braces. Python's format specs, `x.y` and
    /// `a[i]` fields are not supported.
    static func format(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let template = Array(try text(receiver).utf8)
        var output: [UInt8] = []
        output.reserveCapacity(template.count)
        var fields = FieldNumbering()
        var offset = 0
        while offset < template.count {
            let byte = template[offset]
            if byte == UInt8(ascii: "}") {
                guard offset + 1 < template.count, template[offset + 1] == UInt8(ascii: "}") else {
                    throw StarlarkError("format: single '}' in format")
                }
                output.append(byte)
                offset += 2
                continue
            }
            guard byte == UInt8(ascii: "{") else {
                output.append(byte)
                offset += 1
                continue
            }
            if offset + 1 < template.count, template[offset + 1] == UInt8(ascii: "{") {
                output.append(byte)
                offset += 2
                continue
            }
            guard let close = template[(offset + 1)...].firstIndex(of: UInt8(ascii: "}")) else {
                throw StarlarkError("format: unmatched '{' in format")
            }
            let field = ByteText.string(template[(offset + 1)..<close])
            output += Array(try replacement(for: field, arguments, &fields).utf8)
            offset = close + 1
        }
        return .string(String(decoding: output, as: UTF8.self))
    }

    /// Which kind of positional fields a format string has used: `{}` and `{0}` cannot be mixed.
    private struct FieldNumbering {
        var automatic = false
        var manual = false
        var next = 0
    }

    /// The text for one replacement field (the part between the braces).
    private static func replacement(for field: String, _ arguments: Arguments, _ numbering: inout FieldNumbering)
        throws -> String
    {
        var name = field
        var conversion = "s"
        var spec = ""
        if let bang = field.firstIndex(of: "!") {
            name = String(field[..<bang])
            let rest = field[field.index(after: bang)...]
            if let colon = rest.firstIndex(of: ":") {
                conversion = String(rest[..<colon])
                spec = String(rest[rest.index(after: colon)...])
            } else {
                conversion = String(rest)
            }
        } else if let colon = field.firstIndex(of: ":") {
            name = String(field[..<colon])
            spec = String(field[field.index(after: colon)...])
        }

        let value = try argument(named: name, arguments, &numbering)
        if !spec.isEmpty {
            throw StarlarkError("format spec features not supported in replacement fields: \(spec)")
        }
        switch conversion {
        case "s": return value.str
        case "r": return value.repr
        default: throw StarlarkError("format: unknown conversion \(Value.string(conversion).repr)")
        }
    }

    /// The argument a field name refers to: the next positional one, a numbered one, or a keyword.
    private static func argument(named name: String, _ arguments: Arguments, _ numbering: inout FieldNumbering)
        throws -> Value
    {
        let positional = arguments.positional
        if name.isEmpty {
            if numbering.manual {
                throw StarlarkError(
                    "format: cannot switch from manual field specification to automatic field numbering")
            }
            numbering.automatic = true
            guard numbering.next < positional.count else { throw StarlarkError("format: tuple index out of range") }
            defer { numbering.next += 1 }
            return positional[numbering.next]
        }
        if let number = decimal(name) {
            if numbering.automatic {
                throw StarlarkError(
                    "format: cannot switch from automatic field numbering to manual field specification")
            }
            numbering.manual = true
            guard number < positional.count else { throw StarlarkError("format: tuple index out of range") }
            return positional[number]
        }
        if let match = arguments.named.first(where: { $0.name == name }) { return match.value }
        if name.contains(".") {
            throw StarlarkError("format: attribute syntax x.y is not supported in replacement fields: \(name)")
        }
        if name.contains("[") {
            throw StarlarkError("format: element syntax a[i] is not supported in replacement fields: \(name)")
        }
        if name.contains("{") { throw StarlarkError("format: nested replacement fields not supported") }
        throw StarlarkError("format: keyword \(name) not found")
    }

    /// `name` as a decimal number made only of digits (no sign); leading zeros are allowed.
    private static func decimal(_ name: String) -> Int? {
        var result = 0
        for byte in name.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            result = sum
        }
        return result
    }
}
