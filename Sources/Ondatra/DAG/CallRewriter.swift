import Foundation

/// Finds a table function call in SQL text (`name(arg, …)` at a parser-given offset), splits its
/// arguments, and replaces it with a table name: how `FROM countries_fetch('EU')` becomes a read
/// of the temporary table the lib function filled.
public enum CallRewriter {
    /// One call as written.
    public struct Call: Sendable, Equatable {
        /// The byte range of `name(…)` in the SQL.
        public let range: Range<Int>
        /// Each argument's SQL text, trimmed.
        public let arguments: [String]
    }

    /// The call starting at byte `location`, or nil when the text there is not `name(…)`.
    public static func call(in sql: String, at location: Int) -> Call? {
        let bytes = Array(sql.utf8)
        guard location >= 0, location < bytes.count else { return nil }
        var index = location
        // The (possibly quoted, possibly qualified) name.
        while index < bytes.count, bytes[index] != UInt8(ascii: "(") {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += 1 }
            } else if !(isIdentifierByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: " ")) {
                return nil
            }
            index += 1
        }
        guard index < bytes.count else { return nil }
        var depth = 0
        var arguments: [String] = []
        var argumentStart = index + 1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // Quotes are doubled to escape them, so skipping to the next quote and going on works.
                index += 1
                while index < bytes.count, bytes[index] != byte { index += 1 }
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index = endOfBlockComment(bytes, from: index)
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    let last = text(bytes, argumentStart..<index)
                    if !last.isEmpty || !arguments.isEmpty { arguments.append(last) }
                    return Call(range: location..<(index + 1), arguments: arguments)
                }
            case UInt8(ascii: ",") where depth == 1:
                arguments.append(text(bytes, argumentStart..<index))
                argumentStart = index + 1
            default: break
            }
            index += 1
        }
        return nil
    }

    /// `sql` with each call's range replaced by its table name (ranges must not overlap).
    public static func replacing(_ sql: String, _ replacements: [(range: Range<Int>, table: String)]) -> String {
        var bytes = Array(sql.utf8)
        for (range, table) in replacements.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            bytes.replaceSubrange(range, with: Array(table.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The index of the `/` closing the block comment that opens at `start` (comments nest, as in
    /// DuckDB), or the end of the text.
    private static func endOfBlockComment(_ bytes: [UInt8], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") {
                depth -= 1
                index += 2
                if depth == 0 { return index - 1 }
            } else {
                index += 1
            }
        }
        return bytes.count - 1
    }

    private static func text(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `byte` can be part of an unquoted SQL identifier (UTF-8 continuation bytes included).
    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
            || byte >= 0x80
    }
}
