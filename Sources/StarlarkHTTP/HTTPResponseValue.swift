import Starlark

/// What `http.get(…)` and friends return: `status_code`, `ok`, `text`, `json`, `headers`.
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
    public var attributeNames: [String] { ["headers", "json", "ok", "status_code", "text"] }

    private var text: String { String(decoding: response.body, as: UTF8.self) }
}
