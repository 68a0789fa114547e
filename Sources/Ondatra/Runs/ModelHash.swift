import Crypto
import Foundation

/// The fingerprint of everything that decides how a model is built: its normalized SQL (or
/// Starlark), the directives that affect materialization, and every file under `config/`.
/// A change of any of them makes the next run a backfill.
public enum ModelHash {
    /// The hex SHA-256 of the model's inputs.
    public static func of(_ model: Model, configText: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(normalize(model.body, language: model.language).utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(model.directives.hashedText.utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(configText.utf8))
        return hasher.finalize().hexString
    }

    /// The text of every config file, in run order, for ``of(_:configText:)``.
    public static func configText(_ project: Project) throws -> String {
        try ConfigFiles(project: project).files.map { file in
            file.relativePath + "\n"
                + LineEndings.normalized(
                    (try? String(contentsOf: project.url(file.relativePath), encoding: .utf8)) ?? "")
        }.joined(separator: "\n\0")
    }

    /// SQL with comments removed, whitespace runs folded to one space and letters lower-cased,
    /// except inside quoted strings and identifiers. Starlark is kept as written, minus trailing space.
    /// Line endings do not count (`\r\n` and `\r` read as `\n`).
    static func normalize(_ text: String, language: Model.Language) -> String {
        let text = LineEndings.normalized(text)
        guard language == .sql else {
            return text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
                .joined(separator: "\n")
        }
        var output = ""
        var characters = Array(text)[...]
        var pendingSpace = false
        while let character = characters.first {
            let next = characters.dropFirst().first
            if character == "-" && next == "-" {
                while let c = characters.first, c != "\n" { characters = characters.dropFirst() }
                pendingSpace = true
                continue
            }
            if character == "/" && next == "*" {
                characters = characters.dropFirst(2)
                while !characters.isEmpty && !(characters.first == "*" && characters.dropFirst().first == "/") {
                    characters = characters.dropFirst()
                }
                characters = characters.dropFirst(2)
                pendingSpace = true
                continue
            }
            if character.isWhitespace {
                pendingSpace = true
                characters = characters.dropFirst()
                continue
            }
            if pendingSpace && !output.isEmpty { output.append(" ") }
            pendingSpace = false
            if character == "'" || character == "\"" {
                // Quoted text keeps its case and spacing; a doubled quote stays inside.
                output.append(character)
                characters = characters.dropFirst()
                while let c = characters.first {
                    output.append(c)
                    characters = characters.dropFirst()
                    if c == character {
                        if characters.first == character {
                            output.append(character)
                            characters = characters.dropFirst()
                            continue
                        }
                        break
                    }
                }
                continue
            }
            output.append(contentsOf: character.lowercased())
            characters = characters.dropFirst()
        }
        return output
    }
}

extension Sequence where Element == UInt8 {
    /// The bytes as lower-case hex: digests in commit metadata, hashes in scripts.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
