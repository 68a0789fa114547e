/// Go's reference-time layouts (`2006-01-02T15:04:05Z07:00`): splitting a layout into literal text and
/// fields, and formatting a time with one.
enum TimeLayout {
    /// A field of a layout.
    enum Field: Equatable {
        case longMonth, month, numMonth, zeroMonth, longWeekday, weekday
        case day, underDay, zeroDay, underYearDay, zeroYearDay
        case hour, hour12, zeroHour12, minute, zeroMinute, second, zeroSecond
        case longYear, year, pm, lowerPM, zoneName
        case iso8601, iso8601Seconds, iso8601Short, iso8601Colon, iso8601ColonSeconds
        case numeric, numericSeconds, numericShort, numericColon, numericColonSeconds
        /// `.000` (kept zeros) or `.999` (trimmed); `separator` is `.` or `,`.
        case fraction(digits: Int, trimmed: Bool, separator: UInt8)

        var isFraction: Bool { if case .fraction = self { true } else { false } }
    }

    /// A piece of a layout: text to copy or match, or a field.
    enum Chunk: Equatable {
        case literal([UInt8])
        case field(Field, [UInt8])
    }

    static let longMonthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
    static let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Fields recognized at a position, longest first, as Go matches them.
    private static let prefixes: [(text: String, field: Field)] = [
        ("January", .longMonth), ("Jan", .month), ("Monday", .longWeekday), ("Mon", .weekday), ("MST", .zoneName),
        ("01", .zeroMonth), ("02", .zeroDay), ("03", .zeroHour12), ("04", .zeroMinute), ("05", .zeroSecond),
        ("06", .year), ("002", .zeroYearDay), ("15", .hour), ("1", .numMonth), ("2006", .longYear), ("2", .day),
        ("_2", .underDay), ("__2", .underYearDay), ("3", .hour12), ("4", .minute), ("5", .second), ("PM", .pm),
        ("pm", .lowerPM), ("-070000", .numericSeconds), ("-07:00:00", .numericColonSeconds), ("-0700", .numeric),
        ("-07:00", .numericColon), ("-07", .numericShort), ("Z070000", .iso8601Seconds),
        ("Z07:00:00", .iso8601ColonSeconds), ("Z0700", .iso8601), ("Z07:00", .iso8601Colon), ("Z07", .iso8601Short),
    ].sorted { $0.text.utf8.count > $1.text.utf8.count }

