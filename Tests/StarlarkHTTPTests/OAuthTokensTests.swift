import Foundation
import OndatraTesting
import RateLimit
import StarlarkHTTP
import Synchronization
import Testing

@Suite struct OAuthTokensTests {
    /// A token endpoint that hands out `token-N` for an hour and rotates refresh tokens.
    private func tokenServer() async throws -> TestHTTPServer {
        let issued = Mutex(0)
        return try await TestHTTPServer.start { request in
            guard request.body.contains("client_id=app") && request.body.contains("client_secret=sh%21") else {
                return .json(#"{"error": "invalid_client"}"#, status: 401)
            }
            let number = issued.withLock { count in
                count += 1
                return count
            }
            return .json(
                #"{"access_token": "token-\#(number)", "expires_in": 3600, "refresh_token": "refresh-\#(number)"}"#)
        }
    }

    @Test func reusesATokenUntilShortlyBeforeItExpiresThenRefreshes() async throws {
        let server = try await tokenServer()
        defer { server.stop() }
        let folder = try TemporaryDirectory()
        let cache = folder.url.appending(path: "oauth/lib.json")
        let clock = ManualClock(wallTime: Date(timeIntervalSince1970: 1_000_000))
        let settings = OAuthTokens.Settings(tokenURL: server.baseURL + "/token", clientID: "app", clientSecret: "sh!")
        let tokens = OAuthTokens(settings: settings, cacheFile: cache, clock: clock)
        let first = try await runBlocking { try tokens.accessToken() }
        #expect(first == "token-1")
        #expect(try await runBlocking { try tokens.accessToken() } == "token-1")
        #expect(server.requests.count == 1)
        #expect(server.requests[0].body.hasPrefix("grant_type=client_credentials&"))
        let mode = try FileManager.default.attributesOfItem(atPath: cache.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // A new source (the next run) reads the cached token instead of asking.
        let again = OAuthTokens(settings: settings, cacheFile: cache, clock: clock)
        #expect(try await runBlocking { try again.accessToken() } == "token-1")
        #expect(server.requests.count == 1)

        // Within a minute of expiry it renews, with the refresh token it was given.
        clock.advance(by: .seconds(3600 - 30))
        #expect(try await runBlocking { try again.accessToken() } == "token-2")
        #expect(server.requests.count == 2)
        #expect(server.requests[1].body.hasPrefix("grant_type=refresh_token&refresh_token=refresh-1&"))
        #expect(OAuthTokens.knownSecrets.contains("token-2"))
    }

    @Test func tokenRequestsWaitForTheLibsRateLimit() async throws {
        let server = try await tokenServer()
        defer { server.stop() }
        let clock = ManualClock()
        let limiter = RateLimiter(requests: 1, per: .seconds(10))
        // The lib's own request just used the only slot of this window.
        _ = limiter.reserve(at: clock.now)
        let tokens = OAuthTokens(
            settings: OAuthTokens.Settings(tokenURL: server.baseURL + "/token", clientID: "app", clientSecret: "sh!"),
            cacheFile: nil, rateLimiter: limiter, clock: clock)
        #expect(try await runBlocking { try tokens.accessToken() } == "token-1")
        #expect(clock.wakeUps == [.seconds(10)])
    }

    @Test func aRefusedClientIsAClearError() async throws {
        let server = try await tokenServer()
        defer { server.stop() }
        let tokens = OAuthTokens(
            settings: OAuthTokens.Settings(tokenURL: server.baseURL + "/token", clientID: "app", clientSecret: "wrong"),
            cacheFile: nil)
        let error = await #expect(throws: (any Error).self) { _ = try await runBlocking { try tokens.accessToken() } }
        #expect("\(error.map { "\($0)" } ?? "")".contains("answered 401"))
    }
}
