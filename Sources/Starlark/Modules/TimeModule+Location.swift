import Foundation
import Synchronization

/// A time zone as Go's `time.Location`: UTC, `Local`, a zone of the IANA database, or a fixed offset.
///
/// Zones are read from the system's TZif files so abbreviations (`EST`, `CEST`, `LMT`) and historical
/// offsets match Go; times after the file's last transition use Foundation's rules for the zone.
final class TimeLocation: Sendable {
    /// Go's `Location.String()`: `UTC`, `Local`, `US/Eastern`, or a fixed zone's name.
    let name: String
    private let kind: Kind

    private enum Kind: Sendable {
        case fixed(offset: Int, abbreviation: String)
        case zone(ZoneTable)
    }

    private init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// UTC.
    static let utc = TimeLocation(name: "UTC", kind: .fixed(offset: 0, abbreviation: "UTC"))

    /// A zone with a constant offset, as Go's `time.FixedZone`.
    static func fixed(_ name: String, offset: Int) -> TimeLocation {
        TimeLocation(name: name, kind: .fixed(offset: offset, abbreviation: name))
    }

    /// The abbreviation and offset (seconds east of UTC) in effect at a Unix time.
    func lookup(_ unix: Int64) -> (abbreviation: String, offset: Int) {
        switch kind {
        case .fixed(let offset, let abbreviation): (abbreviation, offset)
        case .zone(let table): table.lookup(unix)
        }
    }

    /// The offset a zone abbreviation such as `EST` has in this location around a Unix time, if it has one.
    func offset(forAbbreviation abbreviation: String, near unix: Int64) -> Int? {
        let candidates: [Int]
        switch kind {
        case .fixed(let offset, let name): candidates = name == abbreviation ? [offset] : []
        case .zone(let table): candidates = table.offsets(forAbbreviation: abbreviation)
        }
        // Prefer an offset whose abbreviation is in effect at that time.
        for candidate in candidates where lookup(unix &- Int64(candidate)).abbreviation == abbreviation {
            return lookup(unix &- Int64(candidate)).offset
        }
        return candidates.first
    }

    /// The zone named `name`, as Go's `time.LoadLocation`: "" and "UTC" are UTC, "Local" the local zone.
    static func load(_ name: String) throws -> TimeLocation {
        if name.isEmpty || name == "UTC" { return utc }
        if name == "Local" { return local }
        if name.hasPrefix("/") || name.hasPrefix("\\") || name.split(separator: "/").contains("..") {
            throw StarlarkError("time: invalid location name")
        }
        if let cached = cache.withLock({ $0[name] }) { return cached }
        guard let table = ZoneTable.load(name) else { throw StarlarkError("unknown time zone \(name)") }
        let location = TimeLocation(name: name, kind: .zone(table))
        cache.withLock { $0[name] = location }
        return location
    }

    private static let cache = Mutex<[String: TimeLocation]>([:])

    /// Go's `time.Local`: from `TZ` when set (empty means UTC), else `/etc/localtime`.
    static let local: TimeLocation = {
        let environment = ProcessInfo.processInfo.environment
        if let tz = environment["TZ"] {
            let zoneName = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            if zoneName.isEmpty || zoneName == "UTC" {
                return TimeLocation(name: "Local", kind: .fixed(offset: 0, abbreviation: "UTC"))
            }
            if let table = ZoneTable.load(zoneName) { return TimeLocation(name: "Local", kind: .zone(table)) }
        }
        if let data = FileManager.default.contents(atPath: "/etc/localtime"),
            let table = ZoneTable(tzif: [UInt8](data), rules: TimeZone.current)
        {
            return TimeLocation(name: "Local", kind: .zone(table))
        }
        return TimeLocation(name: "Local", kind: .fixed(offset: 0, abbreviation: "UTC"))
    }()
}

/// The contents of a TZif file: zone types and transition times.
struct ZoneTable: Sendable {
    struct ZoneType: Sendable {
        let offset: Int
        let isDST: Bool
        let abbreviation: String
    }

