extension EventType {
    /// Parses a type as written in an `events` declaration: a DuckDB type name or alias (any case,
    /// multi-word names such as `DOUBLE PRECISION` or `TIMESTAMP WITH TIME ZONE` included), its
    /// parameters (`DECIMAL(18, 2)`, `VARCHAR(255)`), and `[]` list suffixes.
    ///
    /// `STRUCT(name TYPE, …)` (`ROW`) and `MAP(KEY, VALUE)` become ``other(_:)``, kept as written,
    /// once each member type parses as an events type (``checkMembers(of:arguments:)``).
    /// `GEOMETRY` becomes ``other(_:)`` too.
    ///
    /// Types DuckLake cannot store faithfully are refused with what to declare instead, anywhere in
    /// the type: `HUGEINT`/`UHUGEINT` (stored as DOUBLE), `ENUM`, `UNION`, fixed-size arrays
    /// (`INTEGER[3]`), `TIME_NS`, the spatial extension's types; so are types `read_json` cannot
    /// read (`BIT`, `VARINT`, `VARIANT`).
    public static func parse(_ text: String) throws(EventTypeError) -> EventType {
        let trimmed = SchemaText.trimmingWhitespace(text)
        guard !trimmed.isEmpty else { throw EventTypeError("missing type") }
        if trimmed.hasSuffix("]") { return try parseArraySuffix(trimmed) }
        let upper = trimmed.uppercased()
        if upper.hasSuffix(" ARRAY") {
            return .list(try parse(String(trimmed.dropLast(" ARRAY".count))))
        }
        var nameText = Substring(trimmed)
        var arguments: Substring?
        if let open = trimmed.firstIndex(of: "(") {
            nameText = trimmed[..<open]
            arguments = trimmed[open...]
            guard let close = SchemaText.closingParenthesis(of: trimmed, from: open) else {
                throw EventTypeError("unbalanced parentheses or quotes in '\(trimmed)'")
            }
            guard trimmed.index(after: close) == trimmed.endIndex else {
                let rest = trimmed[trimmed.index(after: close)...]
                throw EventTypeError("unexpected '\(SchemaText.trimmingWhitespace(rest))' after '\(trimmed[...close])'")
            }
        }
        let name = nameText.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ").uppercased()
        guard !name.isEmpty else { throw EventTypeError("missing type name before '('") }
        guard let entry = SchemaTypeNames.entries[name] else {
            if let suggestion = SchemaTypeNames.suggestion(for: name) {
                throw EventTypeError("unknown type '\(nameText.trimmingSuffixWhitespace)'; did you mean \(suggestion)?")
            }
            throw EventTypeError(
                "unknown type '\(nameText.trimmingSuffixWhitespace)'; use a DuckDB type such as VARCHAR, BIGINT, "
                    + "DOUBLE, BOOLEAN, TIMESTAMPTZ or JSON")
        }
        return try resolve(entry, name: name, arguments: arguments, text: trimmed)
    }

    /// The type for a known name and its parenthesised arguments (with the parentheses), if any.
    private static func resolve(
        _ entry: SchemaTypeNames.Entry, name: String, arguments: Substring?, text: String
    ) throws(EventTypeError) -> EventType {
        switch entry {
        case .plain(let type):
            guard arguments == nil else { throw EventTypeError("\(name) takes no parameters; write \(name)") }
            return type
        case .decimal:
            guard let arguments else { return .decimal(precision: 18, scale: 3) }
            let numbers = integers(in: arguments)
            let usage = "\(name) takes (precision) or (precision, scale), precision 1 to 38 and scale 0 to precision"
            guard let numbers, numbers.count == 1 || numbers.count == 2 else {
                throw EventTypeError("\(usage); got \(arguments)")
            }
            let precision = numbers[0]
            let scale = numbers.count == 2 ? numbers[1] : 0
            guard (1...38).contains(precision), (0...precision).contains(scale) else {
                throw EventTypeError("\(usage); got \(arguments)")
            }
            return .decimal(precision: precision, scale: scale)
        case .varchar:
            if let arguments {
                guard let numbers = integers(in: arguments), numbers.count == 1 else {
                    throw EventTypeError("\(name) takes an optional length, like \(name)(255); got \(arguments)")
                }
            }
            return .varchar
        case .timestamp:
            guard let arguments else { return .timestamp(.microseconds) }
            guard let numbers = integers(in: arguments), numbers.count == 1,
                let unit = EventTimestampUnit.forPrecision(numbers[0])
            else { throw EventTypeError("TIMESTAMP takes a precision of 0 to 9 digits; got \(arguments)") }
            return .timestamp(unit)
        case .float:
            guard let arguments else { return .float }
            guard let numbers = integers(in: arguments), numbers.count == 1, (1...53).contains(numbers[0]) else {
                throw EventTypeError("FLOAT takes a precision of 1 to 53 bits; got \(arguments)")
            }
            return numbers[0] <= 24 ? .float : .double
        case .composite:
            guard let arguments, arguments.count > 2 else {
                throw EventTypeError(
                    "\(name) needs its parameters, e.g. STRUCT(a INTEGER, b VARCHAR) or MAP(VARCHAR, INTEGER)")
            }
            try checkMembers(of: name, arguments: arguments)
            return .other(text)
        case .opaque:
            guard arguments == nil else { throw EventTypeError("\(name) takes no parameters; write \(name)") }
            return .other(name)
        case .unreadable:
            throw EventTypeError("\(name) cannot be read from JSON; use VARCHAR")
        case .refused(let reason):
            throw EventTypeError(reason)
        }
    }

    /// `T[]` (a list); `T[n]`, a fixed-size array, is refused: DuckLake cannot store one.
    private static func parseArraySuffix(_ text: String) throws(EventTypeError) -> EventType {
        guard let open = text.lastIndex(of: "[") else { throw EventTypeError("unbalanced ']' in '\(text)'") }
        let inner = SchemaText.trimmingWhitespace(text[text.index(after: open)..<text.index(before: text.endIndex)])
        let element = SchemaText.trimmingWhitespace(text[..<open])
        guard !element.isEmpty else { throw EventTypeError("missing element type before '[' in '\(text)'") }
        let elementType = try parse(element)
        if inner.isEmpty { return .list(elementType) }
        guard let size = Int(inner), size > 0 else {
            throw EventTypeError(
                "an array size is a positive number, like INTEGER[3] (or INTEGER[] for a list); got '\(text)'")
        }
        throw EventTypeError(
            "\(element)[\(size)] is a fixed-size array, which DuckLake cannot store; use \(element)[] (a list)")
    }

    /// The comma-separated integers between the parentheses of `arguments`, or nil if any is not one.
    private static func integers(in arguments: Substring) -> [Int]? {
        let inner = arguments.dropFirst().dropLast()
        var numbers: [Int] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            guard let number = Int(SchemaText.trimmingWhitespace(part)) else { return nil }
            numbers.append(number)
        }
        return numbers
    }
}

extension Substring {
    /// The text without trailing spaces and tabs.
    fileprivate var trimmingSuffixWhitespace: Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" {
            end = index(before: end)
        }
        return self[startIndex..<end]
    }
}
