import HTTPTypes
import Ondatra

/// What the collector answers a request with: a status and a small JSON body.
struct CollectorReply: Error, Sendable, Equatable {
    let status: HTTPResponse.Status
    /// The JSON body.
    let body: String
    /// Extra header fields (`WWW-Authenticate`, `Allow`).
    var headers: [HTTPField.Name: String] = [:]

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> CollectorReply {
        CollectorReply(status: status, body: JSONValue.object(["error": .string(message)]).text)
    }

    /// `202 Accepted` with `{"accepted": count}`: the events are durably buffered.
    static func accepted(_ count: Int) -> CollectorReply {
        CollectorReply(status: .accepted, body: #"{"accepted":\#(count)}"#)
    }
}
