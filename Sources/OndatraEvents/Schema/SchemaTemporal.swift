/// A date, time or timestamp read by ``SchemaTemporalText``: its fields as written, and the
/// canonical text each column type is written as, which `read_json` reads for that type.
///
/// The canonical forms are `YYYY-MM-DD`, `HH:MM:SS[.fraction]` and
/// `YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM]`, with a fraction of at most 9 digits (DuckDB keeps 6,
/// or 9 for `TIMESTAMP_NS`, and drops the rest, so cutting at 9 changes no value). DuckDB's own
/// cast refuses some ISO 8601 forms this accepts (`10:00Z`, minutes without seconds before an
/// offset); written canonically they read back as they mean.
struct SchemaTemporal {
    var year = 1970
    var month = 1
    var day = 1
    var hour = 0
    var minute = 0
    var second = 0
    /// The offsets of the fraction's digits in the text read (empty when none).
    var fraction = 0..<0
    /// The UTC offset in minutes east (`Z` is 0), nil when none was written.
    var offsetMinutes: Int?

    /// The most digits of a fraction written.
    static let fractionDigits = 9
    /// The largest offset `TIME WITH TIME ZONE` takes, in minutes: 15:59 (DuckDB refuses 16:00).
    static let timeZoneOffsetLimit = 15 * 60 + 59
    /// `TIMESTAMP_NS` values DuckDB can read, print and DuckLake can store: from 1677-09-22 00:00:00
    /// UTC (DuckDB reads 1677-09-21 but then cannot convert it, so DuckLake cannot write its
    /// statistics) to 2262-04-11 23:47:16.854775806 UTC (one below the largest 64-bit value, which
    /// is infinity), as seconds since 1970 and the last second's nanoseconds.
    static let nanosecondFirstSecond = -9_223_286_400
    static let nanosecondLastSecond = 9_223_372_036
    static let nanosecondLastFraction = 854_775_806
    /// The range, for messages.
    static let nanosecondRange = "1677-09-22 00:00:00 to 2262-04-11 23:47:16.854775806 UTC"

    /// Appends `"YYYY-MM-DD"`, quotes included.
    func appendDate(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendDateDigits(to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `"HH:MM:SS[.fraction]"` (TIME: DuckDB ignores an offset), or with `±HH:MM` after it,
    /// `+00:00` when none was written (TIME WITH TIME ZONE: `read_json` reads none as UTC).
    func appendTime(from text: UnsafeBufferPointer<UInt8>, withOffset: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendTimeDigits(from: text, to: &out)
        if withOffset { appendOffset(offsetMinutes ?? 0, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `"YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM]"`, the offset as written (`Z` as `+00:00`)
    /// or, with `defaultOffset`, that offset when none was written.
    func appendTimestamp(from text: UnsafeBufferPointer<UInt8>, defaultOffset: Int? = nil, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendDateDigits(to: &out)
        out.append(UInt8(ascii: " "))
        appendTimeDigits(from: text, to: &out)
        if let offset = offsetMinutes ?? defaultOffset { appendOffset(offset, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether the instant (the offset applied; none is UTC, as DuckDB reads `TIMESTAMP_NS`) is
    /// one `TIMESTAMP_NS` holds: see ``nanosecondRange``. Fraction digits past 9 are dropped, as
    /// DuckDB does.
    func fitsNanoseconds(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - (offsetMinutes ?? 0) * 60
        if seconds < Self.nanosecondFirstSecond || seconds > Self.nanosecondLastSecond { return false }
        guard seconds == Self.nanosecondLastSecond else { return true }
        var nanos = 0
        for place in 0..<Self.fractionDigits {
            let index = fraction.lowerBound + place
            nanos = nanos * 10 + (index < fraction.upperBound ? Int(text[index] &- UInt8(ascii: "0")) : 0)
        }
        return nanos <= Self.nanosecondLastFraction
    }

    private func appendDateDigits(to out: inout [UInt8]) {
        Self.appendDigits(year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        Self.appendDigits(month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        Self.appendDigits(day, 2, to: &out)
    }

    private func appendTimeDigits(from text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        Self.appendDigits(hour, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        Self.appendDigits(minute, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        Self.appendDigits(second, 2, to: &out)
        if !fraction.isEmpty {
            out.append(UInt8(ascii: "."))
            let end = min(fraction.upperBound, fraction.lowerBound + Self.fractionDigits)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[fraction.lowerBound..<end]))
        }
    }

    /// Appends `±HH:MM` for `minutes` east of UTC.
    private func appendOffset(_ minutes: Int, to out: inout [UInt8]) {
        out.append(minutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        Self.appendDigits(abs(minutes) / 60, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        Self.appendDigits(abs(minutes) % 60, 2, to: &out)
    }

    /// Appends `value` (not negative) as `width` digits, leading zeros included.
    @inline(__always)
    private static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    /// The days from 1970-01-01 to a proleptic Gregorian date, counted in 400-year cycles from a
    /// year that starts in March (the inverse of ``SchemaReceivedAt/civil(fromDays:)``).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let marchYear = month <= 2 ? year - 1 : year
        let cycle = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfCycle = marchYear - cycle * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfCycle = yearOfCycle * 365 + yearOfCycle / 4 - yearOfCycle / 100 + dayOfYear
        return cycle * 146_097 + dayOfCycle - 719_468
    }
}
