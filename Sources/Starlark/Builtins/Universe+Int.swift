import BigInt

/// The `int` builtin: conversion from bools, numbers and strings in bases 2 to 36.
extension Universe {
    /// `int(x, base?)`: truncates floats toward zero; parses strings, where `base=0` reads the
    /// `0b`/`0o`/`0x` prefix.
    static func builtinInt(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("int", ["x", "base?"])
        let x = bound[0] ?? .none
        if case .string(let text) = x {
            var base = 10
            if let baseValue = bound[1] {
                guard case .int(let given) = baseValue, Int32(exactly: given) != nil else {
                    throw StarlarkError("int: for base, got \(baseValue.typeName), want int")
                }
                guard given == 0 || (2...36).contains(given) else {
                    throw StarlarkError("int: base must be an integer >= 2 && <= 36")
                }
                base = given
            }
            guard let value = parseInt(text, base: base) else {
                throw StarlarkError("int: invalid literal with base \(base): \(text)")
            }
            return value
        }
        guard bound[1] == nil else { throw StarlarkError("int: can't convert non-string with explicit base") }
        switch x {
        case .bool(let b): return .int(b ? 1 : 0)
        case .int, .bigInt: return x
        case .float(let f): return try Universe.prefixed("int") { try truncate(f) }
        default: throw StarlarkError("int: cannot convert \(x.typeName) to int")
        }
    }

    /// A float truncated toward zero, as an exact int.
    static func truncate(_ value: Double) throws -> Value {
        if value.isNaN { throw StarlarkError("cannot convert float NaN to integer") }
        if value.isInfinite { throw StarlarkError("cannot convert float infinity to integer") }
        let whole = value.rounded(.towardZero)
        if let small = Int(exactly: whole) { return .int(small) }
        return .int(BigInt(whole))
    }

    /// Parses an int literal with an optional sign; nil when the text is not one.
    ///
    /// A `0b`/`0o`/`0x` prefix is read when `base` is 0 or matches it. With `base` 0, a number
    /// with a leading zero must be all zeros (`int("0755", 0)` is an error, as in Python 3).
    static func parseInt(_ text: String, base requestedBase: Int) -> Value? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var base = requestedBase
        let utf8 = Array(digits.utf8)
        if utf8.count > 1, utf8[0] == UInt8(ascii: "0") {
            var prefixBase = 0
            if utf8.count > 2 {
                switch utf8[1] | 0x20 {
                case UInt8(ascii: "o"): prefixBase = 8
                case UInt8(ascii: "x"): prefixBase = 16
                case UInt8(ascii: "b"): prefixBase = 2
                default: break
                }
            }
            if prefixBase != 0 {
                if base == 0 || base == prefixBase {
                    base = prefixBase
                    digits = digits.dropFirst(2)
                }
            } else if base == 0 {
                return utf8.allSatisfy { $0 == UInt8(ascii: "0") } ? .int(0) : nil
            }
        }
        if base == 0 { base = 10 }
        guard let magnitude = parseDigits(digits, base: base) else { return nil }
        return .int(negative ? -magnitude : magnitude)
    }

    /// The value of a non-empty run of digits in `base` (no sign, no underscores).
    private static func parseDigits(_ text: Substring, base: Int) -> BigInt? {
        guard !text.isEmpty else { return nil }
        var values: [Int] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            guard value < base else { return nil }
            values.append(value)
        }
        // Accumulate 12 digits at a time in a machine word: 36^12 < 2^63.
        var result = BigInt(0)
        var index = 0
        while index < values.count {
            let end = min(index + 12, values.count)
            var chunk = 0
            var scale = 1
            for value in values[index..<end] {
                chunk = chunk * base + value
                scale *= base
            }
            result = result * BigInt(scale) + BigInt(chunk)
            index = end
        }
        return result
    }
}
