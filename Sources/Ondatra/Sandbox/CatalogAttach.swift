import DuckDB

/// The `ATTACH` of a DuckLake catalog in `config/catalog.sql`, read closely enough to point it
/// somewhere else: `sandbox` attaches a copy of the catalog's metadata with a scratch data path.
///
/// Understands `ATTACH [DATABASE] [IF NOT EXISTS] 'ducklake:…' [AS name] [(options)]` and the
/// `TYPE ducklake` option form; comments and quoted text are skipped, `''` in a literal is a quote.
struct CatalogAttach: Equatable {
    /// Where a catalog keeps its metadata.
    enum Metadata: Equatable {
        /// An SQLite file (`ducklake:sqlite:PATH`).
        case sqlite(path: String)
        /// A DuckDB file (`ducklake:PATH` or `ducklake:duckdb:PATH`).
        case duckdb(path: String)
        /// A PostgreSQL database (`ducklake:postgres:CONNECTION`), with libpq's connection string.
        case postgres(connection: String)
        /// Another database server or service (`ducklake:mysql:…`, `ducklake:md:…`), named by its prefix.
        case server(String)
    }

    /// The catalog's metadata store.
    let metadata: Metadata
    /// The `DATA_PATH` option's value, if given.
    let dataPath: String?
    /// Whether the statement says `IF NOT EXISTS`.
    private let ifNotExists: Bool
    /// `AS name` as written, or nil.
    private let alias: String?
    /// Each option other than the data path ones, as written (`METADATA_SCHEMA 'x'`).
    private let otherOptions: [String]
    /// Whether the location carries no `ducklake:` prefix (the `TYPE ducklake` form).
    private let typeOption: Bool

    /// Reads `statement`; nil when it is not an `ATTACH` of a DuckLake catalog.
    init?(statement: String) {
        let tokens = Self.tokens(statement)
        var index = 0
        func word(_ expected: String) -> Bool {
            guard index < tokens.count, case .word(let text) = tokens[index].kind,
                text.lowercased() == expected
            else { return false }
            index += 1
            return true
        }
        guard word("attach") else { return nil }
        _ = word("database")
        var ifNotExists = false
        if word("if") {
            guard word("not"), word("exists") else { return nil }
            ifNotExists = true
        }
        guard index < tokens.count, case .literal(let location) = tokens[index].kind else { return nil }
        index += 1
        var alias: String?
        if word("as"), index < tokens.count {
            alias = tokens[index].text
            index += 1
        }
        var options: [(key: String, value: String?, text: String)] = []
        if index < tokens.count, tokens[index].kind == .symbol("(") {
            index += 1
            var current: [Token] = []
            func close() {
                guard let first = current.first else { return }
                let value: String? =
                    current.dropFirst().first.flatMap { token in
                        if case .literal(let text) = token.kind { return text }
                        return token.text
                    }
                options.append((first.text.lowercased(), value, current.map(\.text).joined(separator: " ")))
                current = []
            }
            while index < tokens.count, tokens[index].kind != .symbol(")") {
                if tokens[index].kind == .symbol(",") { close() } else { current.append(tokens[index]) }
                index += 1
            }
            close()
        }
        let typeOption = options.contains { $0.key == "type" && $0.value?.lowercased() == "ducklake" }
        let lowered = location.lowercased()
        var rest: Substring
        if lowered.hasPrefix("ducklake:") {
            rest = location.dropFirst("ducklake:".count)
        } else if typeOption {
            rest = location[...]
        } else {
            return nil
        }
        let restLowered = rest.lowercased()
        if restLowered.hasPrefix("sqlite:") {
            metadata = .sqlite(path: String(rest.dropFirst("sqlite:".count)))
        } else if restLowered.hasPrefix("duckdb:") {
            metadata = .duckdb(path: String(rest.dropFirst("duckdb:".count)))
        } else if restLowered.hasPrefix("postgres:") {
            metadata = .postgres(connection: String(rest.dropFirst("postgres:".count)))
        } else if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy({ $0.isLetter }),
            rest.distance(from: rest.startIndex, to: colon) > 1
        {
            metadata = .server(String(rest[..<colon]).lowercased())
        } else {
            metadata = .duckdb(path: String(rest))
        }
        dataPath = options.first { $0.key == "data_path" }?.value
        self.ifNotExists = ifNotExists
        self.alias = alias
        self.typeOption = typeOption
        otherOptions = options.filter { !["data_path", "override_data_path", "read_only"].contains($0.key) }.map(
            \.text)
    }

    /// The statement attaching the catalog whose metadata is at `location` (what follows
    /// `ducklake:`, such as `sqlite:/path` or `postgres:dbname=…`), with its data files under
    /// `dataPath`, under the same name and with the same other options. `OVERRIDE_DATA_PATH`
    /// makes DuckLake use `dataPath` over the one the copied metadata recorded.
    func redirected(location: String, dataPath: String) -> String {
        let options =
            otherOptions + ["DATA_PATH \(SQLLiteral.quote(dataPath))", "OVERRIDE_DATA_PATH true"]
        return "ATTACH " + (ifNotExists ? "IF NOT EXISTS " : "")
            + SQLLiteral.quote((typeOption ? "" : "ducklake:") + location)
            + (alias.map { " AS \($0)" } ?? "") + " (" + options.joined(separator: ", ") + ")"
    }

    // MARK: - Tokens

    private struct Token: Equatable {
        enum Kind: Equatable {
            /// A keyword, a bare name or a number.
            case word(String)
            /// A `'…'` string's value, quotes undone.
            case literal(String)
            /// Any other character, such as `(`, `,` or `)`.
            case symbol(Character)
        }
        let kind: Kind
        /// The token as written.
        let text: String
    }

    /// `statement` as tokens, with comments and white space left out.
    private static func tokens(_ statement: String) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(statement)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if character == "/", index + 1 < characters.count, characters[index + 1] == "*" {
                index += 2
                while index + 1 < characters.count, !(characters[index] == "*" && characters[index + 1] == "/") {
                    index += 1
                }
                index = min(index + 2, characters.count)
            } else if character == "'" || character == "\"" {
                let start = index
                var value = ""
                index += 1
                while index < characters.count {
                    if characters[index] == character {
                        if index + 1 < characters.count, characters[index + 1] == character {
                            value.append(character)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                let text = String(characters[start..<index])
                tokens.append(Token(kind: character == "'" ? .literal(value) : .word(text), text: text))
            } else if character.isLetter || character.isNumber || character == "_" || character == "." {
                let start = index
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                        || characters[index] == "."
                {
                    index += 1
                }
                let text = String(characters[start..<index])
                tokens.append(Token(kind: .word(text), text: text))
            } else {
                tokens.append(Token(kind: .symbol(character), text: String(character)))
                index += 1
            }
        }
        return tokens
    }
}
