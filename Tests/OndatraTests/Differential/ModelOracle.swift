import Ondatra

/// A way a model's table differs from what a full recompute gives.
struct Divergence {
    /// What was checked: "contents", "changed keys", "history", "rows affected", ….
    var check: String
    /// One line on what is wrong.
    var detail: String
    /// Rows the table has that it should not (EXCEPT ALL), in a stable order.
    var unexpected: [Row] = []
    /// Rows the table should have and does not (EXCEPT ALL), in a stable order.
    var missing: [Row] = []
}

/// What one model must hold after every run, computed only from full recomputes of its SQL under
/// its kind's semantics, whatever the runner did to get there:
///
/// - table, partition, tracked: the table equals the SQL's full result now;
/// - merge: an expected state that starts empty and is upserted by key with every full result
///   (keys absent from a result keep their last row: merge never deletes);
/// - append: the previous expected rows plus (full result now EXCEPT ALL full result at the
///   previous run); the first run holds the whole result;
/// - scd2: the current versions equal the full result, and the history has one new version per
///   key whose row changed or appeared, contiguous except where the key was absent.
///
/// Besides contents, merge, tracked and scd2 must record changes for exactly the keys whose rows
/// changed: no spurious change events for unchanged rows (which a `@sink` would push again).
struct ModelOracle {
    /// The model this oracle checks.
    let shape: ModelShape
    /// append: the full result at the previous run.
    private var previousFull: RowMultiset?
    /// merge: the expected table, by key.
    private var merged: [Row: Row] = [:]
    /// append: the expected table.
    private var appended = RowMultiset()
    /// tracked: the previous full result's groups, by key.
    private var previousGroups: [Row: RowMultiset] = [:]
    /// scd2: the previous full result by key, the versions each key must have, and how many times
    /// each key came back after vanishing (the only breaks allowed in its chain of versions).
    private var previousRows: [Row: Row] = [:]
    private var versionCounts: [Row: Int] = [:]
    private var gaps: [Row: Int] = [:]

    init(shape: ModelShape) { self.shape = shape }

    /// Checks one run's observation and advances the expected state to it.
    /// - Returns: every divergence found; empty when the model holds what a full recompute gives.
    mutating func check(_ observation: Observation) -> [Divergence] {
        let full = RowMultiset(observation.full)
        var keyIndices: [Int] = []
        for key in shape.key {
            guard let index = observation.columns.firstIndex(where: { $0.lowercased() == key.lowercased() }) else {
                return [Divergence(check: "key", detail: "the result has no key column \(key)")]
            }
            keyIndices.append(index)
        }
        switch shape.kind {
        case .merge: return checkMerge(observation, keyIndices: keyIndices)
        case .append: return checkAppend(observation, full: full)
        case .tracked: return checkTracked(observation, full: full, keyIndices: keyIndices)
        case .scd2: return checkSCD2(observation, full: full, keyIndices: keyIndices)
        case .table, .partition, .events: return Self.compare(observation.table, expected: full)
        }
    }

    private mutating func checkMerge(_ observation: Observation, keyIndices: [Int]) -> [Divergence] {
        var next = merged
        var changed: Set<Row> = []
        for row in observation.full {
            let key = row.project(keyIndices)
            if next[key] != row { changed.insert(key) }
            next[key] = row
        }
        merged = next
        var divergences = Self.compare(observation.table, expected: RowMultiset(next.values))
        divergences += Self.compareKeys(observation.changedKeys, expected: changed)
        if observation.changedKeys != nil, changed.isEmpty, observation.rowsAffected != 0 {
            divergences.append(
                Divergence(
                    check: "rows affected",
                    detail: "no row of the full result changed, but the run reports \(observation.rowsAffected)"
                ))
        }
        return divergences
    }

    private mutating func checkAppend(_ observation: Observation, full: RowMultiset) -> [Divergence] {
        let expected = previousFull.map { appended.adding(full.subtracting($0)) } ?? full
        appended = expected
        previousFull = full
        return Self.compare(observation.table, expected: expected)
    }

