/// Go's duration text: `Duration.String` (`1h2m3.5s`, `1.5µs`) and `time.ParseDuration`.
public enum DurationText {
    /// The text Go's `Duration.String` gives for a number of nanoseconds.
    static func format(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        if magnitude < 1_000 { return sign + "\(magnitude)ns" }
        if magnitude < 1_000_000 { return sign + decimal(magnitude, fractionDigits: 3) + "µs" }
        if magnitude < 1_000_000_000 { return sign + decimal(magnitude, fractionDigits: 6) + "ms" }
        let seconds = decimal(magnitude % 60_000_000_000, fractionDigits: 9) + "s"
        let totalMinutes = magnitude / 60_000_000_000
        if totalMinutes == 0 { return sign + seconds }
        let minutes = "\(totalMinutes % 60)m"
        let hours = totalMinutes / 60
        return sign + (hours > 0 ? "\(hours)h" : "") + minutes + seconds
    }

    /// `value / 10^fractionDigits` with the fraction's trailing zeros (and a bare point) dropped.
    private static func decimal(_ value: UInt64, fractionDigits: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        var fraction = String(value % scale)
        fraction = String(repeating: "0", count: fractionDigits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(value / scale)" + (fraction.isEmpty ? "" : "." + fraction)
    }

    private static let units: [String: UInt64] = [
        "ns": 1, "us": 1_000, "\u{B5}s": 1_000, "\u{3BC}s": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
        "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    /// Parses a duration such as `"300ms"`, `"-1.5h"` or `"2h45m"`, as Go's `time.ParseDuration`.
    /// - Returns: the duration in nanoseconds.
    /// - Throws: ``StarlarkError`` naming the text when it is not a duration or does not fit.
    public static func parse(_ original: String) throws -> Int64 {
        let invalid = StarlarkError("time: invalid duration \(TimeParsing.quote(original))")
        var text = Substring(original).utf8[...]
        var negative = false
        if let first = text.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            text = text.dropFirst()
        }
        if text.elementsEqual("0".utf8) { return 0 }
        if text.isEmpty { throw invalid }
        let limit: UInt64 = 1 << 63
        var total: UInt64 = 0
        while let first = text.first {
            guard first == UInt8(ascii: ".") || isDigit(first) else { throw invalid }
            // The integer part.
            let integerDigits = text.prefix(while: isDigit)
            text = text.dropFirst(integerDigits.count)
            var whole: UInt64 = 0
            for digit in integerDigits {
                guard whole <= limit / 10 else { throw invalid }
                whole = whole * 10 + UInt64(digit - UInt8(ascii: "0"))
                guard whole <= limit else { throw invalid }
            }
            // The fraction: digits beyond what fits are ignored.
            var fraction: UInt64 = 0
            var scale: Double = 1
            var fractionDigits = 0
            if text.first == UInt8(ascii: ".") {
                text = text.dropFirst()
                let digits = text.prefix(while: isDigit)
                text = text.dropFirst(digits.count)
                fractionDigits = digits.count
                var overflow = false
                for digit in digits where !overflow {
                    let next = fraction.multipliedReportingOverflow(by: 10)
                    if fraction > (limit - 1) / 10 || next.overflow || next.partialValue + UInt64(digit - 48) > limit {
                        overflow = true
                        continue
                    }
                    fraction = next.partialValue + UInt64(digit - UInt8(ascii: "0"))
                    scale *= 10
                }
            }
            if integerDigits.isEmpty && fractionDigits == 0 { throw invalid }
            // The unit.
            let unitBytes = text.prefix { $0 != UInt8(ascii: ".") && !isDigit($0) }
            if unitBytes.isEmpty {
                throw StarlarkError("time: missing unit in duration \(TimeParsing.quote(original))")
            }
            text = text.dropFirst(unitBytes.count)
            let unitName = String(decoding: unitBytes, as: UTF8.self)
            guard let unit = units[unitName] else {
                throw StarlarkError(
                    "time: unknown unit \(TimeParsing.quote(unitName)) in duration \(TimeParsing.quote(original))")
            }
            guard whole <= limit / unit else { throw invalid }
            var value = whole * unit
            if fraction > 0 {
                value += UInt64(Double(fraction) * (Double(unit) / scale))
                guard value <= limit else { throw invalid }
            }
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow, sum <= limit else { throw invalid }
            total = sum
        }
        if negative { return total == limit ? Int64.min : -Int64(total) }
        guard total < limit else { throw invalid }
        return Int64(total)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
