extension StringMethods {
    /// `split(sep?, maxsplit?)` and `rsplit(sep?, maxsplit?)`.
    ///
    /// Without a separator the string splits on runs of whitespace and empty fields are dropped;
    /// with one, every occurrence cuts (keeping empty fields). `maxsplit` limits the cuts, counted
    /// from the left for `split` and from the right for `rsplit`.
    static func split(_ name: String, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional(name, arguments, min: 0, max: 2)
        var maxSplit = -1
        if let given = MethodArguments.optional(args, 1), !given.isNone {
            maxSplit = try MethodArguments.int(name, given, 1)
        }
        let parts: [ArraySlice<UInt8>]
        switch MethodArguments.optional(args, 0) ?? .none {
        case .none:
            if maxSplit < 0 || name == "split" {
                parts = splitOnSpace(bytes, maxSplit: maxSplit)
            } else {
                parts = rsplitOnSpace(bytes, maxSplit: maxSplit)
            }
        case .string(let separator):
            // starlark-go says "split" here for rsplit too.
            if separator.isEmpty { throw StarlarkError("split: empty separator") }
            let needle = Array(separator.utf8)
            var cuts: [Int]
            if name == "split" {
                cuts = ByteText.occurrences(of: needle, in: bytes, limit: maxSplit < 0 ? nil : maxSplit)
            } else {
                // Cuts are found left to right (as Go's strings.Split does) and only the last ones kept.
                cuts = ByteText.occurrences(of: needle, in: bytes)
                if maxSplit >= 0, cuts.count > maxSplit { cuts.removeFirst(cuts.count - maxSplit) }
            }
            var pieces: [ArraySlice<UInt8>] = []
            pieces.reserveCapacity(cuts.count + 1)
            var previous = 0
            for cut in cuts {
                pieces.append(bytes[previous..<cut])
                previous = cut + needle.count
            }
            pieces.append(bytes[previous...])
            parts = pieces
        case let other:
            throw StarlarkError("split: got \(other.typeName) for separator, want string")
        }
        return .list(StarlarkList(parts.map { .string(ByteText.string($0)) }))
    }

    /// Fields separated by whitespace, left to right; after `maxSplit` fields (if not negative) the
    /// rest of the string, from the next field's start, is the last field.
    private static func splitOnSpace(_ bytes: [UInt8], maxSplit: Int) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var fieldStart = -1
        var offset = 0
        while offset < bytes.count {
            let (scalar, length) = ByteText.scalar(in: bytes, at: offset)
            if ByteText.isSpace(scalar) {
                if fieldStart >= 0 {
                    if result.count == maxSplit { break }
                    result.append(bytes[fieldStart..<offset])
                    fieldStart = -1
                }
            } else if fieldStart < 0 {
                fieldStart = offset
            }
            offset += length
        }
        if fieldStart >= 0 { result.append(bytes[fieldStart...]) }
        return result
    }

    /// The mirror image of ``splitOnSpace(_:maxSplit:)``, counting fields from the right.
    private static func rsplitOnSpace(_ bytes: [UInt8], maxSplit: Int) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var fieldEnd = -1
        var offset = bytes.count
        while offset > 0 {
            let start = ByteText.scalarStart(in: bytes, before: offset)
            if ByteText.isSpace(ByteText.scalar(in: bytes, at: start).0) {
                if fieldEnd >= 0 {
                    if result.count == maxSplit { break }
                    result.append(bytes[offset..<fieldEnd])
                    fieldEnd = -1
                }
            } else if fieldEnd < 0 {
                fieldEnd = offset
            }
            offset = start
        }
        if fieldEnd >= 0 { result.append(bytes[..<fieldEnd]) }
        return result.reversed()
    }

    /// `splitlines(keepends?)`: the lines of S split at "\n", with no empty last line.
    static func splitLines(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional("splitlines", arguments, min: 0, max: 1)
        var keepEnds = false
        if let given = MethodArguments.optional(args, 0) { keepEnds = try MethodArguments.bool("splitlines", given, 0) }
        var lines: [Value] = []
        var lineStart = 0
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(.string(ByteText.string(bytes[lineStart..<(keepEnds ? offset + 1 : offset)])))
            lineStart = offset + 1
        }
        if lineStart < bytes.count { lines.append(.string(ByteText.string(bytes[lineStart...]))) }
        return .list(StarlarkList(lines))
    }
}