    /// Splits a layout into chunks.
    static func chunks(_ layout: String) -> [Chunk] {
        let bytes = Array(layout.utf8)
        var result: [Chunk] = []
        var literal: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if let (length, field) = field(at: i, in: bytes) {
                // `_2006` is a literal underscore before the year, not `_2` followed by `006`.
                if field == .underDay, bytes[i...].starts(with: Array("_2006".utf8)) {
                    literal.append(bytes[i])
                    i += 1
                    continue
                }
                if !literal.isEmpty { result.append(.literal(literal)) }
                literal = []
                result.append(.field(field, Array(bytes[i..<i + length])))
                i += length
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty { result.append(.literal(literal)) }
        return result
    }

    private static func field(at i: Int, in bytes: [UInt8]) -> (Int, Field)? {
        let byte = bytes[i]
        if byte == UInt8(ascii: ".") || byte == UInt8(ascii: ","), i + 1 < bytes.count,
            bytes[i + 1] == UInt8(ascii: "0") || bytes[i + 1] == UInt8(ascii: "9")
        {
            // A run of 0s or 9s after the point is a fraction unless more digits follow.
            let digit = bytes[i + 1]
            var j = i + 1
            while j < bytes.count, bytes[j] == digit { j += 1 }
            if j < bytes.count, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9") { return nil }
            return (j - i, .fraction(digits: j - i - 1, trimmed: digit == UInt8(ascii: "9"), separator: byte))
        }
        for (text, field) in prefixes where bytes[i...].starts(with: text.utf8) {
            let end = i + text.utf8.count
            // `Jan` and `Mon` followed by a lower-case letter are words, not fields (as in Go).
            if field == .month || field == .weekday, end < bytes.count,
                bytes[end] >= UInt8(ascii: "a"), bytes[end] <= UInt8(ascii: "z")
            {
                continue
            }
            return (text.utf8.count, field)
        }
        return nil
    }

    /// Formats a time with a layout, as Go's `Time.Format`.
    static func format(_ time: StarlarkTime, _ layout: String) -> String {
        let fields = time.fields
        var out = ""
        for chunk in chunks(layout) {
            switch chunk {
            case .literal(let bytes): out += String(decoding: bytes, as: UTF8.self)
            case .field(let field, _): append(field, fields, to: &out)
            }
        }
        return out
    }

    private static func append(_ field: Field, _ f: CivilFields, to out: inout String) {
        switch field {
        case .longYear:
            let year = f.year
            out += (year < 0 ? "-" : "") + pad(Int64(year.magnitude), 4)
        case .year: out += pad(Int64((f.year % 100).magnitude), 2)
        case .longMonth: out += longMonthNames[f.month - 1]
        case .month: out += String(longMonthNames[f.month - 1].prefix(3))
        case .numMonth: out += String(f.month)
        case .zeroMonth: out += pad(f.month, 2)
        case .longWeekday: out += longDayNames[f.weekday]
        case .weekday: out += String(longDayNames[f.weekday].prefix(3))
        case .day: out += String(f.day)
        case .underDay: out += (f.day < 10 ? " " : "") + String(f.day)
        case .zeroDay: out += pad(f.day, 2)
        case .underYearDay: out += String(repeating: " ", count: 3 - String(f.yearDay).count) + String(f.yearDay)
        case .zeroYearDay: out += pad(f.yearDay, 3)
        case .hour: out += pad(f.hour, 2)
        case .hour12: out += String(f.hour % 12 == 0 ? 12 : f.hour % 12)
        case .zeroHour12: out += pad(f.hour % 12 == 0 ? 12 : f.hour % 12, 2)
        case .minute: out += String(f.minute)
        case .zeroMinute: out += pad(f.minute, 2)
        case .second: out += String(f.second)
        case .zeroSecond: out += pad(f.second, 2)
        case .pm: out += f.hour >= 12 ? "PM" : "AM"
        case .lowerPM: out += f.hour >= 12 ? "pm" : "am"
        case .zoneName:
            if !f.abbreviation.isEmpty {
                out += f.abbreviation
            } else {
                appendOffset(f.offset, colon: false, seconds: false, short: false, to: &out)
            }
        case .iso8601, .iso8601Seconds, .iso8601Short, .iso8601Colon, .iso8601ColonSeconds:
            if f.offset == 0 {
                out += "Z"
                return
            }
            appendOffset(
                f.offset, colon: field == .iso8601Colon || field == .iso8601ColonSeconds,
                seconds: field == .iso8601Seconds || field == .iso8601ColonSeconds, short: field == .iso8601Short,
                to: &out)
        case .numeric, .numericSeconds, .numericShort, .numericColon, .numericColonSeconds:
            appendOffset(
                f.offset, colon: field == .numericColon || field == .numericColonSeconds,
                seconds: field == .numericSeconds || field == .numericColonSeconds, short: field == .numericShort,
                to: &out)
        case .fraction(let digits, let trimmed, let separator):
            var text = pad(f.nanosecond, 9)
            text = String(text.prefix(digits))
            if trimmed {
                while text.hasSuffix("0") { text.removeLast() }
                if text.isEmpty { return }
            }
            out += String(UnicodeScalar(separator)) + text
        }
    }

    /// `-0700`, `-07:00`, `-07`, `-070000` or `-07:00:00`.
    private static func appendOffset(_ offset: Int, colon: Bool, seconds: Bool, short: Bool, to out: inout String) {
        let magnitude = abs(offset)
        out += offset < 0 ? "-" : "+"
        out += pad(magnitude / 3600, 2)
        if short { return }
        out += (colon ? ":" : "") + pad(magnitude / 60 % 60, 2)
        if seconds { out += (colon ? ":" : "") + pad(magnitude % 60, 2) }
    }

    static func pad<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
