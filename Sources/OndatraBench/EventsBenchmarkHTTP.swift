import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// The events benchmark's own HTTP calls to the collector: filling the buffer for the flush with
/// an exact number of events, and reading `GET /metrics`.
enum EventsHTTP {
    /// How the fill went.
    struct Fill: Sendable {
        var events: Int
        var requests: Int
        var bytes: Int
        var seconds: Double
    }

    /// The collector's counters for one target, from `GET /metrics`.
    struct Metrics: Sendable {
        var accepted = 0
        var rejected = 0
        var buffered = 0
    }

    /// The path of the batch endpoint of the benchmark's model.
    static let batchPath = "/collect/raw/page_views/batch"

    /// POSTs `events` page views to `baseURL`'s batch endpoint, `perBatch` to a request (the last
    /// may hold fewer), `inFlight` requests at a time; every answer must be `202` with
    /// `{"accepted":N}` for the request's N. Event `n` has `user_id` n + 1, so the events are
    /// told apart in the table.
    /// - Throws: on the first other answer or failed request.
    static func fill(baseURL: String, events: Int, perBatch: Int, inFlight: Int) async throws -> Fill {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let started = ContinuousClock.now
        let outcome: Result<(requests: Int, bytes: Int), any Error>
        do {
            outcome = .success(
                try await withThrowingTaskGroup(of: Int.self) { group in
                    var next = 0
                    var requests = 0
                    var bytes = 0
                    func add() {
                        let first = next
                        let count = min(perBatch, events - first)
                        next += count
                        group.addTask {
                            try await postBatch(client, url: baseURL + batchPath, first: first, count: count)
                        }
                    }
                    while next < events && requests < inFlight {
                        add()
                        requests += 1
                    }
                    while let sent = try await group.next() {
                        bytes += sent
                        if next < events {
                            add()
                            requests += 1
                        }
                    }
                    return (requests, bytes)
                })
        } catch {
            outcome = .failure(error)
        }
        try await client.shutdown()
        let (requests, bytes) = try outcome.get()
        return Fill(
            events: events, requests: requests, bytes: bytes,
            seconds: ChildProcess.seconds(ContinuousClock.now - started))
    }

    /// POSTs events `first..<first+count` as one batch; returns the body's size.
    /// - Throws: unless the answer is `202` with `{"accepted":count}`.
    private static func postBatch(_ client: HTTPClient, url: String, first: Int, count: Int) async throws -> Int {
        let body = batchBody(first: first, count: count)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(120))
        let answer = String(buffer: try await response.body.collect(upTo: 1 << 20))
        let expected = #"{"accepted":\#(count)}"#
        guard response.status.code == 202, answer.trimmingCharacters(in: .whitespacesAndNewlines) == expected else {
            throw ValidationError(
                "the batch of events \(first)..<\(first + count) was answered \(response.status.code): \(answer)")
        }
        return body.count
    }

    /// A JSON array of events `first..<first+count`.
    static func batchBody(first: Int, count: Int) -> [UInt8] {
        var text = "["
        text.reserveCapacity(count * 160 + 2)
        for n in first..<(first + count) {
            if n > first { text += "," }
            text += event(n)
        }
        text += "]"
        return Array(text.utf8)
    }

    /// Page view number `n`, about 150 bytes, in the shape of `single.lua` and `batch.lua`:
    /// its page, referrer and duration vary with `n`, and its `user_id` is `n + 1`.
    static func event(_ n: Int) -> String {
        let pages = [
            "/", "/pricing", "/products/\(n % 977)", "/blog/events-into-ducklake", "/docs/start", "/cart",
            "/search?q=shoes&p=\(n % 977)",
        ]
        let referrers = [
            "https://www.google.com/", "https://news.ycombinator.com/item?id=\(40_000_000 + n % 99_991)",
            "https://t.co/x\(40_000_000 + n % 99_991)", "https://example.org/",
        ]
        return #"{"event_name":"page_view","page_url":"https://shop.example.com\#(pages[n % pages.count])","#
            + #""referrer":"\#(referrers[n % referrers.count])","user_id":\#(n + 1),"#
            + #""duration_ms":\#(40 + (n &* 7_919) % 120_000)}"#
    }

    /// `GET /metrics` for `target` (`schema.table`).
    /// - Throws: when the request fails or does not answer `200`.
    static func metrics(baseURL: String, target: String = "raw.page_views") async throws -> Metrics {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let outcome: Result<String, any Error>
        do {
            let response = try await client.execute(HTTPClientRequest(url: baseURL + "/metrics"), timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard response.status.code == 200 else {
                throw ValidationError("GET /metrics answered \(response.status.code): \(text)")
            }
            outcome = .success(text)
        } catch {
            outcome = .failure(error)
        }
        try await client.shutdown()
        return parseMetrics(try outcome.get(), target: target)
    }

    /// The target's counters in a Prometheus text exposition.
    static func parseMetrics(_ text: String, target: String) -> Metrics {
        var metrics = Metrics()
        let label = "{target=\"\(target)\"} "
        for line in text.split(separator: "\n") where line.contains(label) {
            let parts = line.components(separatedBy: label)
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            switch parts[0] {
            case "ondatra_events_accepted_total": metrics.accepted = Int(value)
            case "ondatra_events_rejected_total": metrics.rejected = Int(value)
            case "ondatra_events_buffered": metrics.buffered = Int(value)
            default: break
            }
        }
        return metrics
    }
}
