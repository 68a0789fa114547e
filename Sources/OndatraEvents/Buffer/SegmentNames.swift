import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The names of the files in a target's folder.
///
/// - `open-<id>.ndjson`: the active segment, locked (`flock`) by the writer appending to it; an
///   unlocked one is an orphan of a writer that died, flushable.
/// - `seg-<id>.ndjson`: a sealed segment, never written again, flushable.
/// - `.new-<id>`: a segment being created (locked, then renamed to `open-…`), never read.
/// - `seal-request`: a flush asks the live writer to seal its active segment.
enum SegmentFile {
    static let openPrefix = "open-"
    static let sealedPrefix = "seg-"
    static let newPrefix = ".new-"
    static let suffix = ".ndjson"
    static let sealRequest = "seal-request"

    /// A segment file found in a target's folder.
    struct Entry: Sendable, Equatable {
        /// Whether the file was sealed (`seg-`) or is active or orphaned (`open-`).
        let sealed: Bool
        /// The segment id; text order is creation order.
        let id: String
        /// The file name.
        let name: String
    }

    /// The segment a file name stands for, or nil for any other file.
    static func parse(_ name: String) -> Entry? {
        guard name.hasSuffix(suffix) else { return nil }
        let sealed: Bool
        let prefixLength: Int
        if name.hasPrefix(sealedPrefix) {
            (sealed, prefixLength) = (true, sealedPrefix.utf8.count)
        } else if name.hasPrefix(openPrefix) {
            (sealed, prefixLength) = (false, openPrefix.utf8.count)
        } else {
            return nil
        }
        let id = String(name.dropFirst(prefixLength).dropLast(suffix.count))
        guard SegmentID.millis(of: id) != nil else { return nil }
        return Entry(sealed: sealed, id: id, name: name)
    }

    /// The segment files in `names`, oldest first.
    static func segments(in names: [String]) -> [Entry] {
        names.compactMap(parse).sorted { $0.id < $1.id }
    }

    static func openName(_ id: String) -> String { openPrefix + id + suffix }
    static func sealedName(_ id: String) -> String { sealedPrefix + id + suffix }
    static func newName(_ id: String) -> String { newPrefix + id }
}

/// Segment ids: `<13-digit unix ms>-<10-digit pid>-<6-digit sequence>`, fixed width so their text
/// order is their creation order, unique across processes (pid) and within one (sequence).
enum SegmentID {
    private static let state = Mutex<(millis: Int64, sequence: Int)>((0, 0))

    /// A new id whose time is at least `floor` (one past the newest id already in the folder, so
    /// a clock that went back across a restart still sorts new segments last).
    static func next(notBefore floor: Int64) -> String {
        let now = Posix.wallMillis()
        let (millis, sequence) = state.withLock { last -> (Int64, Int) in
            let millis = max(now, floor, last.millis)
            last.sequence = millis == last.millis ? last.sequence + 1 : 0
            last.millis = millis
            return (millis, last.sequence)
        }
        return pad(millis, 13) + "-" + pad(Int64(getpid()), 10) + "-" + pad(Int64(sequence), 6)
    }

    /// The creation time (unix ms) written in `id`, or nil when `id` is not a segment id.
    static func millis(of id: String) -> Int64? {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } })
        else { return nil }
        return Int64(parts[0])
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Turns an events target (`schema.table`) into its folder name under the buffer root.
enum TargetFolder {
    /// The lowercased target, refused when it could escape the root or hide as a dot file.
    static func name(for target: String) throws(EventBufferError) -> String {
        let name = target.lowercased()
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 200, bytes.first != UInt8(ascii: "."),
            !bytes.contains(UInt8(ascii: "/")), !bytes.contains(0)
        else { throw .invalidTarget(target) }
        return name
    }
}
