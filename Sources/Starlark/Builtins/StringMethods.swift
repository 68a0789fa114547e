/// The methods of Starlark strings (`"a,b".split(",")`), following the spec and starlark-go.
///
/// Strings are indexed by UTF-8 byte, so offsets in arguments and results count bytes.
/// Case and character-class methods are in `StringMethods+Case.swift`, `format` in
/// `StringMethods+Format.swift`, splitting in `StringMethods+Split.swift`.
enum StringMethods {
    /// Every string method by name.
    static let table: [String: MethodBody] = [
        "capitalize": { _, r, a in try capitalize(r, a) },
        "codepoint_ords": { _, r, a in try view("codepoint_ords", r, a) { .object(StringCodepoints($0, ords: true)) } },
        "codepoints": { _, r, a in try view("codepoints", r, a) { .object(StringCodepoints($0, ords: false)) } },
        "count": { _, r, a in try count(r, a) },
        "elem_ords": { _, r, a in try view("elem_ords", r, a) { .object(StringElems($0, ords: true)) } },
        "elems": { _, r, a in try view("elems", r, a) { .object(StringElems($0, ords: false)) } },
        "endswith": { _, r, a in try startsOrEndsWith("endswith", r, a, suffix: true) },
        "find": { _, r, a in try find("find", r, a, last: false, mustFind: false) },
        "format": { _, r, a in try format(r, a) },
        "index": { _, r, a in try find("index", r, a, last: false, mustFind: true) },
        "isalnum": { _, r, a in try allScalars("isalnum", r, a) { $0.properties.isGoLetter || $0.properties.isGoDigit }
        },
        "isalpha": { _, r, a in try allScalars("isalpha", r, a) { $0.properties.isGoLetter } },
        "isdigit": { _, r, a in try allScalars("isdigit", r, a) { $0.properties.isGoDigit } },
        "islower": { _, r, a in try isLower(r, a) },
        "isspace": { _, r, a in try allScalars("isspace", r, a) { ByteText.isSpace($0) } },
        "istitle": { _, r, a in try isTitle(r, a) },
        "isupper": { _, r, a in try isUpper(r, a) },
        "join": { _, r, a in try join(r, a) },
        "lower": { _, r, a in try lower(r, a) },
        "lstrip": { _, r, a in try strip("lstrip", r, a, left: true, right: false) },
        "partition": { _, r, a in try partition("partition", r, a, last: false) },
        "removeprefix": { _, r, a in try removeAffix("removeprefix", r, a, prefix: true) },
        "removesuffix": { _, r, a in try removeAffix("removesuffix", r, a, prefix: false) },
        "replace": { _, r, a in try replace(r, a) },
        "rfind": { _, r, a in try find("rfind", r, a, last: true, mustFind: false) },
        "rindex": { _, r, a in try find("rindex", r, a, last: true, mustFind: true) },
        "rpartition": { _, r, a in try partition("rpartition", r, a, last: true) },
        "rsplit": { _, r, a in try split("rsplit", r, a) },
        "rstrip": { _, r, a in try strip("rstrip", r, a, left: false, right: true) },
        "split": { _, r, a in try split("split", r, a) },
        "splitlines": { _, r, a in try splitLines(r, a) },
        "startswith": { _, r, a in try startsOrEndsWith("startswith", r, a, suffix: false) },
        "strip": { _, r, a in try strip("strip", r, a, left: true, right: true) },
        "title": { _, r, a in try title(r, a) },
        "upper": { _, r, a in try upper(r, a) },
    ]

    /// The receiver's text; the tables only ever bind string methods to strings.
    static func text(_ receiver: Value) throws -> String {
        guard case .string(let text) = receiver else {
            throw StarlarkError("string method called on \(receiver.typeName)")
        }
        return text
    }

    // MARK: Searching

