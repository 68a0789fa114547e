import Foundation
import OndatraSync

/// What the SQLite delivery store's tests and benchmarks share, in one namespace so the names do
/// not meet other suites' helpers.
enum StoreFixture {
    /// A fixed start time; the tests move along it in whole seconds.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// `seconds` after ``t0``.
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// A change of row `rowid`.
    static func change(_ rowid: Int64, _ type: ChangeType = .insert, _ snapshot: Int64 = 1) -> Change {
        Change(key: ChangeKey(rowid: rowid, type: type), snapshot: snapshot)
    }

    /// A batch-log entry of a push that took 1.5 s.
    static func logEntry(
        _ batch: BatchID, rows: Int = 1, delivered: Int = 1, error: String? = nil, started: Date = t0
    ) -> BatchLogEntry {
        BatchLogEntry(
            batch: batch, started: started, duration: .milliseconds(1_500), rows: rows, delivered: delivered,
            retried: rows - delivered, dead: 0, error: error)
    }

    /// A folder under the system's temporary directory, removed when the value goes away.
    final class Directory {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory.appending(path: "ondatra-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        /// The store file; its folder does not exist yet, so opening the store creates it.
        var storePath: URL { url.appending(path: ".ondatra/sync.sqlite") }

        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// What a test body throws on purpose.
    struct Boom: Error {}

    /// Error messages collected from several threads.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []

        func append(_ message: String) { lock.withLock { list.append(message) } }

        var messages: [String] { lock.withLock { list } }
    }

    /// The process's memory as Linux reports it in /proc/self/status.
    enum Memory {
        /// Resident memory now (VmRSS), in bytes; nil where /proc is missing.
        static func residentBytes() -> Int? { field("VmRSS") }

        /// The most resident memory since the start or the last ``resetPeak()`` (VmHWM), in bytes.
        static func peakBytes() -> Int? { field("VmHWM") }

        /// Starts the peak over from the present resident memory.
        static func resetPeak() {
            try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        }

        /// Bytes the process has handed to `write` and its kin so far (`wchar` in /proc/self/io):
        /// for the store, its log frames and checkpoints. Nil where /proc is missing.
        static func bytesWritten() -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
                return Int(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces))
            }
            return nil
        }

        private static func field(_ name: String) -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let kilobytes = line.dropFirst(name.count + 1).split(whereSeparator: \.isWhitespace).first
                return kilobytes.flatMap { Int($0) }.map { $0 * 1_024 }
            }
            return nil
        }
    }
}

extension SQLiteDeliveryStore {
    /// Opens the store of `dir`.
    static func open(_ dir: StoreFixture.Directory, batchLogLimit: Int = 10_000) throws -> SQLiteDeliveryStore {
        try SQLiteDeliveryStore(path: dir.storePath, batchLogLimit: batchLogLimit)
    }

    /// Enqueues `changes` for `target` through `snapshot`.
    @discardableResult
    func add(
        _ changes: [Change], to target: String = "main.orders", through snapshot: Int64 = 1,
        replacing: Bool = false, now: Date = StoreFixture.t0
    ) throws -> Int {
        try enqueue(target: target, through: snapshot, replacing: replacing, now: now) { writer in
            for change in changes { try writer.write(change) }
        }
    }

    /// Claims up to `limit` changes of `main.orders` at `now`, leased for `lease` seconds.
    func take(_ limit: Int = 100, owner: String = "run-a", now: Date = StoreFixture.t0, lease: Double = 60) throws
        -> ClaimedBatch?
    {
        try claim(
            target: "main.orders", limit: limit, owner: owner, now: now, leaseUntil: now.addingTimeInterval(lease))
    }

    /// The status of `target`.
    func status(_ target: String = "main.orders") throws -> TargetStatus {
        try status(of: target, now: StoreFixture.t0)
    }
}
