/// The column declarations of an `events` model: the model body after its directives, one column
/// per line as `name TYPE [NOT NULL]` with an optional trailing comma.
public enum EventDeclarations {
    /// Words that start a constraint; an `events` column takes none but `NOT NULL`.
    static let constraintWords: Set<String> = [
        "PRIMARY", "UNIQUE", "DEFAULT", "CHECK", "REFERENCES", "COLLATE", "GENERATED", "NULL", "CONSTRAINT",
        "AS", "FOREIGN", "NOT",
    ]

    /// Parses the declarations in `body`.
    ///
    /// Blank lines and `--` comments (whole-line or trailing) are skipped; `\r\n` line ends and a
    /// leading UTF-8 byte-order mark are tolerated. Names are plain identifiers or double-quoted
    /// (`"page url"`, with `""` for a quote); types are whatever ``EventType/parse(_:)`` accepts.
    ///
    /// - Parameters:
    ///   - body: the text after the model's directives.
    ///   - file: the model file, for messages.
    ///   - firstLine: the line number, in `file`, of the body's first line.
    /// - Returns: the columns in declared order.
    /// - Throws: ``EventDeclarationError`` at the first line that is not a column declaration, or for
    ///   a column name declared twice (compared ignoring ASCII case, as DuckDB does), or when no
    ///   column is declared.
    public static func parse(_ body: String, file: String, firstLine: Int) throws(EventDeclarationError)
        -> [EventColumn]
    {
        var columns: [EventColumn] = []
        var seen: [String: Int] = [:]
        var text = Substring(body)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, line) in lines.enumerated() {
            let lineNumber = firstLine + offset
            func fail(_ message: String) -> EventDeclarationError {
                EventDeclarationError(file: file, line: lineNumber, message: message)
            }
            let tokens: [SchemaDeclarationLine.Token]
            switch SchemaDeclarationLine.tokens(of: line) {
            case .success(let found): tokens = found
            case .failure(let error): throw fail(error.message)
            }
            if tokens.isEmpty { continue }
            let column: EventColumn
            switch Self.column(from: tokens, line: lineNumber) {
            case .success(let found): column = found
            case .failure(let error): throw fail(error.message)
            }
            let key = SchemaText.asciiLowercased(column.name)
            if let first = seen[key] {
                throw fail(
                    "column '\(column.name)' is declared twice (first on line \(first)); names are compared "
                        + "ignoring case, so rename one")
            }
            seen[key] = lineNumber
            columns.append(column)
        }
        guard !columns.isEmpty else {
            throw EventDeclarationError(
                file: file, line: firstLine,
                message: "an events model declares at least one column; write one per line as `name TYPE [NOT NULL]`")
        }
        return columns
    }

    /// The column a line's tokens declare, or what is wrong with them.
    static func column(from tokens: [SchemaDeclarationLine.Token], line: Int) -> Result<EventColumn, EventTypeError> {
        var tokens = tokens[...]
        if tokens.first == .comma, tokens.count > 1 {
            return .failure(
                EventTypeError("a column line may end with ',' but not start with one; move it to the previous line"))
        }
        if tokens.last == .comma { tokens = tokens.dropLast() }
        if let comma = tokens.firstIndex(of: .comma) {
            let before = tokens[..<comma].map(\.text).joined(separator: " ")
            return .failure(EventTypeError("one column per line: put what follows `\(before),` on its own line"))
        }
        guard let first = tokens.first else {
            return .failure(EventTypeError("a lone ',' is not a column; write `name TYPE [NOT NULL]`"))
        }
        let name: String
        switch first {
        case .quoted(let quoted):
            guard !quoted.isEmpty else { return .failure(EventTypeError("a column name cannot be empty (\"\")")) }
            name = quoted
        case .word(let word):
            if let keyword = first.keyword, isTableConstraint(keyword, next: tokens.dropFirst().first) {
                return .failure(
                    EventTypeError(
                        "events columns take no constraints but NOT NULL (found \(keyword)); declare each column "
                            + "as `name TYPE [NOT NULL]`"))
            }
            guard let initial = word.first, !initial.isNumber, initial != "$" else {
                return .failure(
                    EventTypeError(
                        "a column name starts with a letter or '_'; write \"\(word)\" to use '\(word)' as is"))
            }
            name = word
        default:
            return .failure(
                EventTypeError(
                    "expected a column name, got '\(first.text)'; write `name TYPE [NOT NULL]`, one column per line"))
        }
        return typed(name: name, rest: tokens.dropFirst(), line: line)
    }

    /// The column named `name` whose type and options are `rest`.
    private static func typed(name: String, rest: ArraySlice<SchemaDeclarationLine.Token>, line: Int)
        -> Result<EventColumn, EventTypeError>
    {
        let shown = quotedIfNeeded(name)
        var rest = rest
        guard let typeWord = rest.first?.keyword, case .word(let written) = rest.first else {
            if let token = rest.first {
                return .failure(
                    EventTypeError("column '\(name)': expected a type, got '\(token.text)'; write `\(shown) VARCHAR`"))
            }
            return .failure(
                EventTypeError(
                    "column '\(name)' has no type; write `\(shown) VARCHAR` (or another DuckDB type), "
                        + "optionally followed by NOT NULL"))
        }
        if constraintWords.contains(typeWord) {
            return .failure(
                EventTypeError(
                    "column '\(name)' has no type before \(typeWord); write `\(shown) VARCHAR` (or another DuckDB "
                        + "type), optionally followed by NOT NULL"))
        }
        rest = rest.dropFirst()
        var typeText = written
        // Multi-word type names.
        func take(_ words: [String]) -> Bool {
            guard rest.count >= words.count, zip(rest, words).allSatisfy({ $0.0.keyword == $0.1 }) else { return false }
            typeText += " " + rest.prefix(words.count).map(\.text).joined(separator: " ")
            rest = rest.dropFirst(words.count)
            return true
        }
        switch typeWord {
        case "DOUBLE": _ = take(["PRECISION"])
        case "CHARACTER": _ = take(["VARYING"])
        case "TIMESTAMP", "TIME":
            if rest.first?.keyword == "WITH" || rest.first?.keyword == "WITHOUT" {
                let with = rest.first?.keyword ?? "WITH"
                guard take([with, "TIME", "ZONE"]) else {
                    return .failure(EventTypeError("column '\(name)': write \(typeWord) \(with) TIME ZONE"))
                }
            }
        default: break
        }
        if case .group(let group) = rest.first {
            typeText += group
            rest = rest.dropFirst()
        }
        while case .brackets(let brackets) = rest.first {
            typeText += brackets
            rest = rest.dropFirst()
        }
        if rest.first?.keyword == "ARRAY" {
            typeText += " ARRAY"
            rest = rest.dropFirst()
        }
        let type: EventType
        do {
            type = try EventType.parse(typeText)
        } catch {
            return .failure(EventTypeError("column '\(name)': \(error.message)"))
        }
        var notNull = false
        if rest.count >= 2, rest.first?.keyword == "NOT", rest.dropFirst().first?.keyword == "NULL" {
            notNull = true
            rest = rest.dropFirst(2)
        }
        if notNull, rest.count >= 2, rest.first?.keyword == "NOT", rest.dropFirst().first?.keyword == "NULL" {
            return .failure(
                EventTypeError("column '\(name)': NOT NULL given twice; write `\(shown) \(type.sqlName) NOT NULL`"))
        }
        if let extra = rest.first {
            let fix = "write `\(shown) \(type.sqlName)\(notNull ? " NOT NULL" : "")` (NOT NULL is optional)"
            if let keyword = extra.keyword, constraintWords.contains(keyword) {
                let found = rest.prefix(2).map(\.text).joined(separator: " ")
                return .failure(
                    EventTypeError(
                        "column '\(name)': events columns take no constraints but NOT NULL (found \(found)); \(fix)"))
            }
            return .failure(
                EventTypeError(
                    "column '\(name)': unexpected '\(extra.text)' after the type; \(fix), one column per line"))
        }
        return .success(EventColumn(name: name, type: type, notNull: notNull, line: line))
    }

    /// Whether a line starting with `keyword` is a table constraint (`PRIMARY KEY (…)`, `CHECK (…)`, …).
    private static func isTableConstraint(_ keyword: String, next: SchemaDeclarationLine.Token?) -> Bool {
        switch keyword {
        case "CONSTRAINT", "FOREIGN", "CHECK": return true
        case "PRIMARY", "UNIQUE":
            if case .group = next { return true }
            return next?.keyword == "KEY"
        default: return false
        }
    }

    /// `name` as it can be written in a declaration: bare when it is a plain identifier, else quoted.
    static func quotedIfNeeded(_ name: String) -> String {
        let plain =
            name.first.map { !$0.isNumber && $0 != "$" } ?? false
            && name.allSatisfy(SchemaDeclarationLine.isWordCharacter)
        return plain ? name : SchemaText.doubleQuoted(name)
    }
}
