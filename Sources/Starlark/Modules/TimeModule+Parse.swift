/// Parsing times with Go's reference-time layouts, following the rules and messages of Go's `time.Parse`.
struct TimeParsing {
    private let layout: String
    private let value: String
    /// The unread rest of the value.
    private var rest: ArraySlice<UInt8>

    private var year = 0
    private var month = -1
    private var day = -1
    private var yearDay = -1
    private var hour = 0
    private var minute = 0
    private var second = 0
    private var nanosecond = 0
    private var isUTC = false
    private var zoneOffset: Int?
    private var zoneName = ""
    private var pmSet = false
    private var amSet = false

    /// A syntax mismatch; reported as "cannot parse … as …".
    private struct Bad: Error {}

    /// Parses `value` as Go's `time.ParseInLocation`: `defaultLocation` applies when the value names no zone;
    /// `local` is the zone whose offsets and abbreviations are recognized.
    static func parse(_ layout: String, _ value: String, defaultLocation: TimeLocation, local: TimeLocation) throws
        -> StarlarkTime
    {
        var parser = TimeParsing(layout: layout, value: value, rest: Array(value.utf8)[...])
        return try parser.run(defaultLocation: defaultLocation, local: local)
    }

    private func error(_ message: String) -> StarlarkError {
        StarlarkError("parsing time \(Self.quote(value))\(message)")
    }

    private func cannotParse(_ valueElement: ArraySlice<UInt8>, as layoutElement: [UInt8]) -> StarlarkError {
        let element = String(decoding: valueElement, as: UTF8.self)
        let layoutText = String(decoding: layoutElement, as: UTF8.self)
        return StarlarkError(
            "parsing time \(Self.quote(value)) as \(Self.quote(layout)): cannot parse \(Self.quote(element)) as \(Self.quote(layoutText))"
        )
    }

    private mutating func run(defaultLocation: TimeLocation, local: TimeLocation) throws -> StarlarkTime {
        let chunks = TimeLayout.chunks(layout)
        for (index, chunk) in chunks.enumerated() {
            switch chunk {
            case .literal(let text):
                guard skip(text) else { throw cannotParse(rest, as: text) }
            case .field(let field, let text):
                let hold = rest
                let nextIsFraction: Bool = {
                    guard index + 1 < chunks.count, case .field(let next, _) = chunks[index + 1] else { return false }
                    return next.isFraction
                }()
                do {
                    if let rangeError = try parseField(field, nextIsFraction: nextIsFraction) {
                        throw error(": \(rangeError) out of range")
                    }
                } catch is Bad {
                    throw cannotParse(hold, as: text)
                }
            }
        }
        if !rest.isEmpty { throw error(": extra text: \(Self.quote(String(decoding: rest, as: UTF8.self)))") }
        if pmSet, hour < 12 { hour += 12 } else if amSet, hour == 12 { hour = 0 }
        try resolveYearDay()
        guard day >= 1, day <= CivilCalendar.daysIn(month: month, year: Int64(year)) else {
            throw error(": day out of range")
        }
        func date(_ location: TimeLocation) -> StarlarkTime {
            StarlarkTime.date(
                year: Int64(year), month: Int64(month), day: Int64(day), hour: Int64(hour), minute: Int64(minute),
                second: Int64(second), nanosecond: Int64(nanosecond), location: location)
        }
        if isUTC { return date(.utc) }
        if let zoneOffset {
            let utc = date(.utc)
            let unix = utc.unixSeconds - Int64(zoneOffset)
            let zone = local.lookup(unix)
            // Keep the local zone when the value's offset (and name, if any) is the one in effect.
            if zone.offset == zoneOffset, zoneName.isEmpty || zone.abbreviation == zoneName {
                return StarlarkTime(unixSeconds: unix, nanosecond: utc.nanosecond, location: local)
            }
            return StarlarkTime(
                unixSeconds: unix, nanosecond: utc.nanosecond, location: .fixed(zoneName, offset: zoneOffset))
        }
        if !zoneName.isEmpty {
            let utc = date(.utc)
            if let offset = local.offset(forAbbreviation: zoneName, near: utc.unixSeconds) {
                return StarlarkTime(
                    unixSeconds: utc.unixSeconds - Int64(offset), nanosecond: utc.nanosecond, location: local)
            }
            // An unknown abbreviation gets a made-up zone; only `GMT+h` says its offset.
            var offset = 0
            if zoneName.count > 3, zoneName.hasPrefix("GMT") { offset = (Int(zoneName.dropFirst(3)) ?? 0) * 3600 }
            return StarlarkTime(
                unixSeconds: utc.unixSeconds - Int64(offset), nanosecond: utc.nanosecond,
                location: .fixed(zoneName, offset: offset))
        }
        return date(defaultLocation)
    }

