/// Reads UUID text the way DuckDB casts it (no whitespace trimmed).
enum SchemaUUIDText {
    /// The canonical lower-case `8-4-4-4-12` form of `text`, or nil when it is not a UUID.
    ///
    /// Accepted: 32 hex digits, either with hyphens at the standard places or with none, optionally in
    /// braces.
    static func canonical(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var start = 0
        var end = text.count
        if end >= 2, text[0] == UInt8(ascii: "{"), text[end - 1] == UInt8(ascii: "}") {
            start = 1
            end -= 1
        }
        let length = end - start
        guard length == 36 || length == 32 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(36)
        var index = start
        while index < end {
            let byte = text[index]
            if byte == UInt8(ascii: "-") {
                // Hyphens only where the 36-character form puts them.
                guard length == 36, [8, 13, 18, 23].contains(index - start) else { return nil }
                out.append(byte)
            } else {
                guard let value = SchemaHex.value(byte) else { return nil }
                if length == 36, [8, 13, 18, 23].contains(index - start) { return nil }
                out.append(SchemaJSONWriter.hexDigit(value))
                if length == 32, [7, 11, 15, 19].contains(index - start) { out.append(UInt8(ascii: "-")) }
            }
            index += 1
        }
        return out
    }
}
