extension StringMethods {
    /// `lower()`: every code point mapped to lower case.
    static func lower(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("lower", arguments, min: 0, max: 0)
        // ASCII text maps the same under every rule set, and the standard library is fastest there.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return .string(text.lowercased()) }
        return .string(CaseMapping.map(text, CaseMapping.lower))
    }

    /// `upper()`: every code point mapped to upper case.
    static func upper(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("upper", arguments, min: 0, max: 0)
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return .string(text.uppercased()) }
        return .string(CaseMapping.map(text, CaseMapping.upper))
    }

    /// `capitalize()`: the first code point in title case, the rest in lower case.
    static func capitalize(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("capitalize", arguments, min: 0, max: 0)
        var result = String.UnicodeScalarView()
        for (index, scalar) in text.unicodeScalars.enumerated() {
            result.append(index == 0 ? CaseMapping.title(scalar) : CaseMapping.lower(scalar))
        }
        return .string(String(result))
    }

    /// `title()`: code points after an uncased one in title case, after a cased one in lower case.
    static func title(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("title", arguments, min: 0, max: 0)
        var result = String.UnicodeScalarView()
        var previousCased = false
        for scalar in text.unicodeScalars {
            let mapped = previousCased ? CaseMapping.lower(scalar) : CaseMapping.title(scalar)
            previousCased = CaseMapping.isCased(mapped)
            result.append(mapped)
        }
        return .string(String(result))
    }

    /// `islower()`: S has a cased code point and does not change in lower case.
    static func isLower(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("islower", arguments, min: 0, max: 0)
        return .bool(CaseMapping.hasCased(text) && CaseMapping.map(text, CaseMapping.lower) == text)
    }

    /// `isupper()`: S has a cased code point and does not change in upper case.
    static func isUpper(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("isupper", arguments, min: 0, max: 0)
        return .bool(CaseMapping.hasCased(text) && CaseMapping.map(text, CaseMapping.upper) == text)
    }

    /// `istitle()`: upper- and title-case letters follow only uncased code points, lower-case ones
    /// only cased ones, and there is at least one cased letter (Python's rule, as starlark-go has it).
    static func isTitle(_ receiver: Value, _ arguments: Arguments) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional("istitle", arguments, min: 0, max: 0)
        var cased = false
        var previousCased = false
        for scalar in text.unicodeScalars {
            let category = scalar.properties.generalCategory
            if ("A"..."Z").contains(scalar) || category == .titlecaseLetter {
                if previousCased { return .bool(false) }
                previousCased = true
                cased = true
            } else if category == .lowercaseLetter {
                if !previousCased { return .bool(false) }
                previousCased = true
                cased = true
            } else if category == .uppercaseLetter {
                return .bool(false)
            } else {
                previousCased = false
            }
        }
        return .bool(cased)
    }

    /// `isalnum`, `isalpha`, `isdigit`, `isspace`: S is not empty and every code point passes `test`.
    static func allScalars(
        _ name: String, _ receiver: Value, _ arguments: Arguments, _ test: (Unicode.Scalar) -> Bool
    ) throws -> Value {
        let text = try text(receiver)
        _ = try MethodArguments.positional(name, arguments, min: 0, max: 0)
        return .bool(!text.isEmpty && text.unicodeScalars.allSatisfy(test))
    }
}

/// Per-code-point case mapping like Go's `unicode.ToLower`/`ToUpper`/`ToTitle`: simple one-to-one
/// mappings only, so "ß".upper() stays "ß" (Swift's full mappings would give "SS").
enum CaseMapping {
    /// Lower case of one code point.
    static func lower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return ("A"..."Z").contains(scalar) ? Unicode.Scalar(UInt8(scalar.value) + 32) : scalar
        }
        if scalar == "\u{130}" { return "i" }  // İ: the full mapping adds a combining dot; the simple one does not.
        return single(scalar.properties.lowercaseMapping) ?? scalar
    }

    /// Upper case of one code point.
    static func upper(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) ? Unicode.Scalar(UInt8(scalar.value) - 32) : scalar
        }
        return single(scalar.properties.uppercaseMapping) ?? scalar
    }

    /// Title case of one code point.
    static func title(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII { return upper(scalar) }
        return single(scalar.properties.titlecaseMapping) ?? scalar
    }

    /// Whether the code point has case: ASCII letters, or any code point another case maps to or from.
    static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        return lower(scalar) != scalar || upper(scalar) != scalar || title(scalar) != scalar
    }

    /// Whether any code point of `text` has case.
    static func hasCased(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isCased)
    }

    /// `text` with every code point mapped; ASCII-only text takes a byte-wise fast path.
    static func map(_ text: String, _ transform: (Unicode.Scalar) -> Unicode.Scalar) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            let bytes = text.utf8.map { UInt8(transform(Unicode.Scalar($0)).value) }
            return String(decoding: bytes, as: UTF8.self)
        }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { result.append(transform(scalar)) }
        return String(result)
    }

    /// The mapping if it is exactly one code point.
    private static func single(_ mapping: String) -> Unicode.Scalar? {
        var scalars = mapping.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else { return nil }
        return first
    }
}

extension Unicode.Scalar.Properties {
    /// Go's `unicode.IsLetter`: general category L.
    var isGoLetter: Bool {
        switch generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// Go's `unicode.IsDigit`: general category Nd.
    var isGoDigit: Bool { generalCategory == .decimalNumber }
}
