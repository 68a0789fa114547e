import Starlark

/// What `http.get(…)` and friends return: `status_code`, `ok`, `text`, `json`, `headers`, and
/// `raise_for_status()`, which fails the script unless the status is 2xx.
public final class HTTPResponseValue: StarlarkAttributes, @unchecked Sendable {
    /// The response as received.
    public let response: HTTPResponseData
    /// The URL requested (already redacted by the caller when it carries secrets).
    let url: String

    init(_ response: HTTPResponseData, url: String) {
        self.response = response
        self.url = url
    }

    /// `http_response`.
    public var typeName: String { "http_response" }
    /// `<http_response 200>`.
    public var description: String { "<http_response \(response.status)>" }

    /// `status_code`, `ok` (a 2xx status), `text`, `json` (decoded on access), `headers` (a dict,
    /// names lowercased).
    public func attribute(_ name: String) throws -> Value? {
        switch name {
        case "status_code": return .int(response.status)
        case "ok": return .bool((200..<300).contains(response.status))
        case "text": return .string(text)
        case "json":
            do {
                return try JSONModule.decode(text)
            } catch let error as StarlarkError {
                throw StarlarkError("response from \(url) (status \(response.status)) is not JSON: \(error.message)")
            }
        case "raise_for_status":
            let response = self.response
            let url = self.url
            return .builtin(
                Builtin("raise_for_status") { _, builtin, arguments in
                    _ = try arguments.bind(builtin.name, [])
                    guard (200..<300).contains(response.status) else {
                        let body = String(decoding: response.body.prefix(200), as: UTF8.self)
                        var error = StarlarkError("\(url) answered \(response.status): \(body)")
                        error.cause = HTTPStatusFailure(status: response.status, url: url, body: body)
                        throw error
                    }
                    return .none
                })
        case "headers":
            var entries: [(Value, Value)] = []
            var seen: Set<String> = []
            for (field, value) in response.headers where seen.insert(field.lowercased()).inserted {
                entries.append((.string(field.lowercased()), .string(value)))
            }
            return try Value.dict(entries)
        default: return nil
        }
    }

    /// The attribute names.
    public var attributeNames: [String] { ["headers", "json", "ok", "raise_for_status", "status_code", "text"] }

    private var text: String { String(decoding: response.body, as: UTF8.self) }
}

/// The ``StarlarkError/cause`` of `raise_for_status()` on a response that is not 2xx.
public struct HTTPStatusFailure: Error, Sendable, Equatable {
    /// The status received.
    public let status: Int
    /// The URL requested, secrets hidden.
    public let url: String
    /// The start of the response body.
    public let body: String
}

/// The ``StarlarkError/cause`` of a request that never got an answer once its retries were spent.
public struct HTTPRequestFailure: Error, Sendable, Equatable {
    /// The URL requested, secrets hidden.
    public let url: String
    /// What went wrong (connection refused, timed out…), secrets hidden.
    public let message: String
}
