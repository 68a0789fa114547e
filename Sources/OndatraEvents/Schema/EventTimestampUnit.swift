/// The resolution of a DuckDB `TIMESTAMP` without time zone.
public enum EventTimestampUnit: Sendable, Hashable, CaseIterable {
    /// `TIMESTAMP_S`.
    case seconds
    /// `TIMESTAMP_MS`.
    case milliseconds
    /// `TIMESTAMP` (`DATETIME`, `TIMESTAMP_US`).
    case microseconds
    /// `TIMESTAMP_NS`.
    case nanoseconds

    /// DuckDB's name for the type.
    public var sqlName: String {
        switch self {
        case .seconds: "TIMESTAMP_S"
        case .milliseconds: "TIMESTAMP_MS"
        case .microseconds: "TIMESTAMP"
        case .nanoseconds: "TIMESTAMP_NS"
        }
    }

    /// The unit DuckDB picks for `TIMESTAMP(p)`: 0 seconds, 1-3 ms, 4-6 µs, 7-9 ns; nil beyond 9.
    static func forPrecision(_ digits: Int) -> EventTimestampUnit? {
        switch digits {
        case 0: .seconds
        case 1...3: .milliseconds
        case 4...6: .microseconds
        case 7...9: .nanoseconds
        default: nil
        }
    }
}
