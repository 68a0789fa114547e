import Starlark

/// The `csv` module: `decode(text, header=True, delimiter=",")` → a list of dicts (or of lists
/// without a header), and `encode(rows, delimiter=",")` → text with a header line, for lists of
/// dicts. Fields follow RFC 4180: quotes around fields holding the delimiter, quotes or line
/// breaks, and `""` for a quote inside them.
enum CSVModule {
    static let module = StarlarkModuleValue.builtins("csv", ["decode": decode, "encode": encode])

    @Sendable static func decode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["text", "header?", "delimiter?"])
        guard case .string(let text) = bound[0] ?? .none else {
            throw StarlarkError("\(builtin.name): text must be a string, got \(bound[0]?.typeName ?? "NoneType")")
        }
        let header = bound[1]?.boolValue ?? true
        let delimiter = try delimiterByte(bound[2], builtin.name)
        let records = try parse(Array(text.utf8), delimiter: delimiter, function: builtin.name)
        guard header else { return .list(records.map { .list($0.map(Value.string)) }) }
        guard let names = records.first else { return .list([]) }
        return .list(
            try records.dropFirst().enumerated().map { offset, record in
                guard record.count == names.count else {
                    throw StarlarkError(
                        "\(builtin.name): record \(offset + 2) has \(record.count) fields, the header \(names.count)")
                }
                return try Value.dict(zip(names, record).map { (.string($0), .string($1)) })
            })
    }

    @Sendable static func encode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["rows", "delimiter?"])
        guard let rows = bound[0]?.arrayValue else {
            throw StarlarkError(
                "\(builtin.name): rows must be a list of dicts, got \(bound[0]?.typeName ?? "NoneType")")
        }
        let delimiter = String(UnicodeScalar(try delimiterByte(bound[1], builtin.name)))
        var names: [String] = []
        for row in rows {
            guard let entries = row.dictEntries else {
                throw StarlarkError("\(builtin.name): each row must be a dict, got \(row.typeName)")
            }
            for (key, _) in entries {
                guard case .string(let name) = key else {
                    throw StarlarkError("\(builtin.name): column names must be strings, got \(key.typeName)")
                }
                if !names.contains(name) { names.append(name) }
            }
        }
        var lines = [names.map { field($0, delimiter) }.joined(separator: delimiter)]
        for row in rows {
            lines.append(
                names.map { name in
                    switch row.dictLookup(name) {
                    case nil, .none?: ""
                    case .string(let text)?: field(text, delimiter)
                    case let value?: field(value.str, delimiter)
                    }
                }.joined(separator: delimiter))
        }
        return .string(lines.joined(separator: "\r\n") + "\r\n")
    }

    private static func field(_ text: String, _ delimiter: String) -> String {
        guard text.contains(delimiter) || text.contains("\"") || text.contains("\n") || text.contains("\r") else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func delimiterByte(_ value: Value?, _ function: String) throws -> UInt8 {
        guard let value, value != .none else { return UInt8(ascii: ",") }
        guard case .string(let text) = value, text.utf8.count == 1, let byte = text.utf8.first,
            byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n")
        else { throw StarlarkError("\(function): delimiter must be one ASCII character other than a quote or newline") }
        return byte
    }

    /// The records of `bytes`; a final line break does not start an empty record.
    private static func parse(_ bytes: [UInt8], delimiter: UInt8, function: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var index = 0
        var quoted = false
        var fieldStarted = false
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") && field.isEmpty && !fieldStarted {
                quoted = true
                fieldStarted = true
            } else if byte == delimiter {
                endField()
            } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                endField()
                records.append(record)
                record = []
            } else {
                field.append(byte)
                fieldStarted = true
            }
            index += 1
        }
        if quoted { throw StarlarkError("\(function): a quoted field is not closed") }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}
