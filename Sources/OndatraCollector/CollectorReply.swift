import HTTPTypes

/// What the collector answers a request with: a status and a small JSON body.
struct CollectorReply: Error, Sendable, Equatable {
    let status: HTTPResponse.Status
    /// The JSON body.
    let body: String
    /// Extra header fields (`WWW-Authenticate`, `Allow`).
    var headers: [HTTPField.Name: String] = [:]

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> CollectorReply {
        CollectorReply(status: status, body: #"{"error":"# + jsonString(message) + "}")
    }

    /// `202 Accepted` with `{"accepted": count}`: the events are durably buffered.
    static func accepted(_ count: Int) -> CollectorReply {
        CollectorReply(status: .accepted, body: #"{"accepted":\#(count)}"#)
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
