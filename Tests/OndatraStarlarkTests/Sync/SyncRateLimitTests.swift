import Foundation
import Ondatra
import OndatraTesting
import Synchronization
import Testing

/// The lib's `rate_limit` holds for a sink's concurrent pushes, on the real clock.
@Suite struct SyncRateLimitTests {
    /// Acceptance test of docs/sync.md's rate limit: `{"requests": 20, "per": "1s"}` with four
    /// batches in flight at once and one HTTP request per row (90 rows, batches of 5). The server
    /// notes when each request arrives; no one-second window, starting at any arrival, holds
    /// more than 20 of them, and every row is still delivered.
    @Test func pushesKeepToTheRateLimitAcrossConcurrentBatches() async throws {
        let arrivals = Mutex<[ContinuousClock.Instant]>([])
        let fixture = try await SyncFixture { _ in
            arrivals.withLock { $0.append(ContinuousClock.now) }
            return .json("{}")
        }
        try fixture.write(
            "lib/limited.star",
            """
            API = {
                "base_url": "\(fixture.server.baseURL)",
                "rate_limit": {"requests": 20, "per": "1s"},
                "push": {"batch_size": 5, "max_concurrent": 4},
            }

            def push(rows):
                statuses = {}
                for r in rows:
                    http.post("/rows/" + str(r["id"]), json={"id": r["id"]}).raise_for_status()
                    statuses[str(r["__ondatra_rowid"]) + ":" + r["__ondatra_change_type"]] = "ok"
                return statuses

            """)
        try fixture.write(
            "models/sync/limited.sql",
            "-- @kind: table\n-- @sink: limited\nSELECT i AS id FROM range(1, 91) t(i)\n")
        let run = try await fixture.run()
        let sync = try #require(run.results["sync.limited"]?.sync)
        #expect(sync.ok == 90 && sync.failed == 0 && sync.rejected == 0)
        let times = arrivals.withLock { $0 }.sorted()
        #expect(times.count == 90)
        #expect(Set(fixture.server.requests.map(\.path)).count == 90)
        var busiest = 0
        for (index, start) in times.enumerated() {
            let inWindow = times[index...].prefix { $0 < start + .seconds(1) }.count
            busiest = max(busiest, inWindow)
        }
        #expect(busiest <= 20, "a one-second window held \(busiest) requests")
    }
}