    /// Turns a day of the year into a month and day, checking it against any month and day given.
    private mutating func resolveYearDay() throws {
        guard yearDay >= 0 else {
            if month < 0 { month = 1 }
            if day < 0 { day = 1 }
            return
        }
        let leap = CivilCalendar.isLeap(Int64(year))
        guard yearDay >= 1, yearDay <= (leap ? 366 : 365) else { throw error(": day-of-year out of range") }
        var remaining = yearDay
        var m = 1
        while remaining > CivilCalendar.daysIn(month: m, year: Int64(year)) {
            remaining -= CivilCalendar.daysIn(month: m, year: Int64(year))
            m += 1
        }
        if month >= 0, month != m { throw error(": day-of-year does not match month") }
        month = m
        if day >= 0, day != remaining { throw error(": day-of-year does not match day") }
        day = remaining
    }

    /// Consumes literal layout text; a space matches any run of spaces.
    private mutating func skip(_ literal: [UInt8]) -> Bool {
        var prefix = literal[...]
        while let first = prefix.first {
            if first == 0x20 {
                if let next = rest.first, next != 0x20 { return false }
                prefix = prefix.drop { $0 == 0x20 }
                rest = rest.drop { $0 == 0x20 }
                continue
            }
            guard rest.first == first else { return false }
            prefix = prefix.dropFirst()
            rest = rest.dropFirst()
        }
        return true
    }