    private let types: [ZoneType]
    private let transitions: [Int64]
    private let transitionTypes: [Int]
    /// The standard and daylight abbreviations from the file's POSIX footer (e.g. `EST5EDT,M3.2.0,…`).
    private let footerNames: (standard: String, daylight: String)?
    /// Rules for times after the last transition.
    private let rules: TimeZone?

    /// Where Go looks for zone files on Unix.
    private static let directories = [
        "/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/", "/etc/zoneinfo/",
    ]

    /// Loads a zone from the system's zone files; falls back to Foundation when none exist.
    static func load(_ name: String) -> ZoneTable? {
        for directory in directories {
            if let data = FileManager.default.contents(atPath: directory + name) {
                return ZoneTable(tzif: [UInt8](data), rules: TimeZone(identifier: name))
            }
        }
        let hasDatabase = directories.contains { FileManager.default.fileExists(atPath: $0) }
        guard !hasDatabase, let zone = TimeZone(identifier: name) else { return nil }
        return ZoneTable(foundation: zone)
    }

    private init(foundation zone: TimeZone) {
        types = []
        transitions = []
        transitionTypes = []
        footerNames = nil
        rules = zone
    }

    /// Parses TZif data (version 1, or the 64-bit block of versions 2 and later).
    init?(tzif data: [UInt8], rules: TimeZone?) {
        var reader = ByteReader(data)
        guard let header = reader.header() else { return nil }
        var counts = header.counts
        var timeSize = 4
        if header.version >= UInt8(ascii: "2") {
            reader.skip(counts.dataSize(timeSize: 4))
            guard let second = reader.header() else { return nil }
            counts = second.counts
            timeSize = 8
        }
        var transitions: [Int64] = []
        for _ in 0..<counts.times {
            guard let time = reader.signed(timeSize) else { return nil }
            transitions.append(time)
        }
        var indices: [Int] = []
        for _ in 0..<counts.times {
            guard let index = reader.bytes(1)?.first else { return nil }
            indices.append(Int(index))
        }
        var rawTypes: [(offset: Int, isDST: Bool, nameIndex: Int)] = []
        for _ in 0..<counts.types {
            guard let offset = reader.signed(4), let dst = reader.bytes(1)?.first,
                let nameIndex = reader.bytes(1)?.first
            else { return nil }
            rawTypes.append((Int(offset), dst != 0, Int(nameIndex)))
        }
        guard let names = reader.bytes(counts.chars), !rawTypes.isEmpty,
            indices.allSatisfy({ $0 >= 0 && $0 < rawTypes.count })
        else { return nil }
        types = rawTypes.map { raw in
            let tail = raw.nameIndex < names.count ? names[raw.nameIndex...] : []
            let name = tail.prefix { $0 != 0 }
            return ZoneType(offset: raw.offset, isDST: raw.isDST, abbreviation: String(decoding: name, as: UTF8.self))
        }
        self.transitions = transitions
        transitionTypes = indices
        self.rules = rules
        if timeSize == 8 {
            reader.skip(counts.leaps * 12 + counts.standardFlags + counts.utcFlags)
            footerNames = Self.footerNames(reader.rest())
        } else {
            footerNames = nil
        }
    }

