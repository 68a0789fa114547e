import Foundation
import Ondatra
import RateLimit
import Starlark
import StarlarkHTTP

extension LibAPI {
    /// The `http` defaults this `API` dict gives, with `auth` read from `variables`, and the
    /// secret values that must be hidden from output.
    /// - Throws: ``OndatraError`` naming the file and the variable when `auth` names one that is
    ///   not set (never a silent unauthenticated call).
    /// - Parameters:
    ///   - oauthCache: where an OAuth2 token is kept between runs.
    ///   - transport: where token requests go.
    func httpSettings(
        file: String, variables: [String: String], rateLimiter: RateLimiter?, oauthCache: URL,
        transport: any HTTPTransport
    ) throws -> (settings: HTTPSettings, secrets: [String]) {
        func variable(_ name: String) throws -> String {
            guard let value = variables[name], !value.isEmpty else {
                throw OndatraError(
                    .config, "auth: environment variable \(name) is not set (set it in .env or the environment)",
                    file: file)
            }
            return value
        }
        var settings = HTTPSettings(
            baseURL: baseURL, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            timeout: HTTPLimits.duration(seconds: timeout),
            retry: RetryPolicy(retries: retry, backoff: HTTPLimits.duration(seconds: backoff)),
            rateLimiter: rateLimiter)
        var secrets: [String] = []
        switch auth {
        case nil: break
        case .bearer(let name):
            let token = try variable(name)
            secrets.append(token)
            settings.headers.append(("Authorization", "Bearer " + token))
        case .header(let header, let name):
            let value = try variable(name)
            secrets.append(value)
            settings.headers.append((header, value))
            settings.secretHeaders.insert(header)
        case .queryParameter(let parameter, let name):
            let value = try variable(name)
            secrets.append(value)
            settings.queryParameters.append((parameter, value))
        case .basic(let userVariable, let passwordVariable):
            let user = try variable(userVariable)
            let password = try variable(passwordVariable)
            let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
            secrets += [password, encoded]
            settings.headers.append(("Authorization", "Basic " + encoded))
        case .oauth(let oauth):
            let refresh = try oauth["refresh_token_env"].map(variable)
            let tokens = OAuthTokens(
                settings: OAuthTokens.Settings(
                    tokenURL: oauth["token_url"] ?? "", clientID: try variable(oauth["client_id_env"] ?? ""),
                    clientSecret: try variable(oauth["client_secret_env"] ?? ""), refreshToken: refresh,
                    scope: oauth["scope"]),
                cacheFile: oauthCache, transport: transport, rateLimiter: rateLimiter)
            do {
                // Asked for now, so a refused client fails before any page.
                _ = try tokens.accessToken()
            } catch let error as StarlarkError {
                let redactor = SecretRedactor(secrets: secrets + OAuthTokens.knownSecrets)
                throw OndatraError(.query, redactor.redact(error.message), file: file)
            }
            settings.authorization = { "Bearer " + (try tokens.accessToken()) }
        }
        return (settings, secrets)
    }
}
