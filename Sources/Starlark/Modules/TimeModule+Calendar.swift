/// Proleptic Gregorian calendar arithmetic on Unix days, with Go's `time.Date` normalization.
///
/// Arithmetic wraps instead of trapping: absurd years (which Go also wraps) must not crash the host.
enum CivilCalendar {
    static let secondsPerDay: Int64 = 86_400
    static let nanosPerSecond: Int64 = 1_000_000_000

    /// Days since 1970-01-01 of a date; `month` is 1...12.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year &- 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y &- era &* 400
        let shiftedMonth = month > 2 ? month &- 3 : month &+ 9
        let dayOfYear = (153 &* shiftedMonth &+ 2) / 5 &+ day &- 1
        let dayOfEra = yearOfEra &* 365 &+ yearOfEra / 4 &- yearOfEra / 100 &+ dayOfYear
        return era &* 146_097 &+ dayOfEra &- 719_468
    }

    /// The date of a day counted from 1970-01-01.
    static func date(days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days &+ 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z &- era &* 146_097
        let yearOfEra = (dayOfEra &- dayOfEra / 1460 &+ dayOfEra / 36_524 &- dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra &- (365 &* yearOfEra &+ yearOfEra / 4 &- yearOfEra / 100)
        let shiftedMonth = (5 &* dayOfYear &+ 2) / 153
        let day = dayOfYear &- (153 &* shiftedMonth &+ 2) / 5 &+ 1
        let month = shiftedMonth < 10 ? shiftedMonth &+ 3 : shiftedMonth &- 9
        let year = yearOfEra &+ era &* 400 &+ (month <= 2 ? 1 : 0)
        return (year, Int(month), Int(day))
    }

    static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// The number of days in a month (1...12).
    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 0 for Sunday … 6 for Saturday.
    static func weekday(days: Int64) -> Int { Int(floorModulo(days &+ 4, 7)) }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q &- 1 : q
    }

    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 { a &- floorDivide(a, b) &* b }

    /// Seconds since the epoch of a wall-clock time read as UTC, normalizing out-of-range fields the way
    /// Go's `time.Date` does (month 13 is January of the next year, day 0 the last day of the previous
    /// month, and so on). Returns the seconds and the normalized nanosecond.
    static func wallSeconds(
        year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, nanosecond: Int64
    ) -> (seconds: Int64, nanosecond: Int64) {
        // Month first (it changes the year), then carry the time of day into whole days.
        let monthIndex = month &- 1
        let normalizedYear = year &+ floorDivide(monthIndex, 12)
        let normalizedMonth = floorModulo(monthIndex, 12) &+ 1
        let seconds = second &+ floorDivide(nanosecond, nanosPerSecond)
        let nanos = floorModulo(nanosecond, nanosPerSecond)
        let firstOfMonth = days(year: normalizedYear, month: normalizedMonth, day: 1)
        let total =
            (firstOfMonth &+ day &- 1) &* secondsPerDay &+ hour &* 3600 &+ minute &* 60 &+ seconds
        return (total, nanos)
    }
}

/// A moment broken into the fields of its time zone.
struct CivilFields {
    var year: Int64
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var nanosecond: Int
    /// 0 for Sunday.
    var weekday: Int
    /// 1 for January 1st.
    var yearDay: Int
    /// Seconds east of UTC.
    var offset: Int
    var abbreviation: String

    init(unix: Int64, nanosecond: Int, location: TimeLocation) {
        let zone = location.lookup(unix)
        let local = unix &+ Int64(zone.offset)
        let days = CivilCalendar.floorDivide(local, CivilCalendar.secondsPerDay)
        let secondOfDay = Int(local &- days &* CivilCalendar.secondsPerDay)
        let date = CivilCalendar.date(days: days)
        year = date.year
        month = date.month
        day = date.day
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        self.nanosecond = nanosecond
        weekday = CivilCalendar.weekday(days: days)
        yearDay = Int(days &- CivilCalendar.days(year: date.year, month: 1, day: 1)) + 1
        offset = zone.offset
        abbreviation = zone.abbreviation
    }
}
