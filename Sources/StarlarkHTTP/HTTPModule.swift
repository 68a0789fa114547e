import Foundation
import RateLimit
import Starlark

/// Defaults every call of one `http` module shares (a lib function's `API` dict, resolved).
public struct HTTPSettings: Sendable {
    /// Prefixed to URLs without a scheme.
    public var baseURL: String?
    /// Headers sent with every request; a call's own headers win (names compared case-insensitively).
    public var headers: [(name: String, value: String)]
    /// Query parameters added to every request (an API key passed as a parameter).
    public var queryParameters: [(name: String, value: String)]
    /// Per-request timeout unless a call gives its own.
    public var timeout: Duration
    /// Retries and backoff unless a call gives its own.
    public var retry: RetryPolicy
    /// Shared by every request made through this module (and whatever else holds the limiter).
    public var rateLimiter: RateLimiter?
    /// Computes the `Authorization` header for each request (an OAuth2 token that may renew
    /// during a long fetch); a call's own `auth=` wins.
    public var authorization: (@Sendable () throws -> String)?
    /// Headers holding credentials (an API key header), dropped with `Authorization` and cookies
    /// when a redirect leads to another origin.
    public var secretHeaders: Set<String> = []
    /// Told of every answer a call returns to the script (after redirects and retries): its
    /// status and `METHOD url` with the query string left out (it may hold a key). A fetch that
    /// then fails names the last HTTP error it saw.
    public var onResponse: (@Sendable (_ status: Int, _ request: String) -> Void)?

    /// Creates settings; the defaults are those of an `API` dict with no keys.
    public init(
        baseURL: String? = nil, headers: [(name: String, value: String)] = [],
        queryParameters: [(name: String, value: String)] = [], timeout: Duration = .seconds(30),
        retry: RetryPolicy = RetryPolicy(), rateLimiter: RateLimiter? = nil
    ) {
        self.baseURL = baseURL
        self.headers = headers
        self.queryParameters = queryParameters
        self.timeout = timeout
        self.retry = retry
        self.rateLimiter = rateLimiter
    }
}

/// The `http` module: `get`, `post`, `put`, `patch` and `delete`, each taking `url` and the
/// keyword arguments `headers`, `params`, `json`, `data`, `body`, `timeout`, `retry`, `backoff`
/// and `auth`. A 4xx or 5xx is returned as a response once retries are spent; a network failure
/// raises an error. `http.oauth(token_url, client_id, client_secret, refresh_token=, scope=)`
/// returns an OAuth2 access token for `auth=`, kept for the process until shortly before it expires.
public struct HTTPModule: Sendable {
    /// The shared defaults.
    public var settings: HTTPSettings
    /// Where requests go.
    public var transport: any HTTPTransport
    /// What waits for rate limits and backoff.
    public var clock: any RuntimeClock
    /// Jitter source, a value in 0..<1.
    public var random: @Sendable () -> Double
    /// Hides secrets in URLs quoted by errors.
    public var redact: @Sendable (String) -> String

    /// Creates a module over the shared network transport and the system clock.
    public init(
        settings: HTTPSettings = HTTPSettings(), transport: any HTTPTransport = AsyncHTTPClientTransport.shared,
        clock: any RuntimeClock = SystemClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        redact: @escaping @Sendable (String) -> String = { $0 }
    ) {
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.random = random
        self.redact = redact
    }

    /// The module value to predeclare as `http`.
    public var value: StarlarkModuleValue {
        var members: [String: Value] = [:]
        for method in ["get", "post", "put", "patch", "delete"] {
            let module = self
            members[method] = .builtin(
                Builtin("http.\(method)") { thread, builtin, arguments in
                    try module.call(method.uppercased(), function: builtin.name, arguments, thread: thread)
                })
        }
        let transport = self.transport
        members["oauth"] = .builtin(
            Builtin("http.oauth") { _, builtin, arguments in
                let bound = try arguments.bind(
                    builtin.name, ["token_url", "client_id", "client_secret", "refresh_token?", "scope?"])
                func text(_ index: Int, _ name: String) throws -> String? {
                    guard let value = bound[index], value != .none else { return nil }
                    guard case .string(let text) = value else {
                        throw StarlarkError("\(builtin.name): \(name) must be a string, got \(value.typeName)")
                    }
                    return text
                }
                guard let url = try text(0, "token_url"), let id = try text(1, "client_id"),
                    let secret = try text(2, "client_secret")
                else { throw StarlarkError("\(builtin.name): token_url, client_id and client_secret are required") }
                let settings = OAuthTokens.Settings(
                    tokenURL: url, clientID: id, clientSecret: secret, refreshToken: try text(3, "refresh_token"),
                    scope: try text(4, "scope"))
                return .string(try OAuthTokens.shared(settings, transport: transport).accessToken())
            })
        return StarlarkModuleValue(name: "http", members: members)
    }