    /// Parses one field; returns the name of a field that is out of range, or throws ``Bad``.
    private mutating func parseField(_ field: TimeLayout.Field, nextIsFraction: Bool) throws -> String? {
        switch field {
        case .year:
            let digits = try take(2)
            guard let v = Self.number(digits) else { throw Bad() }
            year = v >= 69 ? v + 1900 : v + 2000
        case .longYear:
            guard rest.count >= 4, Self.isDigit(rest.first) else { throw Bad() }
            guard let v = Self.number(try take(4)) else { throw Bad() }
            year = v
        case .month: month = try lookup(TimeLayout.longMonthNames.map { String($0.prefix(3)) }) + 1
        case .longMonth: month = try lookup(TimeLayout.longMonthNames) + 1
        case .numMonth, .zeroMonth:
            month = try number(fixed: field == .zeroMonth)
            if month <= 0 || month > 12 { return "month" }
        case .weekday: _ = try lookup(TimeLayout.longDayNames.map { String($0.prefix(3)) })
        case .longWeekday: _ = try lookup(TimeLayout.longDayNames)
        case .day, .underDay, .zeroDay:
            if field == .underDay, rest.first == 0x20 { rest = rest.dropFirst() }
            day = try number(fixed: field == .zeroDay)
        case .underYearDay, .zeroYearDay:
            for _ in 0..<2 where field == .underYearDay && rest.first == 0x20 { rest = rest.dropFirst() }
            let digits = rest.prefix(3).prefix(while: { Self.isDigit($0) })
            guard !digits.isEmpty, field != .zeroYearDay || digits.count == 3, let v = Self.number(digits) else {
                throw Bad()
            }
            rest = rest.dropFirst(digits.count)
            yearDay = v
        case .hour:
            hour = try number(fixed: false)
            if hour < 0 || hour >= 24 { return "hour" }
        case .hour12, .zeroHour12:
            hour = try number(fixed: field == .zeroHour12)
            if hour < 0 || hour > 12 { return "hour" }
        case .minute, .zeroMinute:
            minute = try number(fixed: field == .zeroMinute)
            if minute < 0 || minute >= 60 { return "minute" }
        case .second, .zeroSecond:
            second = try number(fixed: field == .zeroSecond)
            if second < 0 || second >= 60 { return "second" }
            // A fraction the layout does not mention is still accepted after the seconds.
            if !nextIsFraction, rest.count >= 2, Self.isSeparator(rest.first), Self.isDigit(rest.dropFirst().first) {
                let length = 1 + rest.dropFirst().prefix(while: { Self.isDigit($0) }).count
                return try fraction(length)
            }
        case .pm, .lowerPM:
            let text = String(decoding: try take(2), as: UTF8.self)
            let (pm, am) = field == .pm ? ("PM", "AM") : ("pm", "am")
            if text == pm { pmSet = true } else if text == am { amSet = true } else { throw Bad() }
        case .iso8601, .iso8601Seconds, .iso8601Short, .iso8601Colon, .iso8601ColonSeconds:
            if rest.first == UInt8(ascii: "Z") {
                rest = rest.dropFirst()
                isUTC = true
                return nil
            }
            return try offset(field)
        case .numeric, .numericSeconds, .numericShort, .numericColon, .numericColonSeconds:
            return try offset(field)
        case .zoneName:
            if rest.starts(with: "UTC".utf8) {
                rest = rest.dropFirst(3)
                isUTC = true
                return nil
            }
            guard let length = Self.zoneNameLength(rest) else { throw Bad() }
            zoneName = String(decoding: rest.prefix(length), as: UTF8.self)
            rest = rest.dropFirst(length)
        case .fraction(let digits, let trimmed, _):
            if trimmed {
                // Optional: only when a separator and a digit follow; takes every digit there is.
                guard rest.count >= 2, Self.isSeparator(rest.first), Self.isDigit(rest.dropFirst().first) else {
                    return nil
                }
                return try fraction(1 + rest.dropFirst().prefix(while: { Self.isDigit($0) }).count)
            }
            guard rest.count >= digits + 1 else { throw Bad() }
            return try fraction(digits + 1)
        }
        return nil
    }

    /// A separator and digits, `length` bytes in all, as nanoseconds (digits past the ninth are dropped).
    private mutating func fraction(_ length: Int) throws -> String? {
        guard Self.isSeparator(rest.first) else { throw Bad() }
        let used = min(length, 10)
        guard let digits = Self.number(rest.dropFirst().prefix(used - 1)) else { throw Bad() }
        var value = digits
        for _ in 0..<(10 - used) { value *= 10 }
        nanosecond = value
        rest = rest.dropFirst(length)
        return nil
    }

    /// A numeric zone offset in the shape the field asks for.
    private mutating func offset(_ field: TimeLayout.Field) throws -> String? {
        let parts: (hours: Range<Int>, minutes: Range<Int>?, seconds: Range<Int>?, colons: [Int], length: Int)
        switch field {
        case .iso8601Colon, .numericColon: parts = (1..<3, 4..<6, nil, [3], 6)
        case .iso8601Short, .numericShort: parts = (1..<3, nil, nil, [], 3)
        case .iso8601ColonSeconds, .numericColonSeconds: parts = (1..<3, 4..<6, 7..<9, [3, 6], 9)
        case .iso8601Seconds, .numericSeconds: parts = (1..<3, 3..<5, 5..<7, [], 7)
        default: parts = (1..<3, 3..<5, nil, [], 5)
        }
        let bytes = Array(rest.prefix(parts.length))
        guard bytes.count == parts.length, parts.colons.allSatisfy({ bytes[$0] == UInt8(ascii: ":") }) else {
            throw Bad()
        }
        func twoDigits(_ range: Range<Int>?) throws -> Int {
            guard let range else { return 0 }
            guard Self.isDigit(bytes[range.lowerBound]), Self.isDigit(bytes[range.lowerBound + 1]),
                let v = Self.number(bytes[range])
            else { throw Bad() }
            return v
        }
        let hours = try twoDigits(parts.hours)
        let minutes = try twoDigits(parts.minutes)
        let seconds = try twoDigits(parts.seconds)
        guard bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") else { throw Bad() }
        rest = rest.dropFirst(parts.length)
        let magnitude = (hours * 60 + minutes) * 60 + seconds
        zoneOffset = bytes[0] == UInt8(ascii: "-") ? -magnitude : magnitude
        // Go lets 24 hours and 60 minutes or seconds through.
        if seconds > 60 { return "time zone offset second" }
        if minutes > 60 { return "time zone offset minute" }
        if hours > 24 { return "time zone offset hour" }
        return nil
    }

