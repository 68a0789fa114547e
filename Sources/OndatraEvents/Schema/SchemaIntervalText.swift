/// Checks INTERVAL text against the part of DuckDB's interval syntax that reads unambiguously.
///
/// Accepted (after trimming whitespace): an optional `@`; then terms `[-]number[ ]unit` (the number
/// may have a fraction; the unit is one DuckDB knows, in any case, such as `day`, `days`, `d`,
/// `hours`, `min`, `ms`, `us`, `week`, `quarter`, `decade`), then either an optional `ago` or a
/// final time `[-]H:MM[:SS[.fraction]]`. A lone number is seconds. The months, days and
/// microseconds must fit DuckDB's interval fields.
///
/// DuckLake stores an interval in Parquet, as unsigned 32-bit months, days and milliseconds, so
/// no part may be negative (a `-` term or `ago`, unless it only negates a negative term) and the
/// time part is at most 4294967295 ms (1193:02:47.295). Parts finer than a millisecond are dropped
/// by Parquet.
enum SchemaIntervalText {
    /// The largest time part Parquet's interval holds, in microseconds, plus one millisecond.
    private static let timeLimitMicros = 4_294_967_296_000.0

    /// What a unit adds: months, days or microseconds per one.
    private enum Amount {
        case months(Double)
        case days(Double)
        case micros(Double)
    }

    /// DuckDB 1.5's interval units (checked one by one against `CAST('2 unit' AS INTERVAL)`).
    private static let units: [String: Amount] = {
        var table: [String: Amount] = [:]
        func add(_ amount: Amount, _ names: String...) { for name in names { table[name] = amount } }
        add(.months(12), "year", "years", "y", "yr", "yrs")
        add(.months(1), "month", "months", "mon", "mons")
        add(.days(1), "day", "days", "d")
        add(.micros(3_600_000_000), "hour", "hours", "h", "hr", "hrs")
        add(.micros(60_000_000), "minute", "minutes", "m", "min", "mins")
        add(.micros(1_000_000), "second", "seconds", "s", "sec", "secs")
        add(.micros(1000), "millisecond", "milliseconds", "ms", "msec", "msecs")
        add(.micros(1), "microsecond", "microseconds", "us", "usec", "usecs")
        add(.days(7), "week", "weeks", "w")
        add(.months(120), "decade", "decades", "dec", "decs")
        add(.months(1200), "century", "centuries", "c", "cent")
        add(.months(12000), "millennium", "millennia", "mil", "mils", "millenium")
        add(.months(3), "quarter", "quarters")
        return table
    }()

    /// Why `text` (already trimmed) is not an interval, or nil.
    static func problem(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        let format = "expected an interval like '2 hours 30 minutes', '1 day' or '01:30:00'"
        var index = 0
        var months = 0.0
        var days = 0.0
        var micros = 0.0
        var terms = 0
        var bareNumber = false
        // Non-zero terms written with and without a minus sign.
        var negativeTerms = false
        var positiveTerms = false
        var ago = false
        func skipSpaces() { while index < text.count, SchemaNumberText.isSpace(text[index]) { index += 1 } }
        if index < text.count, text[index] == UInt8(ascii: "@") { index += 1 }
        while true {
            skipSpaces()
            if index == text.count { break }
            if terms > 0 {
                var after = index
                if word(text, &after) == "ago" {
                    ago = true
                    index = after
                    skipSpaces()
                    guard index == text.count else { return format }
                    break
                }
            }
            guard !bareNumber else { return format }
            let negative = index < text.count && text[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let sign = negative ? -1.0 : 1.0
            guard let value = number(text, &index) else { return format }
            terms += 1
            func mark(zero: Bool) {
                if zero { return }
                if negative { negativeTerms = true } else { positiveTerms = true }
            }
            if index < text.count, text[index] == UInt8(ascii: ":") {
                guard value == value.rounded(), let clock = clockMicros(text, &index) else { return format }
                mark(zero: value == 0 && clock == 0)
                micros += sign * (value * 3_600_000_000 + clock)
                // Nothing may follow a time, not even `ago` (DuckDB ignores it there, or refuses it).
                skipSpaces()
                guard index == text.count else { return format }
                break
            }
            skipSpaces()
            mark(zero: value == 0)
            let unit = word(text, &index)
            if unit.isEmpty {
                // Only a lone number is read as seconds.
                guard terms == 1 else { return format }
                bareNumber = true
                micros += sign * value * 1_000_000
                continue
            }
            // A fraction carries down as DuckDB carries it: months to whole days (30 a month), days
            // to microseconds.
            switch units[unit] {
            case .months(let per):
                let whole = (value * per).rounded(.towardZero)
                months += sign * whole
                days += sign * ((value * per - whole) * 30).rounded(.towardZero)
            case .days(let per):
                let whole = (value * per).rounded(.towardZero)
                days += sign * whole
                micros += sign * (value * per - whole) * 86_400_000_000
            case .micros(let per): micros += sign * value * per
            case nil: return "unknown interval unit '\(unit)'"
            }
        }
        guard terms > 0 else { return format }
        guard abs(months) <= Double(Int32.max), abs(days) <= Double(Int32.max), abs(micros) < 9.2e18 else {
            return "interval out of range"
        }
        if ago ? positiveTerms : negativeTerms {
            return "negative intervals cannot be stored: DuckLake keeps INTERVAL in Parquet, which does not "
                + "support negative intervals or negative parts"
        }
        // All terms now have one sign (`ago` flips it): the magnitude is what Parquet stores.
        guard abs(micros) < timeLimitMicros else {
            return "its time part is over 1193:02:47.295, the most DuckLake's Parquet stores (32-bit "
                + "milliseconds); write longer spans in days, like '50 days'"
        }
        return nil
    }

    /// `digits[.digits*]` at `index`.
    private static func number(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Double? {
        let start = index
        while index < text.count, text[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        guard index > start else { return nil }
        if index < text.count, text[index] == UInt8(ascii: "."),
            index + 1 >= text.count || text[index + 1] != UInt8(ascii: ":")
        {
            index += 1
            while index < text.count, text[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: text[start..<index]), as: UTF8.self))
    }

    /// `:MM[:SS[.fraction]]` at `index` (the hours already read), as microseconds.
    private static func clockMicros(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Double? {
        func twoDigits() -> Double? {
            guard index + 2 <= text.count, text[index] &- UInt8(ascii: "0") < 10,
                text[index + 1] &- UInt8(ascii: "0") < 10
            else { return nil }
            defer { index += 2 }
            return Double((text[index] &- UInt8(ascii: "0")) * 10 + (text[index + 1] &- UInt8(ascii: "0")))
        }
        index += 1
        guard let minutes = twoDigits(), minutes < 60 else { return nil }
        var seconds = 0.0
        if index < text.count, text[index] == UInt8(ascii: ":") {
            index += 1
            guard let whole = twoDigits(), whole < 60 else { return nil }
            seconds = whole
            if index < text.count, text[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                var scale = 0.1
                while index < text.count, text[index] &- UInt8(ascii: "0") < 10 {
                    seconds += Double(text[index] &- UInt8(ascii: "0")) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
        }
        return minutes * 60_000_000 + seconds * 1_000_000
    }

    /// The ASCII letters at `index`, lower-cased (empty if none).
    private static func word(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String {
        var letters: [UInt8] = []
        while index < text.count {
            let byte = text[index] | 0x20
            guard byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") else { break }
            letters.append(byte)
            index += 1
        }
        return String(decoding: letters, as: UTF8.self)
    }
}
