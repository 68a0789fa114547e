/// Line breaks in project files: `\n`, Windows' `\r\n` and a lone `\r` (classic Mac) all end a line.
///
/// Every scanner of project text (`.env`, `config/*.sql`, model files) reads it through
/// ``normalized(_:)`` first. Scanning for `"\n"` alone is not enough in Swift: `"\r\n"` is one
/// `Character`, so a `split(separator: "\n")` or `character == "\n"` misses every Windows line end.
/// A lone `\r` ends a line as it does for DuckDB's parser (a `--` comment ends at `\n` or `\r`).
public enum LineEndings {
    /// `text` with every `\r\n` and every lone `\r` replaced by `\n`.
    ///
    /// Line numbers of the result match what an editor shows for the original, and a model's hash
    /// does not change when its file is checked out with other line endings.
    public static func normalized(_ text: String) -> String {
        let carriageReturn = UInt8(ascii: "\r")
        let lineFeed = UInt8(ascii: "\n")
        guard text.utf8.contains(carriageReturn) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var afterCarriageReturn = false
        for byte in text.utf8 {
            if byte == lineFeed && afterCarriageReturn {
                afterCarriageReturn = false
                continue
            }
            afterCarriageReturn = byte == carriageReturn
            bytes.append(afterCarriageReturn ? lineFeed : byte)
        }
        // Only ASCII bytes were replaced, so the bytes are still valid UTF-8.
        return String(decoding: bytes, as: UTF8.self)
    }
}
