import DuckDB

/// `@constraint`, `@audit` and `@warning` checks.
///
/// A check is a DuckDB table macro whose first parameter is a table name and which returns the
/// rows that violate it; `not_null(email)` in a header calls `not_null('<table>', 'email')` (bare
/// column names become strings). The built-ins below are created at session start; a project adds
/// its own (or replaces these) in `config/macros/*.sql` with `CREATE OR REPLACE TEMP MACRO`.
public enum ModelChecks {
    /// The built-in checks.
    public static let builtins = """
        CREATE OR REPLACE TEMP MACRO not_null(t, col) AS TABLE
            SELECT * FROM query_table(t) WHERE COLUMNS(col) IS NULL;
        CREATE OR REPLACE TEMP MACRO "unique"(t, col) AS TABLE
            SELECT COLUMNS(col), count(*) AS duplicates FROM query_table(t) GROUP BY ALL HAVING count(*) > 1;
        CREATE OR REPLACE TEMP MACRO accepted_values(t, col, allowed) AS TABLE
            SELECT * FROM query_table(t) WHERE COLUMNS(col) IS NOT NULL AND NOT list_contains(allowed, COLUMNS(col)::VARCHAR);
        CREATE OR REPLACE TEMP MACRO in_list(t, col, allowed) AS TABLE
            SELECT * FROM query_table(t) WHERE COLUMNS(col) IS NOT NULL AND NOT list_contains(allowed, COLUMNS(col)::VARCHAR);
        CREATE OR REPLACE TEMP MACRO compare(t, col, op, val) AS TABLE
            SELECT * FROM query_table(t) WHERE NOT coalesce(CASE op
                WHEN '>' THEN COLUMNS(col) > val WHEN '>=' THEN COLUMNS(col) >= val
                WHEN '<' THEN COLUMNS(col) < val WHEN '<=' THEN COLUMNS(col) <= val
                WHEN '=' THEN COLUMNS(col) = val WHEN '!=' THEN COLUMNS(col) != val END, false);
        CREATE OR REPLACE TEMP MACRO row_count(t, op, val) AS TABLE
            SELECT n FROM (SELECT count(*) AS n FROM query_table(t)) WHERE NOT CASE op
                WHEN '>' THEN n > val WHEN '>=' THEN n >= val WHEN '<' THEN n < val
                WHEN '<=' THEN n <= val WHEN '=' THEN n = val WHEN '!=' THEN n != val END;
        CREATE OR REPLACE TEMP MACRO relationships(t, col, parent, parent_col) AS TABLE
            SELECT * FROM query_table(t) WHERE COLUMNS(col) IS NOT NULL AND COLUMNS(col)::VARCHAR NOT IN (
                SELECT COLUMNS(parent_col)::VARCHAR FROM query_table(parent) WHERE COLUMNS(parent_col) IS NOT NULL);
        CREATE OR REPLACE TEMP MACRO freshness(t, col, max_age) AS TABLE
            SELECT newest FROM (SELECT max(COLUMNS(col)) AS newest FROM query_table(t))
            WHERE newest IS NULL OR newest < now() - CAST(max_age AS INTERVAL);
        """

    /// Checks whose trailing arguments are a list of values: `accepted_values(status, 'a', 'b')`.
    static let listTakingChecks: Set<String> = ["accepted_values", "in_list"]

    /// The SQL counting the rows that violate `check` in `table`.
    /// - Throws: ``OndatraError`` naming the line when the call is not `name(args)`.
    static func countQuery(_ check: Directives.Check, table: String, file: String) throws -> String {
        "SELECT count(*) FROM \(try call(check, table: table, file: file))"
    }

