import OndatraSync
import Testing

@Suite struct ChangeKeyTests {
    @Test func parsesAndPrintsTheStatusKey() {
        let key = ChangeKey(rowid: 42, type: .updatePostimage)
        #expect(key.description == "42:update_postimage")
        #expect(ChangeKey(parsing: "42:update_postimage") == key)
        #expect(ChangeKey(parsing: "42") == nil)
        #expect(ChangeKey(parsing: "x:insert") == nil)
        #expect(ChangeKey(parsing: "42:upsert") == nil)
    }

    @Test func backoffDoublesUpToTheCap() {
        var settings = DrainSettings()
        #expect(settings.backoff(afterAttempts: 1) == .seconds(1))
        #expect(settings.backoff(afterAttempts: 2) == .seconds(2))
        #expect(settings.backoff(afterAttempts: 5) == .seconds(16))
        #expect(settings.backoff(afterAttempts: 13) == .seconds(3600))
        settings.retryBackoff = .milliseconds(10)
        #expect(settings.backoff(afterAttempts: 3) == .milliseconds(40))
    }
}
