import Crypto
import Foundation
import Ondatra
import Starlark

/// Which `query()` calls the rows a tracked Starlark model saves come from, so that the next run
/// filters only those queries to new and changed groups, and lookups keep returning every row.
///
/// A saved row comes from a query when it is a dict that query returned (`save.row(row)`, also
/// after the script changed it). A dict the script built comes from a query when that query,
/// called before the save, returned a row with the same key values and the same value in every
/// column the two share, and no other query did. A row matching rows of several queries is
/// explained when one of them is known as a source from other rows; otherwise it is ambiguous
/// and traced to none.
final class SavedRowOrigins: @unchecked Sendable {
    /// The `@unique_key` columns, lowercased.
    private let keys: [String]
    /// Each `query()` call whose result held the keys: its fingerprint and the rows it returned
    /// (kept alive so their identities below stay unique).
    private var calls: [(fingerprint: String, rows: [StarlarkDict])] = []
    /// The call each returned row came from, by the row's identity.
    private var callOfRow: [ObjectIdentifier: Int] = [:]
    /// The rows of the first `indexedCalls` calls by key values, with their call; brought up to
    /// date when a dict the script made is saved.
    private var rowsByKey: [String: [(call: Int, row: StarlarkDict)]] = [:]
    private var indexedCalls = 0
    /// The fingerprints of the queries saved rows came from.
    private(set) var fingerprints: Set<String> = []
    /// Saved rows that matched rows of more than one query, by the fingerprints they matched.
    private var matchedSeveral: [Set<String>: Int] = [:]

    /// Saved rows that matched rows of more than one query, none of them a known source.
    var ambiguous: Int {
        matchedSeveral.filter { $0.key.isDisjoint(with: fingerprints) }.values.reduce(0, +)
    }

    init(keys: [String]) {
        self.keys = keys.map { $0.lowercased() }
    }

    /// How a query is known from run to run: SHA-256 (hex) of its SQL with every run of
    /// whitespace made one space and a trailing `;` dropped. A hash, so the commit metadata that
    /// keeps it never shows a value the SQL was built from.
    static func fingerprint(_ sql: String) -> String {
        var normalized = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while normalized.hasSuffix(";") {
            normalized.removeLast()
            normalized = normalized.trimmingCharacters(in: .whitespaces)
        }
        return SHA256.hash(data: Data(normalized.utf8)).hexString
    }

    /// Notes the rows `query()` returned for the query of `fingerprint` (its result held the keys).
    func returned(_ rows: Starlark.Value, fingerprint: String) {
        let dicts = (rows.arrayValue ?? []).compactMap { row -> StarlarkDict? in
            if case .dict(let dict) = row { return dict }
            return nil
        }
        let call = calls.count
        calls.append((fingerprint, dicts))
        for dict in dicts { callOfRow[ObjectIdentifier(dict)] = call }
    }

    /// Notes a row passed to `save.row()` or `save.rows()`.
    func saved(_ row: Starlark.Value) {
        guard case .dict(let dict) = row else { return }
        if let call = callOfRow[ObjectIdentifier(dict)] {
            fingerprints.insert(calls[call].fingerprint)
            return
        }
        let fields = Self.fields(of: dict)
        guard let key = key(of: fields) else { return }
        indexNewCalls()
        var matches: Set<String> = []
        for (call, candidate) in rowsByKey[key] ?? []
        where !matches.contains(calls[call].fingerprint) && Self.agrees(fields, Self.fields(of: candidate)) {
            matches.insert(calls[call].fingerprint)
        }
        if matches.count == 1 {
            fingerprints.formUnion(matches)
        } else if matches.count > 1 {
            matchedSeveral[matches, default: 0] += 1
        }
    }

    /// Adds the rows of calls made since the last save of a built dict to ``rowsByKey``.
    private func indexNewCalls() {
        for call in indexedCalls..<calls.count {
            for row in calls[call].rows {
                if let key = key(of: Self.fields(of: row)) { rowsByKey[key, default: []].append((call, row)) }
            }
        }
        indexedCalls = calls.count
    }

    /// The row's key values as one string; nil when it lacks a key column.
    private func key(of fields: [String: Starlark.Value]) -> String? {
        var parts: [String] = []
        for key in keys {
            guard let value = fields[key] else { return nil }
            parts.append(value.repr)
        }
        return parts.joined(separator: "\u{1F}")
    }

    /// The dict's string-named entries, names lowercased (as columns are matched).
    private static func fields(of dict: StarlarkDict) -> [String: Starlark.Value] {
        var fields: [String: Starlark.Value] = [:]
        for (name, value) in dict.entries {
            if case .string(let text) = name { fields[text.lowercased()] = value }
        }
        return fields
    }

    /// Whether every column the two rows share holds the same value.
    private static func agrees(_ saved: [String: Starlark.Value], _ returned: [String: Starlark.Value]) -> Bool {
        returned.allSatisfy { name, value in saved[name].map { $0 == value } ?? true }
    }
}
