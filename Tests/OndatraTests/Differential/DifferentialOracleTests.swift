import Ondatra
import Testing

/// The oracle's own semantics on hand-written results, so a divergence the differential test
/// reports is the runner's and not the oracle's.
@Suite struct DifferentialOracleTests {
    private func rows(_ cells: [String?]...) -> [Row] { cells.map(Row.init) }

    private func observation(
        _ full: [Row], table: [Row], columns: [String] = ["id", "value"], changedKeys: Set<Row>? = nil,
        versions: [SCD2Version] = [], rowsAffected: Int64 = 0
    ) -> Observation {
        Observation(
            columns: columns, full: full, table: RowMultiset(table), changedKeys: changedKeys, versions: versions,
            rowsAffected: rowsAffected)
    }

    @Test func splitMix64IsReproducible() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        let a = (0..<5).map { _ in first.next() }
        #expect(a == (0..<5).map { _ in second.next() })
        #expect(Set(a).count == 5)
        var third = SplitMix64(seed: 43)
        #expect(third.next() != a[0])
    }

    @Test func multisetsCountRepeatsAndNullsAreEqual() {
        let left = RowMultiset(rows(["1", nil], ["1", nil], ["2", "x"]))
        let right = RowMultiset(rows(["1", nil], ["2", "x"]))
        #expect(left.subtracting(right).rows == rows(["1", nil]))
        #expect(right.subtracting(left).count == 0)
        #expect(right.adding(RowMultiset(rows(["1", nil]))) == left)
        #expect(Row(["NULL"]) != Row([nil]))
    }

    @Test func appendAddsWhatIsNewInTheResultAsAMultiset() {
        var oracle = ModelOracle(shape: ModelShape("mart.a", .append, "test", "SELECT 1"))
        #expect(oracle.check(observation(rows(["1", "a"]), table: rows(["1", "a"]))).isEmpty)
        // A repeat and a new row are added.
        let second = rows(["1", "a"], ["1", "a"], ["2", "b"])
        #expect(oracle.check(observation(second, table: second)).isEmpty)
        // Rows that vanish stay; nothing is added.
        #expect(oracle.check(observation(rows(["2", "b"]), table: second)).isEmpty)
        // A row that comes back is new again.
        let fourth = second + rows(["1", "a"])
        #expect(oracle.check(observation(rows(["1", "a"], ["2", "b"]), table: fourth)).isEmpty)
        // Re-adding a row the result already had is a divergence.
        let divergences = oracle.check(observation(rows(["1", "a"], ["2", "b"]), table: fourth + rows(["2", "b"])))
        #expect(divergences.map(\.check) == ["contents"])
        #expect(divergences.first?.unexpected == rows(["2", "b"]))
    }

    @Test func mergeUpsertsNeverDeletesAndChangesOnlyChangedKeys() {
        var oracle = ModelOracle(shape: ModelShape("mart.m", .merge, key: ["id"], "test", "SELECT 1"))
        #expect(
            oracle.check(observation(rows(["1", "a"], ["2", "b"]), table: rows(["1", "a"], ["2", "b"]))).isEmpty)
        // Key 1 vanishes (kept), key 2 changes, key 3 is new.
        let table = rows(["1", "a"], ["2", "c"], ["3", "d"])
        #expect(
            oracle.check(
                observation(rows(["2", "c"], ["3", "d"]), table: table, changedKeys: [Row(["2"]), Row(["3"])])
            ).isEmpty)
        // Nothing changed, yet key 2 was written again: a spurious change.
        let spurious = oracle.check(
            observation(rows(["2", "c"], ["3", "d"]), table: table, changedKeys: [Row(["2"])], rowsAffected: 1))
        #expect(spurious.map(\.check) == ["changed keys", "rows affected"])
    }

    @Test func trackedChangesExactlyTheGroupsThatChanged() {
        var oracle = ModelOracle(shape: ModelShape("mart.t", .tracked, key: ["id"], "test", "SELECT 1"))
        let first = rows(["1", "a"], ["1", "b"], ["2", "c"])
        #expect(oracle.check(observation(first, table: first)).isEmpty)
        // Same rows in another order: no group changed. Then group 2 vanishes.
        #expect(oracle.check(observation(first.reversed(), table: first, changedKeys: [])).isEmpty)
        let second = rows(["1", "a"], ["1", "b"])
        #expect(oracle.check(observation(second, table: second, changedKeys: [Row(["2"])])).isEmpty)
    }

    @Test func scd2VersionsFollowChangesAndGaps() {
        var oracle = ModelOracle(shape: ModelShape("mart.s", .scd2, key: ["id"], "test", "SELECT 1"))
        func version(_ from: Int64, _ to: Int64?) -> SCD2Version {
            SCD2Version(key: Row(["1"]), validFrom: from, validTo: to, isCurrent: to == nil)
        }
        #expect(
            oracle.check(observation(rows(["1", "a"]), table: rows(["1", "a"]), versions: [version(1, nil)])).isEmpty)
        // Changed: closed at 2, new version from 2.
        #expect(
            oracle.check(
                observation(
                    rows(["1", "b"]), table: rows(["1", "b"]), changedKeys: [Row(["1"])],
                    versions: [version(1, 2), version(2, nil)])
            ).isEmpty)
        // Vanished at 3, back at 5 with the same values: a gap, and a new version.
        #expect(
            oracle.check(
                observation([], table: [], changedKeys: [Row(["1"])], versions: [version(1, 2), version(2, 3)])
            ).isEmpty)
        let back = [version(1, 2), version(2, 3), version(5, nil)]
        #expect(
            oracle.check(
                observation(rows(["1", "b"]), table: rows(["1", "b"]), changedKeys: [Row(["1"])], versions: back)
            )
            .isEmpty)
        // Unchanged, but a new version appeared.
        let extra = [version(1, 2), version(2, 3), version(5, 6), version(6, nil)]
        #expect(
            oracle.check(observation(rows(["1", "b"]), table: rows(["1", "b"]), changedKeys: [], versions: extra)).map(
                \.check) == ["history"])
    }
}
