import Foundation
import Synchronization

/// The collector's counters since it started, per target, for `GET /metrics`.
final class CollectorMetrics: Sendable {
    private struct Counts {
        var accepted = 0
        var rejected = 0
        var unavailable = 0
    }
    private let counts = Mutex<[String: Counts]>([:])

    /// Counts `events` accepted for `target`.
    func accepted(_ target: String, _ events: Int) {
        counts.withLock { $0[target, default: Counts()].accepted += events }
    }

    /// Counts `events` rejected for `target` (a rejected batch counts each of its events, or one
    /// when the body could not be read as events).
    func rejected(_ target: String, _ events: Int) {
        counts.withLock { $0[target, default: Counts()].rejected += events }
    }

    /// Counts `events` refused with a 503 because the buffer could not take them.
    func unavailable(_ target: String, _ events: Int) {
        counts.withLock { $0[target, default: Counts()].unavailable += events }
    }

    /// Prometheus text exposition (format 0.0.4) of the counters and of the buffer's state per
    /// target: `buffered` events not yet flushed and the age of the oldest, in seconds.
    func exposition(targets: [String], buffer: [String: (events: Int, oldest: Date?)], now: Date) -> String {
        let snapshot = counts.withLock { $0 }
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ value: (String) -> String?) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for target in targets {
                if let value = value(target) { lines.append("\(name){target=\"\(Self.label(target))\"} \(value)") }
            }
        }
        family("ondatra_events_accepted_total", "counter", "Events durably buffered since the collector started.") {
            String(snapshot[$0]?.accepted ?? 0)
        }
        family("ondatra_events_rejected_total", "counter", "Events refused (400, 413) since the collector started.") {
            String(snapshot[$0]?.rejected ?? 0)
        }
        family(
            "ondatra_events_unavailable_total", "counter",
            "Events refused with 503 because the buffer could not take them (a full disk, a read-only folder)."
        ) { String(snapshot[$0]?.unavailable ?? 0) }
        family("ondatra_events_buffered", "gauge", "Events in the buffer that no run has flushed yet.") {
            String(buffer[$0]?.events ?? 0)
        }
        family(
            "ondatra_events_flush_lag_seconds", "gauge",
            "Age of the oldest buffered event's segment, in seconds (0 when nothing is buffered)."
        ) { target in
            guard let oldest = buffer[target]?.oldest else { return "0" }
            return String(format: "%.3f", max(0, now.timeIntervalSince(oldest)))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` escaped for a label value.
    private static func label(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