    func lookup(_ unix: Int64) -> (abbreviation: String, offset: Int) {
        if types.isEmpty { return ruled(unix) ?? ("UTC", 0) }
        guard let first = transitions.first, unix >= first else {
            let type = types[firstType()]
            return (type.abbreviation, type.offset)
        }
        // The last transition at or before `unix`.
        var low = 0
        var high = transitions.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if transitions[middle] <= unix { low = middle } else { high = middle }
        }
        if low == transitions.count - 1, let ruled = ruled(unix) { return ruled }
        let type = types[transitionTypes[low]]
        return (type.abbreviation, type.offset)
    }

    /// The offsets of the zone types with an abbreviation.
    func offsets(forAbbreviation abbreviation: String) -> [Int] {
        types.filter { $0.abbreviation == abbreviation }.map(\.offset)
    }

    /// After the last transition: the footer rules, through Foundation.
    private func ruled(_ unix: Int64) -> (abbreviation: String, offset: Int)? {
        guard let rules else { return nil }
        let date = Date(timeIntervalSince1970: Double(unix))
        let offset = rules.secondsFromGMT(for: date)
        let isDST = rules.isDaylightSavingTime(for: date)
        if let footerNames { return (isDST ? footerNames.daylight : footerNames.standard, offset) }
        if let match = types.last(where: { $0.offset == offset && $0.isDST == isDST }) {
            return (match.abbreviation, offset)
        }
        return (rules.abbreviation(for: date) ?? "", offset)
    }

    /// The zone before the first transition, chosen as Go does.
    private func firstType() -> Int {
        if !transitionTypes.contains(0) { return 0 }
        if let first = transitionTypes.first, types[first].isDST {
            for index in stride(from: first - 1, through: 0, by: -1) where !types[index].isDST { return index }
        }
        return types.firstIndex { !$0.isDST } ?? 0
    }

    /// The abbreviations of a POSIX TZ string such as `EST5EDT,M3.2.0,M11.1.0` or `<-03>3`.
    private static func footerNames(_ bytes: [UInt8]) -> (String, String)? {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        var scanner = Substring(text)
        func name() -> String? {
            if scanner.first == "<" {
                guard let close = scanner.firstIndex(of: ">") else { return nil }
                let result = String(scanner[scanner.index(after: scanner.startIndex)..<close])
                scanner = scanner[scanner.index(after: close)...]
                return result
            }
            let letters = scanner.prefix { $0.isLetter }
            guard letters.count >= 3 else { return nil }
            scanner = scanner.dropFirst(letters.count)
            return String(letters)
        }
        guard let standard = name() else { return nil }
        scanner = scanner.drop { "+-0123456789:".contains($0) }
        let daylight = scanner.isEmpty || scanner.first == "," ? standard : (name() ?? standard)
        return (standard, daylight)
    }
}

/// Reads big-endian fields of a TZif file.
private struct ByteReader {
    struct Counts {
        var utcFlags = 0, standardFlags = 0, leaps = 0, times = 0, types = 0, chars = 0

        func dataSize(timeSize: Int) -> Int {
            times * timeSize + times + types * 6 + chars + leaps * (timeSize + 4) + standardFlags + utcFlags
        }
    }

    private let data: [UInt8]
    private var offset = 0

    init(_ data: [UInt8]) { self.data = data }

    mutating func header() -> (version: UInt8, counts: Counts)? {
        guard let magic = bytes(4), magic == Array("TZif".utf8), let version = bytes(1), bytes(15) != nil else {
            return nil
        }
        var values: [Int] = []
        for _ in 0..<6 {
            guard let value = signed(4), value >= 0 else { return nil }
            values.append(Int(value))
        }
        let counts = Counts(
            utcFlags: values[0], standardFlags: values[1], leaps: values[2], times: values[3], types: values[4],
            chars: values[5])
        return (version[0], counts)
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= data.count else { return nil }
        defer { offset += count }
        return Array(data[offset..<offset + count])
    }

    /// A big-endian two's-complement integer of `size` bytes (1, 4 or 8).
    mutating func signed(_ size: Int) -> Int64? {
        guard let raw = bytes(size) else { return nil }
        var value: UInt64 = 0
        for byte in raw { value = value << 8 | UInt64(byte) }
        let shift = UInt64(64 - size * 8)
        return Int64(bitPattern: value << shift) >> shift
    }

    mutating func skip(_ count: Int) { offset = min(data.count, offset + max(0, count)) }

    func rest() -> [UInt8] { Array(data[offset...]) }
}
