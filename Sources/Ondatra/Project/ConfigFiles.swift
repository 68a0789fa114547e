import Foundation

/// The SQL files under `config/` that set up a session, in the order they run.
///
/// Settings, secrets and extensions come before the catalog is attached; macros, variables and
/// sources after it, so they can refer to the catalog.
public struct ConfigFiles: Sendable {
    /// One file to run.
    public struct File: Sendable, Hashable {
        /// Path relative to the project root, e.g. `config/catalog.sql`.
        public let relativePath: String
        /// Whether this is the catalog file that attaches DuckLake.
        public let isCatalog: Bool

        /// Whether every statement of the file sets up one connection (settings, macros,
        /// variables), so it runs again on each further connection of the project's database.
        public var isPerConnection: Bool {
            relativePath == "config/settings.sql" || relativePath.hasPrefix("config/macros/")
                || relativePath.hasPrefix("config/variables/")
        }
    }

    /// The files that exist, in run order.
    public let files: [File]

    /// Lists the config files of `project`.
    public init(project: Project) throws {
        let manager = FileManager.default
        func existing(_ path: String) -> [File] {
            manager.fileExists(atPath: project.url(path).path)
                ? [File(relativePath: path, isCatalog: path == Project.markerPath)] : []
        }
        func folder(_ path: String) throws -> [File] {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: project.url(path).path, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                return []
            }
            return try manager.contentsOfDirectory(atPath: project.url(path).path)
                .filter { $0.hasSuffix(".sql") }
                .sorted()
                .map { File(relativePath: "\(path)/\($0)", isCatalog: false) }
        }
        files =
            existing("config/settings.sql") + existing("config/secrets.sql") + existing("config/extensions.sql")
            + existing(Project.markerPath) + (try folder("config/macros")) + (try folder("config/variables"))
            + existing("config/sources.sql")
    }
}

/// Expands `${NAME}` references in configuration SQL from a set of variables.
///
/// A value pasted inside a `'…'` string literal has its `'` doubled, and inside a `"…"` identifier
/// its `"`, so a folder named `it's here` stays one literal. Outside quotes a value is pasted as it
/// is and becomes SQL (a number, a keyword); inside `$tag$…$tag$` it is pasted as it is too.
/// References inside SQL comments are left alone.
public struct VariableExpander: Sendable {
    /// The variables available to `${NAME}`.
    public let variables: [String: String]

    /// Where a reference stands in the SQL, which decides how its value is pasted.
    public enum Context: Sendable, Hashable {
        /// Outside quotes: the value is pasted as SQL.
        case code
        /// Inside a `'…'` string literal: `'` is doubled.
        case string
        /// Inside a `"…"` quoted identifier: `"` is doubled.
        case identifier
        /// Inside a `$tag$…$tag$` string: pasted as it is.
        case dollarQuoted
    }

    /// One `${NAME}` that was expanded.
    public struct Reference: Sendable, Hashable {
        /// The variable's name.
        public let name: String
        /// The 1-based line of the file it is on.
        public let line: Int
        /// Where it stands.
        public let context: Context
    }

    /// Expanded text and the references that were expanded in it.
    public struct Expansion: Sendable {
        /// The text with every reference replaced.
        public let text: String
        /// The references, in order.
        public let references: [Reference]
    }

    /// Creates an expander.
    public init(variables: [String: String]) { self.variables = variables }

    /// `text` with every `${NAME}` replaced (see ``expansion(of:file:firstLine:)``).
    public func expand(_ text: String, file: String) throws -> String {
        try expansion(of: text, file: file).text
    }