    static let parameters = [
        "url", "headers?", "params?", "json?", "data?", "body?", "timeout?", "retry?", "backoff?", "auth?",
    ]

    /// Builds the request from a call's arguments, sends it with retries, and wraps the response.
    func call(_ method: String, function: String, _ arguments: Arguments, thread: StarlarkThread) throws -> Value {
        let bound = try arguments.bind(function, Self.parameters)
        guard case .string(let target) = bound[0] ?? .none else {
            throw StarlarkError("\(function): url must be a string, got \(bound[0]?.typeName ?? "NoneType")")
        }
        var request = HTTPRequestData(method: method, url: try url(target, params: bound[2], function: function))
        request.timeout = try seconds(bound[6], function: function, name: "timeout") ?? settings.timeout
        guard request.timeout > .zero else { throw StarlarkError("\(function): timeout must be more than 0 seconds") }
        var headers = settings.headers
        func setHeader(_ name: String, _ value: String) {
            headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
            headers.append((name, value))
        }
        let bodies = [bound[3], bound[4], bound[5]].compactMap { $0 }.filter { $0 != .none }
        if bodies.count > 1 { throw StarlarkError("\(function): give at most one of json, data and body") }
        if let json = bound[3], json != .none {
            request.body = try JSONModule.encodeUTF8(json)
            setHeader("Content-Type", "application/json")
        } else if let data = bound[4], data != .none {
            if case .string(let text) = data {
                request.body = Array(text.utf8)
            } else {
                request.body = Array(try URLEncoding.form(data, function: function, parameter: "data").utf8)
            }
            setHeader("Content-Type", "application/x-www-form-urlencoded")
        } else if let body = bound[5], body != .none {
            switch body {
            case .string(let text): request.body = Array(text.utf8)
            case .bytes(let bytes): request.body = Array(bytes)
            default: throw StarlarkError("\(function): body must be a string or bytes, got \(body.typeName)")
            }
        }
        if let auth = bound[9], auth != .none {
            setHeader("Authorization", try authorization(auth, function: function))
        } else if let authorize = settings.authorization {
            setHeader("Authorization", try authorize())
        }
        if let given = bound[1], given != .none {
            guard let entries = given.dictEntries else {
                throw StarlarkError("\(function): headers must be a dict, got \(given.typeName)")
            }
            for (name, value) in entries {
                guard case .string(let field) = name else {
                    throw StarlarkError("\(function): header names must be strings, got \(name.typeName)")
                }
                setHeader(field, try URLEncoding.text(value, function: function, parameter: "headers"))
            }
        }
        request.headers = headers
        var policy = settings.retry
        if let retry = bound[7], retry != .none {
            guard let count = retry.intValue, count >= 0 else {
                throw StarlarkError("\(function): retry must be an int of at least 0, got \(retry.repr)")
            }
            policy.retries = count
        }
        if let backoff = try seconds(bound[8], function: function, name: "backoff") { policy.backoff = backoff }
        let response = try sendFollowingRedirects(request, policy: policy, function: function, thread: thread)
        let withoutQuery = request.url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.url
        settings.onResponse?(response.status, "\(method) \(redact(withoutQuery))")
        return .object(HTTPResponseValue(response, url: redact(request.url)))
    }

    /// Redirects followed before a call fails.
    public static let maxRedirects = 5

    /// Sends `request` and follows up to ``maxRedirects`` redirects. A redirect to another scheme,
    /// host or port drops `Authorization`, cookies and the secret headers, so credentials never
    /// reach a server they were not meant for; 303 (and 301/302 after a POST) continue as GET.
    func sendFollowingRedirects(
        _ request: HTTPRequestData, policy: RetryPolicy, function: String, thread: StarlarkThread
    ) throws -> HTTPResponseData {
        var current = request
        let secret = Set(
            ["authorization", "cookie", "proxy-authorization"] + settings.secretHeaders.map { $0.lowercased() })
        for _ in 0...Self.maxRedirects {
            let response = try send(current, policy: policy, function: function, thread: thread)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location"),
                let from = URL(string: current.url), let to = URL(string: location, relativeTo: from)?.absoluteURL
            else { return response }
            if from.scheme?.lowercased() != to.scheme?.lowercased() || from.host?.lowercased() != to.host?.lowercased()
                || from.port != to.port
            {
                current.headers.removeAll { secret.contains($0.name.lowercased()) }
            }
            if response.status == 303 || (response.status <= 302 && current.method == "POST") {
                current.method = "GET"
                current.body = nil
                current.headers.removeAll { $0.name.lowercased() == "content-type" }
            }
            current.url = to.absoluteString
        }
        throw StarlarkError("\(function) \(redact(request.url)): more than \(Self.maxRedirects) redirects")
    }

