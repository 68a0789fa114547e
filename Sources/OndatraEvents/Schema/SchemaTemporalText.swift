/// Checks date and time text the way an events column reads it: ISO 8601 forms DuckDB casts.
///
/// Accepted (after DuckDB's whitespace trim): `YYYY-MM-DD`; `HH:MM[:SS[.fraction]]` (hours 00-23,
/// or `24:00:00` meaning the end of the day, as DuckDB allows); a timestamp is a date, optionally
/// followed by `T` or a space and a time, optionally followed by `Z` or an offset `±HH`, `±HHMM` or
/// `±HH:MM`. Days are checked against the month, leap years included.
enum SchemaTemporalText {
    /// Why `text` is not a date (a date-time is accepted too; DuckDB keeps the date part), or nil.
    static func dateProblem(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        var index = 0
        if let problem = date(text, &index) { return problem }
        if index == text.count { return nil }
        guard text[index] == UInt8(ascii: "T") || text[index] == UInt8(ascii: " ") else {
            return "expected YYYY-MM-DD"
        }
        index += 1
        if let problem = time(text, &index) { return problem }
        return offsetProblem(text, &index)
    }

    /// Why `text` is not a time with an optional offset, or nil. DuckDB reads `Z` for TIME but not
    /// for TIME WITH TIME ZONE (`allowsZ` false), which takes numeric offsets only.
    static func timeProblem(_ text: UnsafeBufferPointer<UInt8>, allowsZ: Bool = true) -> String? {
        var index = 0
        if let problem = time(text, &index) { return problem }
        if !allowsZ, index < text.count, text[index] == UInt8(ascii: "Z") {
            return "expected the end or an offset like +02:00"
        }
        return offsetProblem(text, &index)
    }

    /// Why `text` is not a timestamp (a date alone is midnight), or nil.
    static func timestampProblem(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        var index = 0
        if let problem = date(text, &index) { return problem }
        if index == text.count { return nil }
        guard text[index] == UInt8(ascii: "T") || text[index] == UInt8(ascii: " ") else {
            return "expected ISO 8601 like 2024-01-31T12:00:00Z"
        }
        index += 1
        if let problem = time(text, &index) { return problem }
        return offsetProblem(text, &index)
    }

    /// Reads `YYYY-MM-DD` at `index`.
    private static func date(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String? {
        let format = "expected YYYY-MM-DD"
        guard let year = digits(text, &index, count: 4), separator(text, &index, "-"),
            let month = digits(text, &index, count: 2), separator(text, &index, "-"),
            let day = digits(text, &index, count: 2)
        else { return format }
        guard (1...12).contains(month) else { return "month \(month) does not exist" }
        let last = daysIn(month: month, year: year)
        guard (1...last).contains(day) else {
            if month == 2 && day == 29 { return "\(pad(year, 4)) is not a leap year" }
            return "\(pad(year, 4))-\(pad(month, 2)) has no day \(day)"
        }
        return nil
    }

    /// Reads `HH:MM[:SS[.fraction]]` at `index`.
    private static func time(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String? {
        let format = "expected a time HH:MM[:SS[.ffffff]]"
        guard let hour = digits(text, &index, count: 2), separator(text, &index, ":"),
            let minute = digits(text, &index, count: 2)
        else { return format }
        var second = 0
        var fractionIsZero = true
        if separator(text, &index, ":") {
            guard let value = digits(text, &index, count: 2) else { return format }
            second = value
            if separator(text, &index, ".") {
                let start = index
                while index < text.count, text[index] &- UInt8(ascii: "0") < 10 {
                    if text[index] != UInt8(ascii: "0") { fractionIsZero = false }
                    index += 1
                }
                guard index > start else { return format }
            }
        }
        // DuckDB takes 24:00:00 as the end of the day, nothing later.
        let endOfDay = hour == 24 && minute == 0 && second == 0 && fractionIsZero
        guard hour < 24 || endOfDay, minute < 60, second < 60 else {
            return "time \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)) is out of range"
        }
        return nil
    }

    /// Reads an optional `Z` or `±HH[[:]MM]` at `index`, which must then be the end.
    private static func offsetProblem(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String? {
        let format = "expected the end, Z or an offset like +02:00"
        guard index < text.count else { return nil }
        switch text[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            index += 1
            guard let hours = digits(text, &index, count: 2) else { return format }
            var minutes = 0
            if index < text.count {
                _ = separator(text, &index, ":")
                guard let value = digits(text, &index, count: 2) else { return format }
                minutes = value
            }
            guard hours < 24, minutes < 60 else { return "offset out of range" }
        default:
            return format
        }
        return index == text.count ? nil : format
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
