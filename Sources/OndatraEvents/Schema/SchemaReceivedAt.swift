import Foundation

/// The time an event was received, formatted once per request for a `received_at` column.
struct SchemaReceivedAt {
    private let date: Date
    private var formatted: [UInt8]?

    /// A clock reading of `date`.
    init(_ date: Date) { self.date = date }

    /// `"YYYY-MM-DDTHH:MM:SS.ffffffZ"` (UTC, microseconds), quotes included.
    mutating func timestampJSON() -> [UInt8] {
        if let formatted { return formatted }
        let text = Self.iso8601(date)
        formatted = text
        return text
    }

    /// `"YYYY-MM-DD"` (the UTC date), quotes included.
    mutating func dateJSON() -> [UInt8] {
        let full = timestampJSON()
        return Array(full.prefix(11)) + [UInt8(ascii: "\"")]
    }

    /// `date` as a quoted ISO 8601 UTC timestamp with microseconds.
    static func iso8601(_ date: Date) -> [UInt8] {
        // Clamp to years 1…9999 so the arithmetic below cannot overflow (a collector passes `Date()`).
        var seconds = date.timeIntervalSince1970
        if !seconds.isFinite { seconds = 0 }
        seconds = min(max(seconds, -62_135_596_800), 253_402_300_799)
        let micros = Int64((seconds * 1_000_000).rounded())
        let microsPerDay: Int64 = 86_400_000_000
        var days = micros / microsPerDay
        var inDay = micros % microsPerDay
        if inDay < 0 {
            inDay += microsPerDay
            days -= 1
        }
        let (year, month, day) = civil(fromDays: Int(days))
        let secondOfDay = Int(inDay / 1_000_000)
        var out: [UInt8] = []
        out.reserveCapacity(29)
        // Byte by byte: this runs for every single-event request.
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        out.append(UInt8(ascii: "\""))
        digits(year, 4)
        out.append(UInt8(ascii: "-"))
        digits(month, 2)
        out.append(UInt8(ascii: "-"))
        digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        out.append(UInt8(ascii: "."))
        digits(Int(inDay % 1_000_000), 6)
        out.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
        return out
    }

    /// The proleptic Gregorian date `days` after 1970-01-01, counted in 400-year cycles (146097 days)
    /// from a year that starts in March, so the leap day falls at the end of its year.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days from 0000-03-01
        let cycle = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfCycle = shifted - cycle * 146_097
        let yearOfCycle = (dayOfCycle - dayOfCycle / 1460 + dayOfCycle / 36524 - dayOfCycle / 146_096) / 365
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