    /// Sends with the rate limit, retries and backoff of `policy`; waits, and the request in
    /// flight, end early when `thread` is cancelled, which is never retried.
    func send(_ request: HTTPRequestData, policy: RetryPolicy, function: String, thread: StarlarkThread) throws
        -> HTTPResponseData
    {
        var attempt = 0
        var politeWaits = 0
        while true {
            // Waiting for the limiter does not spend a retry.
            var slot: ContinuousClock.Instant?
            if let limiter = settings.rateLimiter {
                let start = limiter.reserve(at: clock.now)
                slot = start
                try clock.sleep(until: start, checking: thread.checkCancellation)
            }
            var retryAfter: Duration?
            let failure: HTTPNetworkError
            try thread.checkCancellation()
            do {
                let response = try send(request, slot: slot, thread: thread)
                guard RetryPolicy.isRetryable(status: response.status) else { return response }
                retryAfter = response.header("Retry-After").flatMap { RetryPolicy.retryAfter($0, now: clock.wallTime) }
                // A server that says when to come back is waited for without spending a retry
                // (a bounded number of times, so one that always says so still ends).
                if let wait = retryAfter, politeWaits < Self.maxRetryAfterWaits {
                    politeWaits += 1
                    try clock.sleep(
                        until: clock.now + min(wait, policy.maxRetryAfter), checking: thread.checkCancellation)
                    continue
                }
                guard attempt < policy.retries else { return response }
                failure = HTTPNetworkError("status \(response.status)")
            } catch let error as HTTPNetworkError {
                // A request cancelled with the script (Ctrl-C) ends it, as the script's own error.
                try thread.checkCancellation()
                failure = error
            }
            guard attempt < policy.retries else {
                let tries = attempt == 0 ? "" : " (after \(attempt + 1) attempts)"
                var error = StarlarkError(
                    "\(function) \(redact(request.url)): \(redact(failure.message))\(tries)")
                error.cause = HTTPRequestFailure(url: redact(request.url), message: redact(failure.message) + tries)
                throw error
            }
            try clock.sleep(
                until: clock.now + policy.delay(afterAttempt: attempt, retryAfter: retryAfter, random: random()),
                checking: thread.checkCancellation)
            attempt += 1
        }
    }

    /// Sends one attempt; then counts its rate-limit slot from when it was answered (see
    /// ``RateLimiter/settle(_:at:)``), so a request slow to reach the server cannot let later ones crowd its window.
    private func send(_ request: HTTPRequestData, slot: ContinuousClock.Instant?, thread: StarlarkThread) throws
        -> HTTPResponseData
    {
        defer {
            if let slot, let limiter = settings.rateLimiter { limiter.settle(slot, at: clock.now) }
        }
        return try transport.send(request, cancellation: thread)
    }

    /// How many `Retry-After` waits one request may take without spending its retries.
    public static let maxRetryAfterWaits = 10

    /// Whether `url` starts with a scheme (`https://…`), as opposed to a path relative to the base URL.
    static func hasScheme(_ url: String) -> Bool {
        guard let separator = url.range(of: "://") else { return false }
        let scheme = url[..<separator.lowerBound]
        guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else {
            return false
        }
        return scheme.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0))
        }
    }

    /// `url` with the base URL in front (when it has no scheme) and the query parameters added.
    func url(_ target: String, params: Value?, function: String) throws -> String {
        var url = target
        if let base = settings.baseURL, !Self.hasScheme(target) {
            let root = base.hasSuffix("/") ? String(base.dropLast()) : base
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : target
            url = path.isEmpty ? root : root + "/" + path
        }
        var query = settings.queryParameters.map {
            URLEncoding.component($0.name) + "=" + URLEncoding.component($0.value)
        }
        if let params, params != .none {
            query.append(try URLEncoding.form(params, function: function, parameter: "params"))
        }
        let joined = query.filter { !$0.isEmpty }.joined(separator: "&")
        guard !joined.isEmpty else { return url }
        return url + (url.contains("?") ? "&" : "?") + joined
    }

    /// The `Authorization` value for `auth=`: a `(user, password)` pair for Basic, a string for Bearer.
    private func authorization(_ auth: Value, function: String) throws -> String {
        if case .string(let token) = auth { return "Bearer " + token }
        if let pair = auth.arrayValue, pair.count == 2, case .string(let user) = pair[0],
            case .string(let password) = pair[1]
        {
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        throw StarlarkError("\(function): auth must be a token string or a (user, password) pair, got \(auth.typeName)")
    }

    private func seconds(_ value: Value?, function: String, name: String) throws -> Duration? {
        guard let value, value != .none else { return nil }
        guard let number = value.doubleValue, number >= 0, number <= HTTPLimits.maxSeconds else {
            throw StarlarkError(
                "\(function): \(name) must be a number of seconds from 0 to \(Int(HTTPLimits.maxSeconds)), got \(value.repr)"
            )
        }
        return HTTPLimits.duration(seconds: number)
    }
}
