import Foundation
import OndatraSync

/// Batches, changes and times for the drain machine's tests (in a namespace, so other test files of
/// the module can name their helpers freely).
enum DrainFixture {
    /// The tests' time zero.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// `seconds` after ``t0``.
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// A key.
    static func key(_ rowid: Int64, _ type: ChangeType = .insert) -> ChangeKey { ChangeKey(rowid: rowid, type: type) }

    /// A queued insert of `rowid` that failed `attempts` times.
    static func change(_ rowid: Int64, _ type: ChangeType = .insert, attempts: Int = 0) -> PendingChange {
        PendingChange(change: Change(key: key(rowid, type), snapshot: 1), attempts: attempts)
    }

    /// A batch of inserts of `rowids`.
    static func batch(_ id: BatchID, _ rowids: [Int64], attempts: Int = 0, job: String? = nil) -> ClaimedBatch {
        ClaimedBatch(
            id: id, target: "main.t", changes: rowids.map { change($0, attempts: attempts) }, leaseUntil: at(600),
            job: job)
    }

    /// Settings for `mode`.
    static func settings(
        _ mode: BatchMode = .sync, maxConcurrent: Int = 1, finalize: Bool = false, maxAttempts: Int = 20
    ) -> DrainSettings {
        var settings = DrainSettings()
        settings.mode = mode
        settings.maxConcurrent = maxConcurrent
        settings.hasFinalize = finalize
        settings.maxAttempts = maxAttempts
        return settings
    }

    /// A machine started at ``t0`` and past recovery (nothing recovered): its first claim is out.
    static func running(_ settings: DrainSettings) -> DrainMachine {
        var machine = DrainMachine(target: "main.t", settings: settings, now: t0)
        _ = machine.start()
        _ = machine.handle(.recovered([], now: t0))
        return machine
    }

    /// `statuses` keyed by the insert keys of `rowids`.
    static func statuses(_ pairs: [(Int64, String)]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { (key($0.0).description, $0.1) })
    }

    /// The outcomes and log of the single `.complete` in `actions`.
    static func completion(_ actions: [DrainMachine.Action]) -> (
        id: BatchID, outcomes: [ChangeKey: Disposition], log: BatchLogEntry
    )? {
        guard actions.count == 1, case .complete(let id, let outcomes, let log) = actions[0] else { return nil }
        return (id, outcomes, log)
    }
}
