/// Makes the macros that config files create temporary: they live as long as the session.
///
/// Config files run at the start of every session, after the catalog is attached and selected
/// with `USE`. A plain `CREATE MACRO cents(…)` would be stored in the DuckLake catalog, and the
/// next session's `CREATE MACRO` would fail with "already exists". DuckDB only creates a macro in
/// its session-local `temp` catalog when the statement says `TEMP` (it refuses `USE temp`), so a
/// `CREATE [OR REPLACE] MACRO|FUNCTION name` is run as `CREATE [OR REPLACE] TEMP MACRO|FUNCTION name`.
///
/// Unqualified names find `temp` first, before the catalog: the built-in checks (temporary too)
/// are replaced by `CREATE OR REPLACE MACRO not_null(…)`, and a macro an older version stored in
/// the catalog is hidden by the config file's current definition. A qualified name
/// (`CREATE MACRO lake.main.x`) says where the macro goes and is left as written.
enum SessionMacros {
    /// `statement` with `TEMP` added when it creates an unqualified macro without it.
    static func temporary(_ statement: String) -> String {
        var scanner = HeadScanner(statement.unicodeScalars)
        guard scanner.keyword() == "create" else { return statement }
        var keyword = scanner.keyword()
        if keyword == "or" {
            guard scanner.keyword() == "replace" else { return statement }
            keyword = scanner.keyword()
        }
        guard keyword == "macro" || keyword == "function", let kindStart = scanner.lastWordStart else {
            return statement
        }
        // `IF NOT EXISTS` may come before the name.
        var probe = scanner
        if probe.keyword() == "if", probe.keyword() == "not", probe.keyword() == "exists" { scanner = probe }
        guard scanner.skipName(), !scanner.startsQualifiedName else { return statement }
        var output = String.UnicodeScalarView(statement.unicodeScalars[..<kindStart])
        output.append(contentsOf: "TEMP ".unicodeScalars)
        output.append(contentsOf: statement.unicodeScalars[kindStart...])
        return String(output)
    }

    /// Whether `statement` creates something that lives only as long as its connection
    /// (`CREATE [OR REPLACE] TEMP|TEMPORARY …`).
    static func isTemporary(_ statement: String) -> Bool {
        var scanner = HeadScanner(statement.unicodeScalars)
        guard scanner.keyword() == "create" else { return false }
        var keyword = scanner.keyword()
        if keyword == "or" {
            guard scanner.keyword() == "replace" else { return false }
            keyword = scanner.keyword()
        }
        return keyword == "temp" || keyword == "temporary"
    }

    /// Reads the words at the start of a statement, skipping white space and comments.
    private struct HeadScanner {
        let scalars: String.UnicodeScalarView
        var index: String.UnicodeScalarView.Index
        /// Where the word ``keyword()`` read last starts.
        var lastWordStart: String.UnicodeScalarView.Index?

        init(_ scalars: String.UnicodeScalarView) {
            self.scalars = scalars
            index = scalars.startIndex
        }

        private var current: Unicode.Scalar? { index < scalars.endIndex ? scalars[index] : nil }

        private var next: Unicode.Scalar? {
            let after = scalars.index(after: index)
            return after < scalars.endIndex ? scalars[after] : nil
        }

        private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }

        mutating func skipSpaceAndComments() {
            while let scalar = current {
                if scalar.properties.isWhitespace {
                    index = scalars.index(after: index)
                } else if scalar == "-", next == "-" {
                    while let inside = current, inside != "\n" { index = scalars.index(after: index) }
                } else if scalar == "/", next == "*" {
                    index = scalars.index(index, offsetBy: 2)
                    while let inside = current, !(inside == "*" && next == "/") { index = scalars.index(after: index) }
                    if current != nil { index = scalars.index(index, offsetBy: 2) }
                } else {
                    return
                }
            }
        }

        /// The next bare word, lower-cased, or nil when something else comes next.
        mutating func keyword() -> String? {
            skipSpaceAndComments()
            let start = index
            while let scalar = current, Self.isWordScalar(scalar) { index = scalars.index(after: index) }
            guard start < index else { return nil }
            lastWordStart = start
            return String(String.UnicodeScalarView(scalars[start..<index])).lowercased()
        }

        /// Skips one name part: a bare word or a `"quoted"` identifier. False when there is none.
        mutating func skipName() -> Bool {
            skipSpaceAndComments()
            if current == "\"" {
                index = scalars.index(after: index)
                while let scalar = current {
                    index = scalars.index(after: index)
                    if scalar == "\"" {
                        guard current == "\"" else { return true }
                        index = scalars.index(after: index)
                    }
                }
                return false
            }
            return keyword() != nil
        }

        /// Whether a `.` follows, making the name just read a schema or catalog.
        var startsQualifiedName: Bool {
            var copy = self
            copy.skipSpaceAndComments()
            return copy.current == "."
        }
    }
}