    /// The check's macro call on `table`, a table expression of the violating rows.
    static func call(_ check: Directives.Check, table: String, file: String) throws -> String {
        guard let open = check.call.firstIndex(of: "("), check.call.hasSuffix(")") else {
            throw OndatraError(.project, "a check is a macro call, e.g. not_null(id)", file: file, line: check.line)
        }
        let name = check.call[..<open].trimmingCharacters(in: .whitespaces)
        let inside = check.call[check.call.index(after: open)..<check.call.index(before: check.call.endIndex)]
        var arguments = splitArguments(String(inside)).map { argument in
            ModelParser.isPlainIdentifier(argument) || qualifiedName(argument) != nil
                ? SQLLiteral.quote(argument) : argument
        }
        if listTakingChecks.contains(name.lowercased()), arguments.count > 1 {
            arguments = [arguments[0], "[" + arguments.dropFirst().joined(separator: ", ") + "]"]
        }
        return SQLLiteral.identifier(name) + "(" + ([SQLLiteral.quote(table)] + arguments).joined(separator: ", ")
            + ")"
    }

    /// The tables a check names as arguments, written `schema.table` or `'schema.table'`: the
    /// models among them must be built before the check runs.
    static func namedModels(_ check: Directives.Check) -> [Target] {
        guard let open = check.call.firstIndex(of: "("), check.call.hasSuffix(")") else { return [] }
        let inside = check.call[check.call.index(after: open)..<check.call.index(before: check.call.endIndex)]
        return splitArguments(String(inside)).compactMap { argument in
            let unquoted =
                argument.count > 2 && argument.hasPrefix("'") && argument.hasSuffix("'")
                ? String(argument.dropFirst().dropLast()) : argument
            return qualifiedName(unquoted)
        }
    }

    /// `schema.table` when `text` is two plain identifiers joined by a dot.
    static func qualifiedName(_ text: String) -> Target? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, parts.allSatisfy(ModelParser.isPlainIdentifier) else { return nil }
        return Target(schema: parts[0], table: parts[1])
    }

    /// A few of the rows a failing check returned, for its message: up to five rows, each as
    /// `column=value` pairs (the first four columns; strings quoted, long values clipped).
    static func sample(_ sql: String, session: Session) -> String {
        guard let result = try? session.connection.query(sql + " LIMIT 5"), let rows = try? result.allRows(),
            !rows.isEmpty
        else { return "" }
        let names = result.columnNames
        let shown = rows.map { row in
            let pairs = zip(names, row).prefix(4).map { "\($0)=\(Self.shown($1))" }.joined(separator: ", ")
            return names.count > 4 ? pairs + ", …" : pairs
        }
        return shown.count == 1 ? shown[0] : shown.map { "(\($0))" }.joined(separator: ", ")
    }

    /// `value` as a message shows it: strings quoted, NULL as NULL, at most 40 characters.
    static func shown(_ value: Value) -> String {
        let text = value.string.map { "'\($0)'" } ?? value.description
        return text.count > 40 ? String(text.prefix(39)) + "…" : text
    }

    /// Splits `a, 'b,c', f(d, e)` at top-level commas.
    static func splitArguments(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if "([{".contains(character) {
                depth += 1
            } else if ")]}".contains(character) {
                depth -= 1
            } else if character == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { parts.append(last) }
        return parts
    }

    /// Runs checks against `table`; returns one message per failing check.
    static func failures(_ checks: [Directives.Check], table: String, session: Session, file: String) throws -> [String]
    {
        var messages: [String] = []
        for check in checks {
            let violating = try call(check, table: table, file: file)
            let sql = "SELECT count(*) FROM \(violating)"
            let violations: Int64
            do {
                violations = try session.connection.scalar(sql)?.int64 ?? 0
            } catch let error as DuckDBError {
                throw OndatraError(
                    .query, "\(check.call) could not run: \(Session.oneLine(error.message))", file: file,
                    line: check.line)
            }
            if violations > 0 {
                let examples = sample("SELECT * FROM \(violating)", session: session)
                messages.append(
                    "\(check.call) failed: \(violations) row(s) violate it (\(file):\(check.line))"
                        + (examples.isEmpty ? "" : "; for example \(examples)"))
            }
        }
        return messages
    }
}