    /// `text` with every `${NAME}` replaced, except inside SQL comments (commented-out lines may
    /// name variables that are not set), and the references found. Lines may end in `\n`, `\r\n`
    /// or `\r`; the result has `\n`.
    /// - Parameter firstLine: the line of the file `text` starts on, for error messages.
    /// - Throws: ``OndatraError`` naming the file, line and variable when a variable is not set
    ///   or a reference is not closed.
    public func expansion(of text: String, file: String, firstLine: Int = 1) throws -> Expansion {
        guard text.contains("${") else { return Expansion(text: LineEndings.normalized(text), references: []) }
        enum State { case code, quoted(Unicode.Scalar), dollarQuoted([Unicode.Scalar]), lineComment, blockComment }
        let scalars = Array(LineEndings.normalized(text).unicodeScalars)
        var state = State.code
        var output = String.UnicodeScalarView()
        var references: [Reference] = []
        var line = firstLine
        var index = 0
        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let next = at(1)
            var context: Context?
            switch state {
            case .code where scalar == "-" && next == "-": state = .lineComment
            case .code where scalar == "/" && next == "*":
                output.append(contentsOf: "/*".unicodeScalars)
                index += 2
                state = .blockComment
                continue
            case .code where scalar == "'" || scalar == "\"": state = .quoted(scalar)
            case .code where scalar == "$" && next != "{":
                if let tag = Self.dollarTag(scalars, at: index) {
                    output.append(contentsOf: tag)
                    index += tag.count
                    state = .dollarQuoted(tag)
                    continue
                }
            case .code: context = .code
            case .quoted(let quote) where scalar == quote: state = .code
            case .quoted(let quote): context = quote == "'" ? .string : .identifier
            case .dollarQuoted(let tag) where scalar == "$" && scalars[index...].starts(with: tag):
                output.append(contentsOf: tag)
                index += tag.count
                state = .code
                continue
            case .dollarQuoted: context = .dollarQuoted
            case .lineComment where scalar == "\n": state = .code
            case .blockComment where scalar == "*" && next == "/":
                output.append(contentsOf: "*/".unicodeScalars)
                index += 2
                state = .code
                continue
            case .lineComment, .blockComment: break
            }
            if let context, scalar == "$", next == "{" {
                index += 2
                guard let close = scalars[index...].firstIndex(of: "}") else {
                    throw OndatraError(.config, "unclosed ${ (write ${NAME})", file: file, line: line)
                }
                var name = String.UnicodeScalarView()
                name.append(contentsOf: scalars[index..<close])
                let value = try value(of: String(name), file: file, line: line)
                output.append(contentsOf: Self.pasted(value, in: context).unicodeScalars)
                references.append(Reference(name: String(name), line: line, context: context))
                index = close + 1
                continue
            }
            if scalar == "\n" { line += 1 }
            output.append(scalar)
            index += 1
        }
        return Expansion(text: String(output), references: references)
    }

    /// `value` as it is pasted in `context`.
    static func pasted(_ value: String, in context: Context) -> String {
        switch context {
        case .string: value.replacingOccurrences(of: "'", with: "''")
        case .identifier: value.replacingOccurrences(of: "\"", with: "\"\"")
        case .code, .dollarQuoted: value
        }
    }

    /// The `$tag$` (or `$$`) that opens a dollar-quoted string at `index`, as DuckDB reads one;
    /// nil for a `$` that opens none (a `$1` parameter).
    private static func dollarTag(_ scalars: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var end = index + 1
        while end < scalars.count, scalars[end] != "$" {
            let scalar = scalars[end]
            let isTag =
                scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || (end > index + 1 && ("0"..."9").contains(scalar))
            guard isTag else { return nil }
            end += 1
        }
        return end < scalars.count ? Array(scalars[index...end]) : nil
    }

    private func value(of name: String, file: String, line: Int) throws -> String {
        guard DotEnv.isValidName(name) else {
            throw OndatraError(
                .config, "'${\(name)}' is not a valid variable reference (write ${NAME})", file: file, line: line)
        }
        guard let value = variables[name] else {
            throw OndatraError(
                .config, "${\(name)} is not set: define it in .env or the environment", file: file, line: line)
        }
        return value
    }
}
