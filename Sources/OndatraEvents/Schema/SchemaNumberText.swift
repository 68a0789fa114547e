/// A decimal number read from text without rounding: `±digits × 10^exponent`, with the digits free of
/// leading and trailing zeros (no digits means zero). Reads JSON numbers and the numeric strings
/// DuckDB casts (surrounding whitespace, a `+`, `.5`, `5.`).
struct SchemaNumberText {
    /// Whether a minus sign was written (also for zero).
    var negative = false
    /// The significant digits, ASCII.
    var digits: [UInt8] = []
    /// The power of ten the digits are scaled by.
    var exponent = 0

    /// Exponents are clamped to this magnitude: far beyond any type's range, and safe from overflow.
    private static let exponentClamp = 1_000_000_000

    /// Whether the value is zero.
    var isZero: Bool { digits.isEmpty }

    /// Reads `text`: `[ws][+|-](digits[.digits*]|.digits)[(e|E)[+|-]digits][ws]`; nil if it is not that.
    /// Whitespace is what DuckDB trims: space, tab, line feed, vertical tab, form feed, carriage return.
    init?(_ text: UnsafeBufferPointer<UInt8>) {
        var index = 0
        var end = text.count
        while index < end, Self.isSpace(text[index]) { index += 1 }
        while end > index, Self.isSpace(text[end - 1]) { end -= 1 }
        guard index < end else { return nil }
        if text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var sawDigit = false
        var fractionDigits = 0
        var sawPoint = false
        digits.reserveCapacity(end - index)
        while index < end {
            let byte = text[index]
            if byte &- UInt8(ascii: "0") < 10 {
                sawDigit = true
                // Leading zeros carry no value.
                if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
                if sawPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return nil }
        var exponentValue = 0
        if index < end, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < end, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < end, text[index] &- UInt8(ascii: "0") < 10 else { return nil }
            while index < end, text[index] &- UInt8(ascii: "0") < 10 {
                exponentValue = min(exponentValue * 10 + Int(text[index] &- UInt8(ascii: "0")), Self.exponentClamp)
                index += 1
            }
            if exponentNegative { exponentValue = -exponentValue }
        }
        guard index == end else { return nil }
        // Zeros after the point that were dropped as leading zeros still count as fraction digits.
        exponent = exponentValue - fractionDigits
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { exponent = 0 }
    }

    /// DuckDB's whitespace for casts from text.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// The value's integer digits when it is a whole number with at most `maximumDigits` digits:
    /// `.success(digits)` (`"0"` for zero), `.failure(true)` when it has a fraction, `.failure(false)`
    /// when it has more digits.
    func wholeDigits(maximumDigits: Int) -> Result<[UInt8], SchemaNumberFailure> {
        if isZero { return .success([UInt8(ascii: "0")]) }
        guard exponent >= 0 else { return .failure(.fraction) }
        guard digits.count + exponent <= maximumDigits else { return .failure(.tooLarge) }
        return .success(digits + [UInt8](repeating: UInt8(ascii: "0"), count: exponent))
    }

    /// The value rounded half away from zero to `scale` fraction digits, written as DuckDB's
    /// DECIMAL(precision, scale) text (`-12.340`); `.failure(.tooLarge)` when it needs more than
    /// `precision - scale` integer digits (after rounding).
    func decimalText(precision: Int, scale: Int) -> Result<String, SchemaNumberFailure> {
        // The value times 10^scale, rounded: the digits shifted by `shift` places.
        let shift = exponent + scale
        var unscaled: [UInt8]
        if isZero {
            unscaled = []
        } else if shift >= 0 {
            guard digits.count + shift <= precision else { return .failure(.tooLarge) }
            unscaled = digits + [UInt8](repeating: UInt8(ascii: "0"), count: shift)
        } else {
            let kept = digits.count + shift  // digits left of the rounding point
            if kept < 0 {
                unscaled = []
            } else {
                unscaled = Array(digits[..<kept])
                if digits[kept] >= UInt8(ascii: "5") { Self.increment(&unscaled) }
            }
        }
        if let first = unscaled.firstIndex(where: { $0 != UInt8(ascii: "0") }) {
            unscaled.removeFirst(first)
        } else {
            unscaled = []
        }
        guard unscaled.count <= precision else { return .failure(.tooLarge) }
        // Pad so there is at least one digit before the point.
        while unscaled.count < scale + 1 { unscaled.insert(UInt8(ascii: "0"), at: 0) }
        var text = negative && unscaled.contains(where: { $0 != UInt8(ascii: "0") }) ? "-" : ""
        text += String(decoding: unscaled[..<(unscaled.count - scale)], as: UTF8.self)
        if scale > 0 { text += "." + String(decoding: unscaled[(unscaled.count - scale)...], as: UTF8.self) }
        return .success(text)
    }

    /// Adds one to the decimal digits (a carry past the first digit adds a digit).
    private static func increment(_ digits: inout [UInt8]) {
        var index = digits.count - 1
        while index >= 0 {
            if digits[index] == UInt8(ascii: "9") {
                digits[index] = UInt8(ascii: "0")
                index -= 1
            } else {
                digits[index] += 1
                return
            }
        }
        digits.insert(UInt8(ascii: "1"), at: 0)
    }
}
