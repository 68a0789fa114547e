import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request as the `http` module builds it.
public struct HTTPRequestData: Sendable, Equatable {
    /// `GET`, `POST`, …
    public var method: String
    /// The absolute URL, query string included.
    public var url: String
    /// Header fields in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// The body, if any.
    public var body: [UInt8]?
    /// How long the whole exchange may take.
    public var timeout: Duration

    /// Creates a request.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Equal when every part is, headers in the same order.
    public static func == (lhs: HTTPRequestData, rhs: HTTPRequestData) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.timeout == rhs.timeout
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// A response: status, headers and the whole body.
public struct HTTPResponseData: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields as received.
    public var headers: [(name: String, value: String)]
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Network failures in plain words.
enum NetworkFailureText {
    /// The failure in plain words: NIO describes a refused connection as "connection reset (error
    /// set): Connection refused) (errno: 111)". Unknown errors keep their own description.
    static func plainMessage(for error: any Error) -> String {
        let text = String(describing: error)
        let known: [(String, String)] = [
            ("Connection refused", "connection refused: nothing accepts connections at that host and port"),
            ("Connection reset by peer", "the server closed the connection"),
            ("No route to host", "no route to the host"),
            ("Network is unreachable", "the network is unreachable"),
            ("Name or service not known", "the host name could not be resolved"),
            ("nodename nor servname", "the host name could not be resolved"),
            ("Temporary failure in name resolution", "the host name could not be resolved (DNS failed)"),
            ("connectTimeout", "timed out connecting"),
            ("remoteConnectionClosed", "the server closed the connection before answering"),
        ]
        for (marker, plain) in known where text.contains(marker) { return plain }
        return text
    }
}

/// A request that got no response: the connection failed, or the timeout passed.
public struct HTTPNetworkError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, without the URL (the caller adds it, redacted).
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// Sends requests and waits for their responses. Starlark runs synchronously, so sending blocks
/// the calling thread, which must not be an event-loop thread.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns its response.
    /// - Parameter cancellation: when it is cancelled while the request is in flight, the request
    ///   is abandoned (its connection closed) and this throws at once.
    /// - Throws: ``HTTPNetworkError`` when no response arrived (the request was cancelled included).
    func send(_ request: HTTPRequestData, cancellation: (any CancellationScope)?) throws -> HTTPResponseData
}

extension HTTPTransport {
    /// Sends `request` and waits for its response; nothing can cancel it but its timeout.
    /// - Throws: ``HTTPNetworkError`` when no response arrived.
    public func send(_ request: HTTPRequestData) throws -> HTTPResponseData {
        try send(request, cancellation: nil)
    }
}

/// The transport every `http` call of the process shares: one AsyncHTTPClient with its
/// connection pool and TLS from the system's trust store. It returns redirects as they are:
/// ``HTTPModule`` follows them, so it can keep credentials from reaching another origin.
public final class AsyncHTTPClientTransport: HTTPTransport {
    /// The process-wide transport.
    public static let shared = AsyncHTTPClientTransport()

    private let client: HTTPClient

    private init() {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            decompression: .enabled(limit: .ratio(100)))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Sends `request` on the shared client and waits for the whole response; cancelling
    /// `cancellation` cancels the request (AsyncHTTPClient closes its connection).
    public func send(_ request: HTTPRequestData, cancellation: (any CancellationScope)?) throws -> HTTPResponseData {
        let outgoing: HTTPClient.Request
        do {
            outgoing = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method),
                headers: HTTPHeaders(request.headers.map { ($0.name, $0.value) }),
                body: request.body.map { .bytes($0) })
        } catch {
            throw HTTPNetworkError("invalid request: \(error)")
        }
        let (seconds, attoseconds) = request.timeout.components
        let nanoseconds = min(seconds, Int64(HTTPLimits.maxSeconds)) * 1_000_000_000 + attoseconds / 1_000_000_000
        let response: HTTPClient.Response
        let task = client.execute(
            request: outgoing, delegate: ResponseAccumulator(request: outgoing),
            deadline: .now() + .nanoseconds(nanoseconds))
        do {
            if let cancellation {
                response = try cancellation.whileCancellable(onCancel: { task.cancel() }) {
                    try task.futureResult.wait()
                }
            } else {
                response = try task.futureResult.wait()
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw HTTPNetworkError("timed out after \(request.timeout)")
        } catch let error as HTTPClientError where error == .cancelled {
            throw HTTPNetworkError("cancelled")
        } catch {
            throw HTTPNetworkError(NetworkFailureText.plainMessage(for: error))
        }
        var body: [UInt8] = []
        if let buffer = response.body { body = Array(buffer.readableBytesView) }
        return HTTPResponseData(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body)
    }
}
