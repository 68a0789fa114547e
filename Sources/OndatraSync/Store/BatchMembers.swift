import Foundation

/// A change's place in the claim order: snapshot, then row id, then change type (by its store
/// code). The `pending_ready` index is sorted this way, and a batch's ranges are stretches of it.
struct ClaimPosition: Comparable, Hashable, Sendable {
    /// The change's snapshot.
    let snapshot: Int64
    /// The change's row id.
    let rowid: Int64
    /// The change type's ``ChangeType/storeCode``.
    let code: Int64

    /// Below every change's position (an exclusive lower bound for a walk of the whole order).
    static let beforeAll = ClaimPosition(snapshot: .min, rowid: .min, code: .min)
    /// Above every change's position (change type codes are 0 to 3).
    static let afterAll = ClaimPosition(snapshot: .max, rowid: .max, code: .max)

    /// Creates a position from its three columns.
    init(snapshot: Int64, rowid: Int64, code: Int64) {
        self.snapshot = snapshot
        self.rowid = rowid
        self.code = code
    }

    /// The position of `change`.
    init(_ change: Change) {
        self.init(snapshot: change.snapshot, rowid: change.key.rowid, code: change.key.type.storeCode)
    }

    /// The three columns, to bind as statement arguments in this order.
    var values: [Int64] { [snapshot, rowid, code] }

    /// In claim order.
    static func < (lhs: ClaimPosition, rhs: ClaimPosition) -> Bool {
        if lhs.snapshot != rhs.snapshot { return lhs.snapshot < rhs.snapshot }
        if lhs.rowid != rhs.rowid { return lhs.rowid < rhs.rowid }
        return lhs.code < rhs.code
    }
}

/// A stretch of the claim order a live batch walked, first and last member included. No other
/// claim takes a change inside it until the batch is settled, released or taken back.
struct ClaimRange: Sendable, Equatable {
    /// The batch's first member in the stretch.
    let first: ClaimPosition
    /// The batch's last member in the stretch.
    let last: ClaimPosition
}

/// A batch's members (each change's key and the snapshot that was claimed) kept in one BLOB of the
/// `batches` row, so claiming marks no queued row and settling finds its members without an index.
///
/// The format: one version byte (1), then per member in claim order three fields: the snapshot as
/// the difference from the previous member's, the row id likewise (both zigzag varints, wrapping,
/// so every Int64 round-trips), and the change type code as one byte. A batch of consecutive
/// changes costs about three bytes a member.
enum BatchMembers {
    private static let version: UInt8 = 1

    /// `changes` as a BLOB.
    static func encode(_ changes: [Change]) -> Data {
        var bytes: [UInt8] = [version]
        bytes.reserveCapacity(1 + changes.count * 4)
        var snapshot: Int64 = 0
        var rowid: Int64 = 0
        for change in changes {
            appendVarint(zigzag(change.snapshot &- snapshot), to: &bytes)
            appendVarint(zigzag(change.key.rowid &- rowid), to: &bytes)
            bytes.append(UInt8(truncatingIfNeeded: change.key.type.storeCode))
            snapshot = change.snapshot
            rowid = change.key.rowid
        }
        return Data(bytes)
    }

    /// The changes ``encode(_:)`` wrote.
    /// - Throws: ``SQLiteDeliveryStoreError`` when the BLOB is not in this format.
    static func decode(_ data: Data) throws -> [Change] {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws -> [Change] in
            var reader = Reader(bytes: buffer)
            guard try reader.byte() == version else {
                throw SQLiteDeliveryStoreError.unreadableRow("batch members of an unknown format")
            }
            var changes: [Change] = []
            var snapshot: Int64 = 0
            var rowid: Int64 = 0
            while !reader.atEnd {
                snapshot = snapshot &+ unzigzag(try reader.varint())
                rowid = rowid &+ unzigzag(try reader.varint())
                let code = Int64(try reader.byte())
                guard let type = ChangeType(storeCode: code) else {
                    throw SQLiteDeliveryStoreError.unreadableRow("change type code \(code) in batch members")
                }
                changes.append(Change(key: ChangeKey(rowid: rowid, type: type), snapshot: snapshot))
            }
            return changes
        }
    }

    private static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    private static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Reads a BLOB front to back, throwing (never trapping) on a short or malformed one.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw SQLiteDeliveryStoreError.unreadableRow("truncated batch members") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                // A tenth byte may carry only the top bit of 64.
                guard shift < 63 || (shift == 63 && next <= 1) else {
                    throw SQLiteDeliveryStoreError.unreadableRow("overlong varint in batch members")
                }
                value |= UInt64(next & 0x7F) << shift
                if next < 0x80 { return value }
                shift += 7
            }
        }
    }
}
