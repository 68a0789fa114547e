import DuckDB
import Foundation
import Ondatra
import OndatraSync
import OndatraTesting
import Testing

/// Rows are read when their batch is pushed (on the drain's read thread, inside the push's task):
/// a change whose row is gone by then is acknowledged without being pushed, alone in its batch or
/// beside rows that are still there, and a batch's rows are the rows of its own changes.
@Suite struct SyncReadTests {
    @Test func changesWhoseRowIsGoneAreAcknowledgedWithoutAPush() async throws {
        for batchSize in [1, 2, 10] {
            let fixture = try await SyncFixture()
            try fixture.write(
                "lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL, batchSize: batchSize))
            try fixture.write(
                "models/raw/src.sql", "-- @kind: table\nSELECT range AS id, 'v' || range AS val FROM range(1, 6)\n")
            try fixture.write(
                "models/sync/out.sql",
                "-- @kind: merge\n-- @unique_key: id\n-- @sink: recorder\nSELECT * FROM raw.src\n")
            // Five inserts queued, not pushed; then rows 2 and 4 leave the table.
            _ = try await fixture.run(push: false)
            let session = try Session(project: fixture.project, environment: [:])
            let rowids = try session.connection.rows(
                "SELECT id, rowid FROM lake.sync.out WHERE id IN (2, 4) ORDER BY id"
            )
            .compactMap { $0[1].int64.map { Int($0) } }
            #expect(rowids.count == 2)
            _ = try session.execute("DELETE FROM lake.sync.out WHERE id IN (2, 4)")
            let run = try await fixture.run(selection: [Target(schema: "sync", table: "out")])
            let sync = try #require(run.results["sync.out"]?.sync)
            #expect(sync.failed == 0 && sync.rejected == 0, "batch size \(batchSize): \(sync)")
            // The three inserts still there and the two deletes were pushed; the gone inserts were not.
            let pushed = fixture.bodies("/batch").compactMap { $0 as? [[String: Any]] }.flatMap { $0 }
            let seen = pushed.compactMap { row -> String? in
                guard let id = row["id"] as? Int, let type = row["__ondatra_change_type"] as? String else { return nil }
                return "\(id):\(type)"
            }.sorted()
            #expect(seen == ["1:insert", "2:delete", "3:insert", "4:delete", "5:insert"], "batch size \(batchSize)")
            #expect(
                pushed.allSatisfy { row in
                    !(rowids.contains { $0 == row["__ondatra_rowid"] as? Int ?? -1 }
                        && row["__ondatra_change_type"] as? String == "insert")
                })
            #expect(try fixture.store().status(of: "sync.out", now: Date()).pending == 0)
        }
    }
}