    /// `count(sub, start?, end?)`: non-overlapping occurrences of `sub` in `S[start:end]`.
    static func count(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional("count", arguments, min: 1, max: 3)
        let needle = Array(try MethodArguments.string("count", args[0], 0).utf8)
        let (start, end) = try MethodArguments.indices(
            "count", MethodArguments.optional(args, 1), MethodArguments.optional(args, 2), count: bytes.count)
        let slice = start < end ? Array(bytes[start..<end]) : []
        if needle.isEmpty {
            // Like Go's strings.Count: one more than the number of code points.
            return .int(slice.reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 })
        }
        return .int(ByteText.occurrences(of: needle, in: slice).count)
    }

    /// `find`, `rfind`, `index` and `rindex`: the byte offset of `sub` in `S[start:end]`.
    static func find(_ name: String, _ receiver: Value, _ arguments: Arguments, last: Bool, mustFind: Bool) throws
        -> Value
    {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional(name, arguments, min: 1, max: 3)
        let needle = Array(try MethodArguments.string(name, args[0], 0).utf8)
        let (start, end) = try MethodArguments.indices(
            name, MethodArguments.optional(args, 1), MethodArguments.optional(args, 2), count: bytes.count)
        let upper = max(start, end)
        let found =
            last
            ? ByteText.lastIndex(of: needle, in: bytes, from: start, to: upper)
            : ByteText.firstIndex(of: needle, in: bytes, from: start, to: upper)
        if let found { return .int(found) }
        if mustFind { throw StarlarkError("\(name): substring not found") }
        return .int(-1)
    }

    /// `startswith` and `endswith`: whether `S[start:end]` begins (ends) with a string or any of a tuple's.
    static func startsOrEndsWith(_ name: String, _ receiver: Value, _ arguments: Arguments, suffix: Bool) throws
        -> Value
    {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional(name, arguments, min: 1, max: 3)
        let (start, end) = try MethodArguments.indices(
            name, MethodArguments.optional(args, 1), MethodArguments.optional(args, 2), count: bytes.count)
        let slice = bytes[start..<max(start, end)]
        func test(_ affix: String) -> Bool {
            let affix = Array(affix.utf8)
            guard affix.count <= slice.count else { return false }
            return suffix
                ? slice.suffix(affix.count).elementsEqual(affix) : slice.prefix(affix.count).elementsEqual(affix)
        }
        switch args[0] {
        case .string(let affix): return .bool(test(affix))
        case .tuple(let items):
            for (index, item) in items.enumerated() {
                guard case .string(let affix) = item else {
                    throw StarlarkError("\(name): want string, got \(item.typeName), for element \(index)")
                }
                if test(affix) { return .bool(true) }
            }
            return .bool(false)
        default:
            throw StarlarkError("\(name): got \(args[0].typeName), want string or tuple of string")
        }
    }

    // MARK: Building strings

    /// `join(iterable)`: the strings of `iterable` with S between them.
    static func join(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let separator = try text(receiver)
        let args = try MethodArguments.positional("join", arguments, min: 1, max: 1)
        guard Operators.isIterable(args[0]) else {
            throw StarlarkError("join: for parameter 1: got \(args[0].typeName), want iterable")
        }
        var result = ""
        var first = true
        try Operators.iterate(args[0]) { element in
            guard case .string(let piece) = element else {
                throw StarlarkError("join: in list, want string, got \(element.typeName)")
            }
            if !first { result += separator }
            first = false
            result += piece
            return true
        }
        return .string(result)
    }

    /// `replace(old, new, count?)`: S with the first `count` (all, if negative) occurrences of `old` replaced.
    static func replace(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let original = try text(receiver)
        let args = try MethodArguments.positional("replace", arguments, min: 2, max: 3)
        let old = Array(try MethodArguments.string("replace", args[0], 0).utf8)
        let new = Array(try MethodArguments.string("replace", args[1], 1).utf8)
        var limit = -1
        if let given = MethodArguments.optional(args, 2) { limit = try MethodArguments.int("replace", given, 2) }
        let bytes = Array(original.utf8)
        if limit == 0 || old == new { return receiver }
        var cuts: [Int]
        if old.isEmpty {
            // An empty `old` matches before every code point and at the end, as in Go.
            cuts = []
            var offset = 0
            while offset <= bytes.count, limit < 0 || cuts.count < limit {
                cuts.append(offset)
                if offset == bytes.count { break }
                offset += ByteText.scalar(in: bytes, at: offset).1
            }
        } else {
            cuts = ByteText.occurrences(of: old, in: bytes, limit: limit < 0 ? nil : limit)
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + cuts.count * (new.count - old.count))
        var previous = 0
        for cut in cuts {
            result += bytes[previous..<cut]
            result += new
            previous = cut + old.count
        }
        result += bytes[previous...]
        return .string(String(decoding: result, as: UTF8.self))
    }

    /// `strip`, `lstrip` and `rstrip`: S without leading/trailing whitespace, or code points in `chars`.
    static func strip(_ name: String, _ receiver: Value, _ arguments: Arguments, left: Bool, right: Bool) throws
        -> Value
    {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional(name, arguments, min: 0, max: 1)
        var shouldStrip: (Unicode.Scalar) -> Bool = ByteText.isSpace
        if let given = MethodArguments.optional(args, 0), !given.isNone {
            let chars = try MethodArguments.string(name, given, 0)
            if !chars.isEmpty {
                let set = Set(chars.unicodeScalars)
                shouldStrip = { set.contains($0) }
            }
        }
        var start = 0
        var end = bytes.count
        if left {
            while start < end {
                let (scalar, length) = ByteText.scalar(in: bytes, at: start)
                guard shouldStrip(scalar) else { break }
                start += length
            }
        }
        if right {
            while end > start {
                let scalarStart = ByteText.scalarStart(in: bytes, before: end)
                guard shouldStrip(ByteText.scalar(in: bytes, at: scalarStart).0) else { break }
                end = scalarStart
            }
        }
        if start == 0, end == bytes.count { return receiver }
        return .string(ByteText.string(bytes[start..<end]))
    }

    /// `partition(sep)` and `rpartition(sep)`: the parts before, at and after the first (last) `sep`.
    static func partition(_ name: String, _ receiver: Value, _ arguments: Arguments, last: Bool) throws -> Value {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional(name, arguments, min: 1, max: 1)
        let separator = try MethodArguments.string(name, args[0], 0)
        let needle = Array(separator.utf8)
        if needle.isEmpty { throw StarlarkError("\(name): empty separator") }
        let found =
            last ? ByteText.lastIndex(of: needle, in: bytes) : ByteText.firstIndex(of: needle, in: bytes)
        guard let found else {
            return last ? .tuple([.string(""), .string(""), receiver]) : .tuple([receiver, .string(""), .string("")])
        }
        return .tuple([
            .string(ByteText.string(bytes[..<found])), .string(separator),
            .string(ByteText.string(bytes[(found + needle.count)...])),
        ])
    }

    /// `removeprefix(x)` and `removesuffix(x)`: S without `x` at its start (end), if it is there.
    static func removeAffix(_ name: String, _ receiver: Value, _ arguments: Arguments, prefix: Bool) throws -> Value {
        let bytes = Array(try text(receiver).utf8)
        let args = try MethodArguments.positional(name, arguments, min: 1, max: 1)
        let affix = Array(try MethodArguments.string(name, args[0], 0).utf8)
        guard !affix.isEmpty, affix.count <= bytes.count else { return receiver }
        if prefix, bytes.prefix(affix.count).elementsEqual(affix) {
            return .string(ByteText.string(bytes[affix.count...]))
        }
        if !prefix, bytes.suffix(affix.count).elementsEqual(affix) {
            return .string(ByteText.string(bytes[..<(bytes.count - affix.count)]))
        }
        return receiver
    }

    // MARK: Iterables

    /// `elems`, `elem_ords`, `codepoints` and `codepoint_ords`: iterable views of S.
    static func view(_ name: String, _ receiver: Value, _ arguments: Arguments, _ make: (String) -> Value) throws
        -> Value
    {
        let text = try text(receiver)
        _ = try MethodArguments.positional(name, arguments, min: 0, max: 0)
        return make(text)
    }
}
