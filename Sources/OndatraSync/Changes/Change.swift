import Foundation

/// A change type as DuckLake's `table_changes` reports it.
public enum ChangeType: String, Sendable, CaseIterable, Codable {
    /// A new row.
    case insert
    /// A row's values before an update.
    case updatePreimage = "update_preimage"
    /// A row's values after an update.
    case updatePostimage = "update_postimage"
    /// A removed row.
    case delete

    /// Whether the row's data is read from the table as it was before the change's snapshot
    /// (`delete`, `update_preimage`) rather than from the current table.
    public var readsPreviousVersion: Bool { self == .delete || self == .updatePreimage }

    /// The order a row's changes happen in within one snapshot.
    var order: Int {
        switch self {
        case .delete: 0
        case .updatePreimage: 1
        case .updatePostimage: 2
        case .insert: 3
        }
    }
}

/// One row's change: DuckLake's stable row id and the change type. Its text, `"<rowid>:<change_type>"`,
/// is the key of `push()`'s per-row statuses and the idempotency key a push should use.
public struct ChangeKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// DuckLake's stable row id.
    public let rowid: Int64
    /// What happened to the row.
    public let type: ChangeType

    /// Creates a key.
    public init(rowid: Int64, type: ChangeType) {
        self.rowid = rowid
        self.type = type
    }

    /// Parses `"<rowid>:<change_type>"`; nil for anything else.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":"), let rowid = Int64(text[..<colon]),
            let type = ChangeType(rawValue: String(text[text.index(after: colon)...]))
        else { return nil }
        self.init(rowid: rowid, type: type)
    }

    /// `"<rowid>:<change_type>"`.
    public var description: String { "\(rowid):\(type.rawValue)" }

    /// By row id, then change type in the order a row's changes happen.
    public static func < (lhs: ChangeKey, rhs: ChangeKey) -> Bool {
        if lhs.rowid != rhs.rowid { return lhs.rowid < rhs.rowid }
        return lhs.type.order < rhs.type.order
    }
}

/// A change read from `table_changes`: which row, what happened, and in which snapshot.
public struct Change: Hashable, Sendable {
    /// The row and change type.
    public let key: ChangeKey
    /// The DuckLake snapshot that made the change.
    public let snapshot: Int64

    /// Creates a change.
    public init(key: ChangeKey, snapshot: Int64) {
        self.key = key
        self.snapshot = snapshot
    }
}

/// A queued change with its delivery history.
public struct PendingChange: Hashable, Sendable {
    /// The change.
    public let change: Change
    /// Failed deliveries so far.
    public let attempts: Int
    /// The last failure's message, redacted.
    public let lastError: String?

    /// Creates a queued change.
    public init(change: Change, attempts: Int = 0, lastError: String? = nil) {
        self.change = change
        self.attempts = attempts
        self.lastError = lastError
    }

    /// The change's key.
    public var key: ChangeKey { change.key }
}
