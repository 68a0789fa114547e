extension EventType {
    /// Checks the members of a composite type: the fields of `STRUCT(name TYPE, …)` (or `ROW`), or
    /// the key and value of `MAP(KEY, VALUE)`.
    ///
    /// Each member type must be one an events column may have (``parse(_:)`` refuses the others,
    /// so `STRUCT(a HUGEINT)` is refused like `HUGEINT`). A member may not be, or hold, `INTERVAL`
    /// or `TIMESTAMP_NS` either: a composite value is checked by DuckDB's cast, which accepts
    /// negative intervals and the nanosecond timestamps DuckLake cannot store; as their own columns
    /// (or lists) the validator checks them itself.
    /// - Parameters:
    ///   - name: the composite's name, upper-cased (`STRUCT`, `ROW` or `MAP`).
    ///   - arguments: its parenthesised parameters, parentheses included.
    static func checkMembers(of name: String, arguments: Substring) throws(EventTypeError) {
        let parts = SchemaText.topLevelParts(arguments.dropFirst().dropLast())
        if name == "MAP" {
            guard parts.count == 2 else {
                throw EventTypeError("MAP takes a key and a value type, like MAP(VARCHAR, INTEGER); got \(arguments)")
            }
            try checkMember(parts[0], in: "MAP key")
            try checkMember(parts[1], in: "MAP value")
            return
        }
        let usage = "\(name) fields are written `name TYPE`, separated by commas, like \(name)(a INTEGER, b VARCHAR)"
        var fields: Set<String> = []
        for part in parts {
            let field = SchemaText.trimmingWhitespace(part)
            guard let (fieldName, typeText) = splitField(field), !typeText.isEmpty else {
                throw EventTypeError("\(usage); got '\(field)'")
            }
            guard fields.insert(SchemaText.asciiLowercased(fieldName)).inserted else {
                throw EventTypeError("\(name) field '\(fieldName)' is declared twice")
            }
            try checkMember(typeText, in: "\(name) field '\(fieldName)'")
        }
    }

    /// Parses one member type and refuses the ones the cast check cannot hold to DuckLake's limits.
    private static func checkMember(_ text: some StringProtocol, in place: String) throws(EventTypeError) {
        let type: EventType
        do {
            type = try parse(String(text))
        } catch {
            throw EventTypeError("in \(place): \(error.message)")
        }
        if let inner = type.uncheckableInComposite {
            throw EventTypeError(
                "in \(place): \(inner.sqlName) inside STRUCT or MAP is not supported (DuckDB's cast check lets "
                    + "through values DuckLake cannot store); declare it as its own column, or as a list "
                    + "(\(inner.sqlName)[])")
        }
    }

    /// The type within this one (a list's elements included) that a composite may not hold, if any.
    private var uncheckableInComposite: EventType? {
        switch self {
        case .interval, .timestamp(.nanoseconds): self
        case .list(let element): element.uncheckableInComposite
        default: nil
        }
    }

    /// A STRUCT field's name (unquoted, `""` undoubled) and its type text; nil without a name.
    private static func splitField(_ field: String) -> (String, String)? {
        if field.first == "\"" {
            var index = field.index(after: field.startIndex)
            while index < field.endIndex {
                if field[index] == "\"" {
                    let after = field.index(after: index)
                    guard after < field.endIndex, field[after] == "\"" else {
                        let name = SchemaText.undoublingQuotes(field[field.index(after: field.startIndex)..<index])
                        return name.isEmpty ? nil : (name, SchemaText.trimmingWhitespace(field[after...]))
                    }
                    index = field.index(after: after)
                } else {
                    index = field.index(after: index)
                }
            }
            return nil
        }
        guard let space = field.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return nil }
        return (String(field[..<space]), SchemaText.trimmingWhitespace(field[space...]))
    }
}
