/// Byte-level text helpers: Starlark strings are indexed by UTF-8 byte, so searching, splitting
/// and slicing work on the UTF-8 bytes rather than on Swift's grapheme clusters.
enum ByteText {
    /// A string made of `bytes` (a valid UTF-8 slice of a string, or replacement characters if not).
    @inline(__always)
    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        UTF8Text.decode(bytes)
    }

    /// The first offset in `start..<end` where `needle` occurs wholly inside that range.
    static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0, to end: Int? = nil) -> Int? {
        let end = end ?? haystack.count
        let length = needle.count
        guard length > 0 else { return start <= end ? start : nil }
        guard end - start >= length else { return nil }
        let first = needle[0]
        var i = start
        let last = end - length
        while i <= last {
            if haystack[i] == first, matches(needle, in: haystack, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// The last offset in `start..<end` where `needle` occurs wholly inside that range.
    static func lastIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0, to end: Int? = nil) -> Int? {
        let end = end ?? haystack.count
        let length = needle.count
        guard length > 0 else { return start <= end ? end : nil }
        guard end - start >= length else { return nil }
        let first = needle[0]
        var i = end - length
        while i >= start {
            if haystack[i] == first, matches(needle, in: haystack, at: i) { return i }
            i -= 1
        }
        return nil
    }

    /// Whether `needle` occurs in `haystack` at `offset` (which must leave room for it).
    @inline(__always)
    static func matches(_ needle: [UInt8], in haystack: [UInt8], at offset: Int) -> Bool {
        var j = 0
        while j < needle.count {
            if haystack[offset + j] != needle[j] { return false }
            j += 1
        }
        return true
    }

    /// Non-overlapping occurrences of a non-empty `needle`, left to right, at most `limit` (nil: all).
    static func occurrences(of needle: [UInt8], in haystack: [UInt8], limit: Int? = nil) -> [Int] {
        var result: [Int] = []
        var from = 0
        while limit.map({ result.count < $0 }) ?? true,
            let found = firstIndex(of: needle, in: haystack, from: from)
        {
            result.append(found)
            from = found + needle.count
        }
        return result
    }

    /// Decodes the scalar starting at `offset` in valid UTF-8, with its length in bytes.
    static func scalar(in bytes: [UInt8], at offset: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[offset]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard lead >= 0x80 else { return (Unicode.Scalar(lead), 1) }
        guard offset + length <= bytes.count else { return ("\u{FFFD}", 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length { value = value << 6 | UInt32(bytes[offset + k] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// The start of the scalar that ends just before `offset` in valid UTF-8.
    static func scalarStart(in bytes: [UInt8], before offset: Int) -> Int {
        var start = offset - 1
        // Continuation bytes look like 10xxxxxx; at most three precede the lead byte.
        while start > 0, offset - start < 4, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return start
    }

    /// Go's `unicode.IsSpace`: the Unicode White_Space property (which covers Go's Latin-1 list).
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            return scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }
}
