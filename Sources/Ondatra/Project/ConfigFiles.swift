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
public struct VariableExpander: Sendable {
    /// The variables available to `${NAME}`.
    public let variables: [String: String]

    /// Creates an expander.
    public init(variables: [String: String]) { self.variables = variables }

    /// `text` with every `${NAME}` replaced, except inside SQL comments (commented-out lines may
    /// name variables that are not set).
    /// - Throws: ``OndatraError`` naming the file, line and variable when a variable is not set
    ///   or a reference is not closed.
    public func expand(_ text: String, file: String) throws -> String {
        guard text.contains("${") else { return text }
        let text = LineEndings.normalized(text)
        enum State { case code, quoted(Character), lineComment, blockComment }
        var state = State.code
        var output = ""
        var line = 1
        var characters = Array(text)[...]
        while let character = characters.first {
            let next = characters.dropFirst().first
            switch state {
            case .code where character == "-" && next == "-": state = .lineComment
            case .code where character == "/" && next == "*": state = .blockComment
            case .code where character == "'" || character == "\"": state = .quoted(character)
            case .quoted(let quote) where character == quote: state = .code
            case .lineComment where character == "\n": state = .code
            case .blockComment where character == "*" && next == "/":
                output += "*/"
                characters = characters.dropFirst(2)
                state = .code
                continue
            case .code, .quoted:
                if character == "$" && next == "{" {
                    characters = characters.dropFirst(2)
                    guard let close = characters.firstIndex(of: "}") else {
                        throw OndatraError(.config, "unclosed ${ (write ${NAME})", file: file, line: line)
                    }
                    output += try value(of: String(characters[..<close]), file: file, line: line)
                    characters = characters[characters.index(after: close)...]
                    continue
                }
            default: break
            }
            if character == "\n" { line += 1 }
            output.append(character)
            characters = characters.dropFirst()
        }
        return output
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
