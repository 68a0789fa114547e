/// Reads date and time text the way an events column takes it: ISO 8601, into a ``SchemaTemporal``
/// that ``SchemaTemporal`` then writes back in one canonical form per column type.
///
/// Accepted (after DuckDB's whitespace trim): `YYYY-MM-DD`; `HH:MM[:SS[.fraction]]` (hours 00-23,
/// or `24:00:00` meaning the end of the day, as DuckDB allows); a timestamp is a date, optionally
/// followed by `T` or a space and a time, optionally followed by `Z` or an offset `±HH`, `±HHMM` or
/// `±HH:MM` (up to 23:59). Days are checked against the month, leap years included.
enum SchemaTemporalText {
    /// Why a text is not the date or time expected.
    struct Failure: Error {
        /// The reason, for the message's parentheses.
        let reason: String

        init(_ reason: String) { self.reason = reason }
    }

    /// A date, or a date-time (DuckDB keeps its date part whatever the time and offset).
    static func date(_ text: UnsafeBufferPointer<UInt8>) throws(Failure) -> SchemaTemporal {
        try dateTime(text, format: "expected YYYY-MM-DD")
    }

    /// A timestamp: a date (midnight), or a date and time, with an optional offset.
    static func timestamp(_ text: UnsafeBufferPointer<UInt8>) throws(Failure) -> SchemaTemporal {
        try dateTime(text, format: "expected ISO 8601 like 2024-01-31T12:00:00Z")
    }

    /// A time of day with an optional offset.
    static func time(_ text: UnsafeBufferPointer<UInt8>) throws(Failure) -> SchemaTemporal {
        var value = SchemaTemporal()
        var index = 0
        try time(text, &index, into: &value)
        try offset(text, &index, into: &value)
        return value
    }

    /// `YYYY-MM-DD`, then optionally `T` or a space, a time and an offset.
    private static func dateTime(_ text: UnsafeBufferPointer<UInt8>, format: String) throws(Failure)
        -> SchemaTemporal
    {
        var value = SchemaTemporal()
        var index = 0
        try date(text, &index, into: &value)
        if index == text.count { return value }
        guard text[index] == UInt8(ascii: "T") || text[index] == UInt8(ascii: " ") else { throw Failure(format) }
        index += 1
        try time(text, &index, into: &value)
        try offset(text, &index, into: &value)
        return value
    }

    /// Reads `YYYY-MM-DD` at `index`.
    private static func date(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, into value: inout SchemaTemporal)
        throws(Failure)
    {
        guard let year = digits(text, &index, count: 4), separator(text, &index, "-"),
            let month = digits(text, &index, count: 2), separator(text, &index, "-"),
            let day = digits(text, &index, count: 2)
        else { throw Failure("expected YYYY-MM-DD") }
        guard (1...12).contains(month) else { throw Failure("month \(month) does not exist") }
        let last = daysIn(month: month, year: year)
        guard (1...last).contains(day) else {
            if month == 2 && day == 29 { throw Failure("\(pad(year, 4)) is not a leap year") }
            throw Failure("\(pad(year, 4))-\(pad(month, 2)) has no day \(day)")
        }
        (value.year, value.month, value.day) = (year, month, day)
    }

    /// Reads `HH:MM[:SS[.fraction]]` at `index`.
    private static func time(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, into value: inout SchemaTemporal)
        throws(Failure)
    {
        let format = Failure("expected a time HH:MM[:SS[.ffffff]]")
        guard let hour = digits(text, &index, count: 2), separator(text, &index, ":"),
            let minute = digits(text, &index, count: 2)
        else { throw format }
        var second = 0
        var fractionIsZero = true
        if separator(text, &index, ":") {
            guard let given = digits(text, &index, count: 2) else { throw format }
            second = given
            if separator(text, &index, ".") {
                let start = index
                while index < text.count, text[index] &- UInt8(ascii: "0") < 10 {
                    if text[index] != UInt8(ascii: "0") { fractionIsZero = false }
                    index += 1
                }
                guard index > start else { throw format }
                value.fraction = start..<index
            }
        }
        // DuckDB takes 24:00:00 as the end of the day, nothing later.
        let endOfDay = hour == 24 && minute == 0 && second == 0 && fractionIsZero
        guard hour < 24 || endOfDay, minute < 60, second < 60 else {
            throw Failure("time \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)) is out of range")
        }
        (value.hour, value.minute, value.second) = (hour, minute, second)
    }

    /// Reads an optional `Z` or `±HH[[:]MM]` at `index`, which must then be the end.
    private static func offset(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, into value: inout SchemaTemporal)
        throws(Failure)
    {
        let format = Failure("expected the end, Z or an offset like +02:00")
        guard index < text.count else { return }
        switch text[index] {
        case UInt8(ascii: "Z"):
            index += 1
            value.offsetMinutes = 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let negative = text[index] == UInt8(ascii: "-")
            index += 1
            guard let hours = digits(text, &index, count: 2) else { throw format }
            var minutes = 0
            if index < text.count {
                _ = separator(text, &index, ":")
                guard let given = digits(text, &index, count: 2) else { throw format }
                minutes = given
            }
            guard hours < 24, minutes < 60 else { throw Failure("offset out of range") }
            value.offsetMinutes = (negative ? -1 : 1) * (hours * 60 + minutes)
        default:
            throw format
        }
        guard index == text.count else { throw format }
    }

    /// `count` ASCII digits at `index` as a number, advancing past them; nil if not all digits.
    private static func digits(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, count: Int) -> Int? {
        guard index + count <= text.count else { return nil }
        var value = 0
        for offset in 0..<count {
            let digit = text[index + offset] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        index += count
        return value
    }

    /// Skips `character` at `index` if it is there.
    private static func separator(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ character: Unicode.Scalar)
        -> Bool
    {
        guard index < text.count, text[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// The days in `month` of `year` (proleptic Gregorian).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Whether `year` is a leap year.
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// `value` with leading zeros to `width` digits.
    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
