import Foundation

/// Reads a `.env` file: `KEY=value` lines, optional `export `, `#` comments, single or double quotes.
///
/// Double-quoted values understand `\n`, `\t`, `\"` and `\\`; single-quoted values are literal;
/// unquoted values end at ` #`. Lines that are not assignments are errors naming the line. Lines may
/// end in `\n`, `\r\n` or `\r` (see ``LineEndings``).
public enum DotEnv {
    /// Parses the text of a `.env` file.
    /// - Parameter file: the name used in error messages.
    public static func parse(_ text: String, file: String = ".env") throws -> [String: String] {
        var values: [String: String] = [:]
        let lines = LineEndings.normalized(text).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)[...]
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else {
                throw OndatraError(.config, "expected KEY=value", file: file, line: index + 1)
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard isValidName(key) else {
                throw OndatraError(
                    .config, "'\(key)' is not a valid variable name (letters, digits and _, not starting with a digit)",
                    file: file, line: index + 1)
            }
            values[key] = try value(
                of: line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces),
                file: file, line: index + 1)
        }
        return values
    }

    /// Loads `.env` from `directory` when it exists (an absent file is an empty set).
    public static func load(from directory: URL) throws -> [String: String] {
        let url = directory.appending(path: ".env")
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        do {
            return try parse(String(contentsOf: url, encoding: .utf8))
        } catch let error as OndatraError {
            throw error
        } catch {
            throw OndatraError(.io, "could not read: \(error.localizedDescription)", file: ".env")
        }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }

    private static func value(of raw: String, file: String, line: Int) throws -> String {
        guard let quote = raw.first, quote == "\"" || quote == "'" else {
            // Unquoted: an inline comment starts at " #".
            if let comment = raw.range(of: " #") {
                return raw[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            return raw
        }
        var output = ""
        var iterator = raw.dropFirst().makeIterator()
        while let character = iterator.next() {
            if character == quote { return output }
            if quote == "\"", character == "\\", let escaped = iterator.next() {
                switch escaped {
                case "n": output.append("\n")
                case "t": output.append("\t")
                case "r": output.append("\r")
                default: output.append(escaped)
                }
            } else {
                output.append(character)
            }
        }
        throw OndatraError(.config, "unterminated \(quote) quote", file: file, line: line)
    }
}
