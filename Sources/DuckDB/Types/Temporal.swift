/// A `DATE`: days since 1970-01-01 (DuckDB's own representation).
public struct DateValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Days since the Unix epoch; `Int32.max` / `-Int32.max` mean `infinity` / `-infinity`.
    public var days: Int32

    /// Creates a date from days since 1970-01-01.
    public init(days: Int32) { self.days = days }

    /// Creates a date from a proleptic Gregorian year, month (1–12) and day (1–31).
    public init(year: Int, month: Int, day: Int) {
        days = Int32(CivilCalendar.days(year: year, month: month, day: day))
    }

    /// The year, month and day.
    public var components: (year: Int, month: Int, day: Int) { CivilCalendar.civil(days: Int(days)) }

    /// `YYYY-MM-DD`, as DuckDB prints it (`infinity`, `-infinity`, and `(BC)` for years before 1).
    public var description: String {
        if days == Int32.max { return "infinity" }
        if days == -Int32.max { return "-infinity" }
        return CivilCalendar.format(days: Int(days))
    }

    /// Earlier dates sort first.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.days < rhs.days }
}

/// A `TIME` or `TIME_NS`: time of day.
public struct TimeValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Nanoseconds since midnight.
    public var nanoseconds: Int64

    /// Creates a time from nanoseconds since midnight.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Creates a time from microseconds since midnight (DuckDB's `TIME`).
    public init(microseconds: Int64) { self.nanoseconds = microseconds * 1_000 }

    /// `HH:MM:SS[.fraction]` with trailing zeros of the fraction dropped.
    public var description: String { CivilCalendar.formatTime(nanoseconds: nanoseconds) }

    /// Earlier times of day sort first.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

/// A `TIME WITH TIME ZONE`: a time of day and its UTC offset.
public struct TimeTZValue: Hashable, Sendable, CustomStringConvertible {
    /// The local time of day.
    public var time: TimeValue
    /// The offset from UTC in seconds (east positive).
    public var offsetSeconds: Int32

    /// Creates a time with an offset.
    public init(time: TimeValue, offsetSeconds: Int32) {
        self.time = time
        self.offsetSeconds = offsetSeconds
    }

    /// `HH:MM:SS+HH[:MM]`.
    public var description: String { time.description + CivilCalendar.formatOffset(seconds: Int(offsetSeconds)) }
}

/// A `TIMESTAMP` in one of DuckDB's units, or a `TIMESTAMP WITH TIME ZONE` (microseconds, UTC).
public struct TimestampValue: Hashable, Sendable, CustomStringConvertible {
    /// Units since 1970-01-01 00:00:00; `Int64.max` / `-Int64.max` mean `infinity` / `-infinity`.
    public var value: Int64
    /// The unit of ``value``.
    public var unit: TimeUnit

    /// Creates a timestamp.
    public init(value: Int64, unit: TimeUnit = .microseconds) {
        self.value = value
        self.unit = unit
    }

    /// Whether this is `infinity` or `-infinity`.
    public var isInfinite: Bool { value == Int64.max || value == -Int64.max }

    /// The timestamp in microseconds since the epoch (nanoseconds are truncated toward negative infinity).
    public var microseconds: Int64 {
        switch unit {
        case .seconds: value * 1_000_000
        case .milliseconds: value * 1_000
        case .microseconds: value
        case .nanoseconds: value.floorDivided(by: 1_000)
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.fraction]`, as DuckDB prints a `TIMESTAMP`.
    public var description: String { formatted(separator: " ") }

    /// ISO 8601: `YYYY-MM-DDTHH:MM:SS[.fraction]`, with `suffix` appended (e.g. `Z` for UTC).
    public func iso8601(suffix: String = "") -> String {
        isInfinite ? description : formatted(separator: "T") + suffix
    }

    private func formatted(separator: String) -> String {
        if value == Int64.max { return "infinity" }
        if value == -Int64.max { return "-infinity" }
        let perDay = unit.perSecond * 86_400
        let days = value.floorDivided(by: perDay)
        let withinDay = value - days * perDay
        let nanosPerUnit = 1_000_000_000 / unit.perSecond
        let time = CivilCalendar.formatTime(nanoseconds: withinDay * nanosPerUnit)
        let date = CivilCalendar.format(days: Int(days))
        guard date.hasSuffix(" (BC)") else { return date + separator + time }
        return String(date.dropLast(5)) + separator + time + " (BC)"
    }
}

/// An `INTERVAL`: months, days and microseconds, kept apart as DuckDB does.
public struct IntervalValue: Hashable, Sendable, CustomStringConvertible {
    /// Whole months.
    public var months: Int32
    /// Whole days.
    public var days: Int32
    /// Microseconds.
    public var microseconds: Int64

    /// Creates an interval.
    public init(months: Int32 = 0, days: Int32 = 0, microseconds: Int64 = 0) {
        self.months = months
        self.days = days
        self.microseconds = microseconds
    }

    /// DuckDB's text form, e.g. `1 year 2 months 3 days 04:05:06.5`.
    public var description: String {
        var parts: [String] = []
        let years = months / 12
        let restMonths = months % 12
        func unit(_ count: Int32, _ name: String) {
            guard count != 0 else { return }
            parts.append("\(count) \(name)\(abs(count) == 1 ? "" : "s")")
        }
        unit(years, "year")
        unit(restMonths, "month")
        unit(days, "day")
        if microseconds != 0 || parts.isEmpty {
            let sign = microseconds < 0 ? "-" : ""
            let magnitude = microseconds.magnitude
            let hours = magnitude / 3_600_000_000
            let withinHour = Int64(magnitude % 3_600_000_000)
            let clock = CivilCalendar.formatTime(nanoseconds: withinHour * 1_000)
            parts.append(sign + CivilCalendar.pad(Int(hours), 2) + clock.dropFirst(2))
        }
        return parts.joined(separator: " ")
    }
}

/// Gregorian calendar arithmetic on day counts (the days-from-civil algorithm), without Foundation.
enum CivilCalendar {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthIndex = (month + 9) % 12
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func format(days: Int) -> String {
        let (year, month, day) = civil(days: days)
        // DuckDB has no year 0: year 0 is 1 BC, -1 is 2 BC.
        let text = pad(year > 0 ? year : 1 - year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        return year > 0 ? text : text + " (BC)"
    }

    static func formatTime(nanoseconds: Int64) -> String {
        let seconds = Int(nanoseconds / 1_000_000_000)
        var text = pad(seconds / 3_600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        var fraction = Int(nanoseconds % 1_000_000_000)
        guard fraction != 0 else { return text }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        text += "." + pad(fraction, digits)
        return text
    }

    static func formatOffset(seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        var text = sign + pad(magnitude / 3_600, 2)
        if magnitude % 3_600 != 0 { text += ":" + pad(magnitude / 60 % 60, 2) }
        if magnitude % 60 != 0 { text += ":" + pad(magnitude % 60, 2) }
        return text
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, for splitting timestamps before 1970.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