    /// The length of a zone abbreviation at the start of `text`, as Go recognizes them.
    private static func zoneNameLength(_ text: ArraySlice<UInt8>) -> Int? {
        guard text.count >= 3 else { return nil }
        if text.starts(with: "ChST".utf8) || text.starts(with: "MeST".utf8) { return 4 }
        if text.starts(with: "GMT".utf8) { return 3 + signedOffsetLength(text.dropFirst(3)) }
        if text.first == UInt8(ascii: "+") || text.first == UInt8(ascii: "-") {
            let length = signedOffsetLength(text)
            return length > 0 ? length : nil
        }
        let upper = text.prefix(6).prefix { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }.count
        switch upper {
        case 3: return 3
        case 4: return text.dropFirst(3).first == UInt8(ascii: "T") || text.starts(with: "WITA".utf8) ? 4 : nil
        case 5: return text.dropFirst(4).first == UInt8(ascii: "T") ? 5 : nil
        default: return nil
        }
    }

    /// The length of `+h`/`-hh` (hours up to 23) at the start of `text`, or 0.
    private static func signedOffsetLength(_ text: ArraySlice<UInt8>) -> Int {
        guard text.first == UInt8(ascii: "+") || text.first == UInt8(ascii: "-") else { return 0 }
        let digits = text.dropFirst().prefix { isDigit($0) }
        guard !digits.isEmpty, let hours = number(digits), hours <= 23 else { return 0 }
        return 1 + digits.count
    }

    /// One or two digits (exactly two when `fixed`), as Go's `getnum`.
    private mutating func number(fixed: Bool) throws -> Int {
        guard let first = rest.first, Self.isDigit(first) else { throw Bad() }
        let second = rest.dropFirst().first
        guard Self.isDigit(second), let second else {
            if fixed { throw Bad() }
            rest = rest.dropFirst()
            return Int(first - UInt8(ascii: "0"))
        }
        rest = rest.dropFirst(2)
        return Int(first - UInt8(ascii: "0")) * 10 + Int(second - UInt8(ascii: "0"))
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard rest.count >= count else { throw Bad() }
        defer { rest = rest.dropFirst(count) }
        return rest.prefix(count)
    }

    /// A name from `names`, matched without regard to ASCII case; returns its index.
    private mutating func lookup(_ names: [String]) throws -> Int {
        for (index, name) in names.enumerated() {
            let candidate = rest.prefix(name.utf8.count)
            if candidate.count == name.utf8.count,
                zip(candidate, name.utf8).allSatisfy({ Self.lower($0) == Self.lower($1) })
            {
                rest = rest.dropFirst(name.utf8.count)
                return index
            }
        }
        throw Bad()
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isSeparator(_ byte: UInt8?) -> Bool { byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") }

    /// Decimal digits as an int; nil when empty, not all digits, or too long.
    private static func number<C: Collection>(_ digits: C) -> Int? where C.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ isDigit($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Go's `time` package quoting: ASCII as is (with `"` and `\` escaped), other bytes as `\xNN`.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x80 || scalar.value < 0x20 {
                for byte in String(scalar).utf8 { out += "\\x" + StringQuoting.hex2(UInt32(byte)) }
            } else {
                if scalar == "\"" || scalar == "\\" { out += "\\" }
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
