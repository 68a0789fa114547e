import Foundation
import RateLimit
import Starlark
import Synchronization

/// OAuth2 tokens for API calls: the client-credentials flow, or the refresh-token flow when a
/// refresh token is given. A token is reused until a minute before it expires, kept in memory
/// and, when `cacheFile` is set, in a file only the owner can read (0600), so the next run does
/// not ask again. A rotated refresh token replaces the old one in that file.
public final class OAuthTokens: Sendable {
    /// What the token endpoint needs.
    public struct Settings: Sendable, Hashable {
        /// The token endpoint.
        public var tokenURL: String
        /// The client id.
        public var clientID: String
        /// The client secret.
        public var clientSecret: String
        /// A refresh token: use the refresh-token flow instead of client credentials.
        public var refreshToken: String?
        /// Space-separated scopes to ask for.
        public var scope: String?

        /// Creates settings.
        public init(
            tokenURL: String, clientID: String, clientSecret: String, refreshToken: String? = nil, scope: String? = nil
        ) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.refreshToken = refreshToken
            self.scope = scope
        }
    }

    /// A token and when it stops being valid; what the cache file holds.
    struct Token: Codable, Sendable {
        var accessToken: String
        var expiresAt: Date
        var refreshToken: String?
        /// The settings the token was issued for; a cached token for other settings is not used.
        var settings: String?
    }

    /// Tokens are renewed this long before they expire.
    public static let margin: TimeInterval = 60

    let settings: Settings
    let cacheFile: URL?
    let transport: any HTTPTransport
    /// The lib's limiter: token requests count as requests of the lib.
    let rateLimiter: RateLimiter?
    let clock: any RuntimeClock
    private let current = Mutex<Token?>(nil)

    /// Creates a token source; nothing is requested until ``accessToken()``.
    /// - Parameters:
    ///   - rateLimiter: the limiter of the lib the tokens are for, waited on with `clock`.
    public init(
        settings: Settings, cacheFile: URL?, transport: any HTTPTransport = AsyncHTTPClientTransport.shared,
        rateLimiter: RateLimiter? = nil,
        clock: any RuntimeClock = SystemClock()
    ) {
        self.settings = settings
        self.cacheFile = cacheFile
        self.transport = transport
        self.rateLimiter = rateLimiter
        self.clock = clock
        Self.remember([settings.clientSecret, settings.refreshToken].compactMap { $0 })
    }

    /// Every client secret and token any source of this process has seen, for redaction.
    public static var knownSecrets: [String] { known.withLock { Array($0) } }

    private static let known = Mutex<Set<String>>([])

    private static func remember(_ secrets: [String]) {
        known.withLock { $0.formUnion(secrets.filter { !$0.isEmpty }) }
    }

    /// What identifies the settings a token belongs to (not the secret itself).
    private var settingsKey: String {
        [settings.tokenURL, settings.clientID, settings.scope ?? "", settings.refreshToken ?? ""].joined(
            separator: "\u{1F}")
    }

    /// A valid access token: the one in memory or in the cache file while it lasts, else a new one.
    /// - Throws: ``StarlarkError`` when the token endpoint refuses or answers something unexpected.
    public func accessToken() throws -> String {
        try current.withLock { token in
            if token == nil { token = readCache().flatMap { $0.settings == settingsKey ? $0 : nil } }
            if let valid = token, valid.expiresAt.timeIntervalSince(clock.wallTime) > Self.margin {
                Self.remember([valid.accessToken, valid.refreshToken].compactMap { $0 })
                return valid.accessToken
            }
            var fresh = try request(refreshToken: token?.refreshToken ?? settings.refreshToken)
            fresh.settings = settingsKey
            Self.remember([fresh.accessToken, fresh.refreshToken].compactMap { $0 })
            token = fresh
            writeCache(fresh)
            return fresh.accessToken
        }
    }

    /// The in-memory token source for `settings`, shared by every `http.oauth` call in the process.
    static func shared(_ settings: Settings, transport: any HTTPTransport) -> OAuthTokens {
        sources.withLock { sources in
            if let existing = sources[settings] { return existing }
            let created = OAuthTokens(settings: settings, cacheFile: nil, transport: transport)
            sources[settings] = created
            return created
        }
    }

    private static let sources = Mutex<[Settings: OAuthTokens]>([:])

    private func request(refreshToken: String?) throws -> Token {
        var form: [(String, String)] = [("client_id", settings.clientID), ("client_secret", settings.clientSecret)]
        if let refreshToken {
            form = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)] + form
        } else {
            form = [("grant_type", "client_credentials")] + form
        }
        if let scope = settings.scope { form.append(("scope", scope)) }
        let body = form.map { URLEncoding.component($0.0) + "=" + URLEncoding.component($0.1) }.joined(separator: "&")
        let response: HTTPResponseData
        let slot = rateLimiter.map { $0.reserve(at: clock.now) }
        if let slot { clock.sleep(until: slot) }
        defer {
            if let slot, let rateLimiter { rateLimiter.settle(slot, at: clock.now) }
        }
        do {
            response = try transport.send(
                HTTPRequestData(
                    method: "POST", url: settings.tokenURL,
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                    body: Array(body.utf8)))
        } catch let error as HTTPNetworkError {
            throw StarlarkError("oauth: token request to \(settings.tokenURL) failed: \(error.message)")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard (200..<300).contains(response.status) else {
            throw StarlarkError("oauth: the token endpoint \(settings.tokenURL) answered \(response.status): \(text)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let access = object["access_token"] as? String, !access.isEmpty
        else {
            throw StarlarkError("oauth: the token endpoint's answer has no access_token: \(text.prefix(200))")
        }
        // Some endpoints send expires_in as a string.
        let lifetime =
            (object["expires_in"] as? NSNumber)?.doubleValue ?? (object["expires_in"] as? String).flatMap(Double.init)
            ?? 3600
        return Token(
            accessToken: access, expiresAt: clock.wallTime.addingTimeInterval(lifetime),
            refreshToken: (object["refresh_token"] as? String) ?? refreshToken)
    }

    private func readCache() -> Token? {
        guard let cacheFile, let data = try? Data(contentsOf: cacheFile) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(Token.self, from: data)
    }

    private func writeCache(_ token: Token) {
        guard let cacheFile else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        guard let data = try? encoder.encode(token) else { return }
        let manager = FileManager.default
        try? manager.createDirectory(
            at: cacheFile.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        // Created with owner-only permissions before any byte is written.
        _ = manager.createFile(atPath: cacheFile.path, contents: nil, attributes: [.posixPermissions: 0o600])
        try? manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cacheFile.path)
        try? data.write(to: cacheFile)
    }
}
