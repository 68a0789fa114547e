import Foundation

/// The `time` module, as in starlark-go's `lib/time`: `now`, `time`, `parse_time`, `from_timestamp`,
/// `parse_duration`, `is_valid_timezone` and the duration constants, with the `time.time` and
/// `time.duration` types.
public enum TimeModule {
    /// The `thread.locals` key of a clock replacing the system one for `time.now()`.
    ///
    /// Store a `@Sendable () throws -> Date` under it (see ``setNow(_:_:)``) to make scripts deterministic.
    public static let nowKey = "time.now"

    /// Makes `time.now()` on `thread` return what `clock` returns.
    public static func setNow(_ thread: StarlarkThread, _ clock: @escaping @Sendable () throws -> Date) {
        thread.locals[nowKey] = clock
    }

    /// The module value to predeclare as `time`.
    public static let module = StarlarkModuleValue(
        name: "time",
        members: [
            "from_timestamp": .builtin(Builtin("from_timestamp", fromTimestamp)),
            "is_valid_timezone": .builtin(Builtin("is_valid_timezone", isValidTimezone)),
            "now": .builtin(Builtin("now", now)),
            "parse_duration": .builtin(Builtin("parse_duration", parseDuration)),
            "parse_time": .builtin(Builtin("parse_time", parseTime)),
            "time": .builtin(Builtin("time", makeTime)),
            "nanosecond": StarlarkDuration.make(1),
            "microsecond": StarlarkDuration.make(1_000),
            "millisecond": StarlarkDuration.make(1_000_000),
            "second": StarlarkDuration.make(1_000_000_000),
            "minute": StarlarkDuration.make(60_000_000_000),
            "hour": StarlarkDuration.make(3_600_000_000_000),
        ])

    /// `parse_duration(d)`: a duration from Go's duration text, or a duration unchanged.
    @Sendable static func parseDuration(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let value = try MethodArguments.positional(builtin.name, arguments, min: 1, max: 1)[0]
        switch value {
        case .object(let duration as StarlarkDuration): return .object(duration)
        case .string(let text):
            do {
                return StarlarkDuration.make(try DurationText.parse(text))
            } catch let error as StarlarkError {
                throw StarlarkError("\(builtin.name): for parameter 1: \(error.message)")
            }
        default:
            throw StarlarkError(
                "\(builtin.name): for parameter 1: got \(value.typeName), want a duration, string, or int")
        }
    }

    /// `is_valid_timezone(loc)`.
    @Sendable static func isValidTimezone(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let name = try string(
            builtin.name, try MethodArguments.positional(builtin.name, arguments, min: 1, max: 1)[0], "1")
        return .bool((try? TimeLocation.load(name)) != nil)
    }

    /// `parse_time(x, format=RFC3339, location="UTC")`.
    @Sendable static func parseTime(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let bound = try arguments.bind(builtin.name, ["x", "format?", "location?"])
        let text = try string(builtin.name, bound[0] ?? .none, "x")
        let layout = try bound[1].map { try string(builtin.name, $0, "format") } ?? "2006-01-02T15:04:05Z07:00"
        let locationName = try bound[2].map { try string(builtin.name, $0, "location") } ?? "UTC"
        if locationName == "UTC" {
            return .object(try TimeParsing.parse(layout, text, defaultLocation: .utc, local: .local))
        }
        let location = try TimeLocation.load(locationName)
        return .object(try TimeParsing.parse(layout, text, defaultLocation: location, local: location))
    }

    /// `from_timestamp(sec, nsec=0)`: a Unix time, shown in the local zone.
    @Sendable static func fromTimestamp(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let values = try MethodArguments.positional(builtin.name, arguments, min: 1, max: 2)
        let seconds = try int64(builtin.name, values[0], "1")
        let nanoseconds = values.count > 1 ? try int64(builtin.name, values[1], "2") : 0
        return .object(StarlarkTime(unixSeconds: seconds, nanoseconds: nanoseconds, location: .local))
    }

    /// `now()`: the thread's clock if the host set one, else the system clock, in the local zone.
    @Sendable static func now(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        _ = try MethodArguments.positional(builtin.name, arguments, min: 0, max: 0)
        if let clock = thread.locals[nowKey] as? @Sendable () throws -> Date {
            let interval = try clock().timeIntervalSince1970
            let seconds = interval.rounded(.down)
            return .object(
                StarlarkTime(
                    unixSeconds: Int64(seconds), nanosecond: Int(((interval - seconds) * 1e9).rounded(.down)),
                    location: .local))
        }
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return .object(StarlarkTime(unixSeconds: Int64(spec.tv_sec), nanosecond: Int(spec.tv_nsec), location: .local))
    }

    /// `time(year=0, month=0, day=0, hour=0, minute=0, second=0, nanosecond=0, location="UTC")`, keywords only.
    @Sendable static func makeTime(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value
    {
        let names = ["year", "month", "day", "hour", "minute", "second", "nanosecond"]
        let bound = try arguments.bind(builtin.name, names.map { $0 + "?" } + ["location?"])
        if !arguments.positional.isEmpty { throw StarlarkError("\(builtin.name): unexpected positional arguments") }
        var fields: [Int64] = []
        for (index, name) in names.enumerated() {
            fields.append(try bound[index].map { try int64(builtin.name, $0, name) } ?? 0)
        }
        let locationName = try bound[7].map { try string(builtin.name, $0, "location") } ?? ""
        let location = try TimeLocation.load(locationName)
        return .object(
            StarlarkTime.date(
                year: fields[0], month: fields[1], day: fields[2], hour: fields[3], minute: fields[4],
                second: fields[5], nanosecond: fields[6], location: location))
    }

    // MARK: Arguments

    private static func string(_ function: String, _ value: Value, _ parameter: String) throws -> String {
        guard case .string(let text) = value else {
            throw StarlarkError("\(function): for parameter \(parameter): got \(value.typeName), want string")
        }
        return text
    }

    private static func int64(_ function: String, _ value: Value, _ parameter: String) throws -> Int64 {
        switch value {
        case .int(let i): return Int64(i)
        case .bigInt: throw StarlarkError("\(function): for parameter \(parameter): int value out of range")
        default: throw StarlarkError("\(function): for parameter \(parameter): got \(value.typeName), want int")
        }
    }
}
