/// `time.time`: an instant with nanosecond precision and the location it is shown in, as Go's `time.Time`.
public final class StarlarkTime: StarlarkAttributes, StarlarkBinaryOperand, Sendable {
    /// Seconds since 1970-01-01 UTC.
    public let unixSeconds: Int64
    /// Nanoseconds within the second, 0 ..< 1e9.
    public let nanosecond: Int
    let location: TimeLocation

    init(unixSeconds: Int64, nanosecond: Int, location: TimeLocation) {
        self.unixSeconds = unixSeconds
        self.nanosecond = nanosecond
        self.location = location
    }

    /// Go's `time.Unix(sec, nsec)`: nanoseconds outside 0 ..< 1e9 carry into the seconds.
    convenience init(unixSeconds: Int64, nanoseconds: Int64, location: TimeLocation) {
        let carry = CivilCalendar.floorDivide(nanoseconds, CivilCalendar.nanosPerSecond)
        let nanos = CivilCalendar.floorModulo(nanoseconds, CivilCalendar.nanosPerSecond)
        self.init(unixSeconds: unixSeconds &+ carry, nanosecond: Int(nanos), location: location)
    }

    /// Go's `time.Date`: a wall-clock time in `location`, normalizing out-of-range fields.
    static func date(
        year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, nanosecond: Int64,
        location: TimeLocation
    ) -> StarlarkTime {
        let wall = CivilCalendar.wallSeconds(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanosecond: nanosecond)
        // Guess the offset at the wall time read as UTC, then correct it if that lands in another period.
        var offset = Int64(location.lookup(wall.seconds).offset)
        if offset != 0 {
            let corrected = Int64(location.lookup(wall.seconds &- offset).offset)
            if corrected != offset { offset = corrected }
        }
        return StarlarkTime(unixSeconds: wall.seconds &- offset, nanosecond: Int(wall.nanosecond), location: location)
    }

    /// The same instant shown in another location.
    func inLocation(_ location: TimeLocation) -> StarlarkTime {
        StarlarkTime(unixSeconds: unixSeconds, nanosecond: nanosecond, location: location)
    }

    /// Go's `Time.Add`.
    func adding(_ nanoseconds: Int64) -> StarlarkTime {
        StarlarkTime(
            unixSeconds: unixSeconds &+ nanoseconds / CivilCalendar.nanosPerSecond,
            nanoseconds: Int64(nanosecond) + nanoseconds % CivilCalendar.nanosPerSecond, location: location)
    }

    /// Go's `Time.Sub`: saturates at the largest durations.
    func subtracting(_ other: StarlarkTime) -> Int64 {
        let difference =
            (Int128(unixSeconds) - Int128(other.unixSeconds)) * 1_000_000_000
            + Int128(nanosecond - other.nanosecond)
        if difference > Int128(Int64.max) { return Int64.max }
        if difference < Int128(Int64.min) { return Int64.min }
        return Int64(difference)
    }

    /// The fields in this time's location.
    var fields: CivilFields { CivilFields(unix: unixSeconds, nanosecond: nanosecond, location: location) }

    /// Nanoseconds since the epoch, wrapping like Go's `UnixNano` outside its range.
    var unixNano: Int64 { unixSeconds &* 1_000_000_000 &+ Int64(nanosecond) }

    /// `time.time`.
    public var typeName: String { "time.time" }
    /// Like Go: `2006-01-02 15:04:05.999999999 -0700 MST`.
    public var description: String { TimeLayout.format(self, "2006-01-02 15:04:05.999999999 -0700 MST") }
    /// False only for Go's zero time, January 1 of year 1, 00:00:00 UTC.
    public var truth: Bool { !(unixSeconds == -62_135_596_800 && nanosecond == 0) }

    /// Hashes the instant.
    public func hash() throws -> Int { unixNano.hashValue }

    /// Times are equal when they denote the same instant, whatever their locations.
    public func equals(_ other: any StarlarkObject) throws -> Bool {
        guard let other = other as? StarlarkTime else { return false }
        return compare(other) == 0
    }

    /// Orders two instants: negative, zero or positive.
    public func compare(_ other: StarlarkTime) -> Int {
        if unixSeconds != other.unixSeconds { return unixSeconds < other.unixSeconds ? -1 : 1 }
        return nanosecond < other.nanosecond ? -1 : (nanosecond == other.nanosecond ? 0 : 1)
    }

    /// The fields `year` … `nanosecond`, `unix`, `unix_nano` and the methods `format` and `in_location`.
    public func attribute(_ name: String) throws -> Value? {
        switch name {
        case "year": return .int(Int(fields.year))
        case "month": return .int(fields.month)
        case "day": return .int(fields.day)
        case "hour": return .int(fields.hour)
        case "minute": return .int(fields.minute)
        case "second": return .int(fields.second)
        case "nanosecond": return .int(nanosecond)
        case "unix": return .int(Int(unixSeconds))
        case "unix_nano": return .int(Int(unixNano))
        case "format": return method(name) { time, layout in .string(TimeLayout.format(time, layout)) }
        case "in_location":
            return method(name) { time, zone in .object(time.inLocation(try TimeLocation.load(zone))) }
        default: return nil
        }
    }

    /// A method taking one string, bound to this time.
    private func method(_ name: String, _ body: @escaping @Sendable (StarlarkTime, String) throws -> Value) -> Value {
        .builtin(
            Builtin(name, receiver: .object(self)) { _, builtin, arguments in
                let text = try MethodArguments.string(
                    name, try MethodArguments.positional(name, arguments, min: 1, max: 1)[0], 0)
                guard case .object(let time as StarlarkTime) = builtin.receiver else { return .none }
                return try body(time, text)
            })
    }

    /// The methods, then the fields, as starlark-go lists them.
    public var attributeNames: [String] {
        [
            "format", "in_location", "year", "month", "day", "hour", "minute", "second", "nanosecond", "unix",
            "unix_nano",
        ]
    }

    /// `time + duration`, `time - duration`, `time - time` and the comparisons.
    public func binary(_ op: BinaryOperator, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        switch (op, other) {
        case (.plus, .object(let d as StarlarkDuration)): return .object(adding(d.nanoseconds))
        case (.minus, .object(let d as StarlarkDuration)) where selfIsLeft: return .object(adding(0 &- d.nanoseconds))
        case (.minus, .object(let t as StarlarkTime)):
            return StarlarkDuration.make(selfIsLeft ? subtracting(t) : t.subtracting(self))
        case (.less, .object(let t as StarlarkTime)), (.lessEqual, .object(let t as StarlarkTime)),
            (.greater, .object(let t as StarlarkTime)), (.greaterEqual, .object(let t as StarlarkTime)):
            return .bool(StarlarkDuration.holds(op, selfIsLeft ? compare(t) : t.compare(self)))
        default: return nil
        }
    }
}
