import Foundation
import Ondatra
import OndatraTesting
import Testing

/// `@column` masks on what Starlark models save and on what a `@sink` pushes: only masked values
/// reach the table and the API.
@Suite struct SyncMaskTests {
    @Test func starlarkRowsAndPushedRowsAreMasked() async throws {
        let fixture = try await SyncFixture()
        try fixture.write("lib/recorder.star", SyncFixture.recordingLib(url: fixture.server.baseURL))
        try fixture.write(
            "models/raw/contacts.star",
            """
            # @kind: merge
            # @unique_key: id
            # @column: ssn = | mask_ssn
            save.row({"id": 1, "email": "ann@example.com", "ssn": "123-45-6789"})
            save.row({"id": 2, "email": "bob@mail.org", "ssn": "987-65-4321"})
            """)
        try fixture.write(
            "models/sync/out.sql",
            """
            -- @kind: merge
            -- @unique_key: id
            -- @sink: recorder
            -- @column: email = Where to write. | mask_email
            SELECT id, email, ssn FROM raw.contacts
            """)
        let run = try await fixture.run()
        #expect(run.results["raw.contacts"]?.status == .ok, "\(run.results["raw.contacts"]?.errors ?? [])")
        #expect(run.results["sync.out"]?.status == .ok, "\(run.results["sync.out"]?.errors ?? [])")
        let session = try Session(project: fixture.project, environment: [:])
        let stored = try session.query("SELECT id, email, ssn FROM sync.out ORDER BY id").allRows()
            .map { $0.map(\.description) }
        #expect(stored == [["1", "a***@example.com", "***-**-6789"], ["2", "b***@mail.org", "***-**-4321"]])
        let pushed = fixture.bodies("/batch").compactMap { $0 as? [[String: Any]] }.flatMap { $0 }
        let values = pushed.compactMap { row -> String? in
            guard let email = row["email"] as? String, let ssn = row["ssn"] as? String else { return nil }
            return "\(email) \(ssn)"
        }.sorted()
        #expect(values == ["a***@example.com ***-**-6789", "b***@mail.org ***-**-4321"])
    }
}