    private mutating func checkTracked(_ observation: Observation, full: RowMultiset, keyIndices: [Int])
        -> [Divergence]
    {
        var rowsByKey: [Row: [Row]] = [:]
        for row in observation.full { rowsByKey[row.project(keyIndices), default: []].append(row) }
        let groups = rowsByKey.mapValues { RowMultiset($0) }
        let changed = Set(groups.keys).union(previousGroups.keys).filter { groups[$0] != previousGroups[$0] }
        previousGroups = groups
        return Self.compare(observation.table, expected: full)
            + Self.compareKeys(observation.changedKeys, expected: changed)
    }

    private mutating func checkSCD2(_ observation: Observation, full: RowMultiset, keyIndices: [Int]) -> [Divergence] {
        var now: [Row: Row] = [:]
        for row in observation.full { now[row.project(keyIndices)] = row }
        let first = observation.changedKeys == nil
        var changed: Set<Row> = []
        for (key, row) in now where previousRows[key] != row {
            changed.insert(key)
            if !first, previousRows[key] == nil, versionCounts[key] != nil { gaps[key, default: 0] += 1 }
            versionCounts[key, default: 0] += 1
        }
        for key in previousRows.keys where now[key] == nil { changed.insert(key) }
        previousRows = now
        var divergences = Self.compare(observation.table, expected: full)
        divergences += Self.compareKeys(observation.changedKeys, expected: changed)
        divergences += checkHistory(observation.versions, current: now)
        return divergences
    }

    /// Every key's versions: as many as expected, each closed one closed after it opened and
    /// not current, contiguous except where the key vanished, the last current exactly when the
    /// key is in the result now.
    private func checkHistory(_ versions: [SCD2Version], current: [Row: Row]) -> [Divergence] {
        var byKey: [Row: [SCD2Version]] = [:]
        for version in versions { byKey[version.key, default: []].append(version) }
        var problems: [String] = []
        for key in Set(byKey.keys).union(versionCounts.keys).sorted() {
            let chain = (byKey[key] ?? []).sorted { $0.validFrom < $1.validFrom }
            let expected = versionCounts[key] ?? 0
            if chain.count != expected {
                problems.append("key \(key): \(chain.count) version(s), expected \(expected)")
                continue
            }
            var breaks = 0
            for (older, newer) in zip(chain, chain.dropFirst()) {
                guard let closed = older.validTo, !older.isCurrent, closed > older.validFrom else {
                    problems.append("key \(key): version from \(older.validFrom) is not closed properly")
                    continue
                }
                if closed != newer.validFrom { breaks += 1 }
            }
            if breaks != gaps[key] ?? 0 {
                problems.append("key \(key): \(breaks) break(s) between versions, expected \(gaps[key] ?? 0)")
            }
            if let last = chain.last {
                let shouldBeCurrent = current[key] != nil
                if last.isCurrent != shouldBeCurrent || (last.validTo == nil) != shouldBeCurrent {
                    problems.append(
                        "key \(key): last version is_current=\(last.isCurrent), valid_to=\(last.validTo.map(String.init) ?? "NULL"), expected \(shouldBeCurrent ? "current" : "closed")"
                    )
                }
            }
        }
        guard !problems.isEmpty else { return [] }
        let shown = problems.prefix(5).joined(separator: "; ")
        return [Divergence(check: "history", detail: "\(problems.count) problem(s): \(shown)")]
    }

    /// The table against the expected rows, as multisets.
    static func compare(_ table: RowMultiset, expected: RowMultiset) -> [Divergence] {
        guard table != expected else { return [] }
        let unexpected = table.subtracting(expected)
        let missing = expected.subtracting(table)
        return [
            Divergence(
                check: "contents",
                detail:
                    "\(table.count) row(s) in the table, \(expected.count) expected: \(unexpected.count) in the table but not expected, \(missing.count) expected but not in the table",
                unexpected: unexpected.rows, missing: missing.rows)
        ]
    }

    /// The keys the run changed against the keys whose rows changed in the full results.
    static func compareKeys(_ observed: Set<Row>?, expected: Set<Row>) -> [Divergence] {
        guard let observed, observed != expected else { return [] }
        let spurious = observed.subtracting(expected).sorted()
        let unrecorded = expected.subtracting(observed).sorted()
        return [
            Divergence(
                check: "changed keys",
                detail:
                    "changes recorded for \(spurious.count) key(s) whose rows did not change, none for \(unrecorded.count) key(s) whose rows changed",
                unexpected: spurious, missing: unrecorded)
        ]
    }
}
