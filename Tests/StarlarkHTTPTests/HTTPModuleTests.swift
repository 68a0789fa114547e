import Foundation
import OndatraTesting
import RateLimit
import Starlark
import StarlarkHTTP
import Synchronization
import Testing

@Suite struct HTTPModuleTests {
    /// Runs `source` with `module` as `http` and returns its globals.
    private func run(_ source: String, _ module: HTTPModule) async throws -> [String: Value] {
        try await runBlocking {
            try StarlarkThread().exec(source, file: "test.star", predeclared: ["http": .object(module.value)])
        }
    }

    @Test func buildsURLsHeadersAndBodiesAndReadsTheResponse() async throws {
        let server = try await TestHTTPServer.start { request in
            .json(#"{"path": "\#(request.path)", "items": [1, 2]}"#, headers: ["X-Total": "2"])
        }
        defer { server.stop() }
        let settings = HTTPSettings(
            baseURL: server.baseURL + "/api/", headers: [("X-Default", "d"), ("X-Call", "default")],
            queryParameters: [("key", "k 1")])
        let globals = try await run(
            """
            http.get("/go?to=https://elsewhere.example")
            r = http.get("/items", params = {"page": 2, "tag": ["a", "b"], "skip": None}, headers = {"x-call": "mine"})
            status, ok, items, total = r.status_code, r.ok, r.json["items"], r.headers["x-total"]
            http.post("items", json = {"name": "a b", "n": 1})
            http.put("items/1", data = {"q": "x&y"})
            http.patch("items/1", body = "raw", auth = ("user", "pw"))
            http.delete("items/1", auth = "token")
            """, HTTPModule(settings: settings))
        #expect(globals["status"] == .int(200))
        #expect(globals["ok"] == .bool(true))
        #expect(globals["items"] == Value.list([.int(1), .int(2)]))
        #expect(globals["total"] == .string("2"))
        // Regression: a URL with "://" in its query was taken for an absolute one.
        #expect(server.requests.first?.path == "/api/go")
        let requests = Array(server.requests.dropFirst())
        #expect(requests.map(\.method) == ["GET", "POST", "PUT", "PATCH", "DELETE"])
        #expect(requests.allSatisfy { $0.path.hasPrefix("/api/items") })
        #expect(requests[0].query == ["key": "k 1", "page": "2", "tag": "b"])
        #expect(requests[0].headers["x-default"] == "d")
        #expect(requests[0].headers["x-call"] == "mine")
        #expect(requests[1].body == #"{"n":1,"name":"a b"}"#)
        #expect(requests[1].headers["content-type"] == "application/json")
        #expect(requests[2].body == "q=x%26y")
        #expect(requests[2].headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(requests[3].body == "raw")
        #expect(requests[3].headers["authorization"] == "Basic " + Data("user:pw".utf8).base64EncodedString())
        #expect(requests[4].headers["authorization"] == "Bearer token")
    }

    @Test func retriesRateLimitedAndFailingCallsWaitingAtLeastRetryAfter() async throws {
        let calls = Mutex(0)
        let server = try await TestHTTPServer.start { _ in
            let call = calls.withLock { count in
                count += 1
                return count
            }
            switch call {
            case 1: return .json("{}", status: 429, headers: ["Retry-After": "7"])
            case 2: return .json("{}", status: 503)
            default: return .json(#"{"done": true}"#)
            }
        }
        defer { server.stop() }
        let clock = ManualClock()
        let module = HTTPModule(
            settings: HTTPSettings(baseURL: server.baseURL, retry: RetryPolicy(retries: 3, backoff: .seconds(1))),
            clock: clock, random: { 0.5 })
        let globals = try await run(#"done = http.get("/x").json["done"]"#, module)
        #expect(globals["done"] == .bool(true))
        #expect(server.requests.count == 3)
        // Retry-After's 7 s wait spends no retry, so the 503 is the first retry: 0.5 s (1 s × 0.5).
        #expect(clock.wakeUps == [.seconds(7), .milliseconds(7500)])
    }

    /// A server that says when to come back is waited for even with no retries configured, a
    /// bounded number of times.
    @Test func retryAfterWaitsSpendNoRetry() async throws {
        let server = try await TestHTTPServer.start { _ in .json("{}", status: 429, headers: ["Retry-After": "2"]) }
        defer { server.stop() }
        let clock = ManualClock()
        let module = HTTPModule(settings: HTTPSettings(baseURL: server.baseURL), clock: clock, random: { 0.5 })
        let globals = try await run(#"status = http.get("/x").status_code"#, module)
        #expect(globals["status"] == .int(429))
        #expect(server.requests.count == HTTPModule.maxRetryAfterWaits + 1)
        #expect(clock.wakeUps.count == HTTPModule.maxRetryAfterWaits)
    }

    /// The host that ran the script can tell a network failure and an HTTP status apart from
    /// the script's own errors.
    @Test func failuresCarryTheirCause() async throws {
        let server = try await TestHTTPServer.start { _ in .json(#"{"error": "nope"}"#, status: 422) }
        defer { server.stop() }
        let module = HTTPModule(settings: HTTPSettings(baseURL: server.baseURL), clock: ManualClock())
        let status = await #expect(throws: StarlarkError.self) {
            _ = try await run(#"http.post("/x", json={}).raise_for_status()"#, module)
        }
        #expect((status?.cause as? HTTPStatusFailure)?.status == 422)
        #expect(status?.message.contains("answered 422") == true)
        let network = await #expect(throws: StarlarkError.self) {
            _ = try await run(#"http.get("http://127.0.0.1:9/x")"#, module)
        }
        #expect(network?.cause is HTTPRequestFailure)
        // Regression: NIO's "connection reset (error set): Connection refused) (errno: 111)".
        #expect(
            network?.message.contains("connection refused: nothing accepts connections") == true,
            "\(network?.message ?? "")")
        #expect(network?.message.contains("errno") == false)
        let ok = try await run(#"r = http.get("http://127.0.0.1:\#(server.port)/x")"#, module)
        #expect(ok["r"] != nil)
    }

    @Test func aStatusStillFailingAfterRetriesIsReturnedNotRaised() async throws {
        let server = try await TestHTTPServer.start { _ in .json(#"{"error": "down"}"#, status: 500) }
        defer { server.stop() }
        let module = HTTPModule(
            settings: HTTPSettings(baseURL: server.baseURL, retry: RetryPolicy(retries: 2, backoff: .milliseconds(1))),
            clock: ManualClock())
        let globals = try await run(#"r = http.get("/x", retry = 1); status, ok = r.status_code, r.ok"#, module)
        #expect(globals["status"] == .int(500))
        #expect(globals["ok"] == .bool(false))
        #expect(server.requests.count == 2)
    }

    @Test func networkFailuresRaiseAfterRetriesWithTheURLRedacted() async throws {
        let module = HTTPModule(
            settings: HTTPSettings(retry: RetryPolicy(retries: 1, backoff: .milliseconds(1))), clock: ManualClock(),
            redact: { $0.replacingOccurrences(of: "s3cret", with: "***") })
        let error = await #expect(throws: StarlarkError.self) {
            // Port 9 (discard) is closed on loopback.
            _ = try await run(#"http.get("http://127.0.0.1:9/x?key=s3cret", timeout = 0.3)"#, module)
        }
        let message = error?.message ?? ""
        #expect(message.contains("http.get http://127.0.0.1:9/x?key=***"))
        #expect(message.contains("after 2 attempts"))
        #expect(!message.contains("s3cret"))
    }

    @Test func slowResponsesTimeOut() async throws {
        let server = try await TestHTTPServer.start { _ in TestHTTPServer.Response(body: "{}", delay: .seconds(2)) }
        defer { server.stop() }
        let error = await #expect(throws: StarlarkError.self) {
            _ = try await run(#"http.get("\#(server.baseURL)/slow", timeout = 0.2)"#, HTTPModule())
        }
        #expect(error?.message.contains("timed out") == true)
    }

    /// Ctrl-C while waiting for an answer: cancelling the thread cancels the request in flight,
    /// which is not retried, and the script fails as cancelled.
    @Test func cancellingTheThreadCancelsTheRequestInFlight() async throws {
        let answered = Mutex(false)
        let server = try await TestHTTPServer.start { _ in
            do {
                try await Task.sleep(for: .seconds(10))
                answered.withLock { $0 = true }
            } catch {}
            return .json("{}")
        }
        defer { server.stop() }
        let thread = StarlarkThread()
        let module = HTTPModule()
        let outcome = Task {
            try await runBlocking {
                _ = try thread.exec(
                    "http.get(\"\(server.baseURL)/slow\", retry = 3, backoff = 0)", file: "slow.star",
                    predeclared: ["http": .object(module.value)])
            }
        }
        for _ in 0..<400 where server.requests.isEmpty { try await Task.sleep(for: .milliseconds(25)) }
        try #require(server.requests.count == 1)
        thread.cancel("interrupted")
        let error = await #expect(throws: StarlarkError.self) { try await outcome.value }
        #expect(error?.isCancellation == true)
        #expect(error?.message.contains("interrupted") == true)
        // It returned before the server answered, and the cancelled request was not sent again.
        #expect(!answered.withLock { $0 })
        #expect(server.requests.count == 1)
    }

    @Test func malformedJSONIsAClearError() async throws {
        let server = try await TestHTTPServer.start { _ in .json(#"{"rows": [1, 2"#) }
        defer { server.stop() }
        let error = await #expect(throws: StarlarkError.self) {
            _ = try await run(#"http.get("\#(server.baseURL)/bad").json"#, HTTPModule())
        }
        #expect(error?.message.contains("is not JSON") == true)
        #expect(error?.message.contains("/bad") == true)
    }

    @Test func theRateLimitSpacesRequestsWithoutSpendingRetries() async throws {
        let server = try await TestHTTPServer.start { _ in .json("{}") }
        defer { server.stop() }
        let clock = ManualClock()
        let module = HTTPModule(
            settings: HTTPSettings(baseURL: server.baseURL, rateLimiter: RateLimiter(requests: 2, per: .seconds(10))),
            clock: clock)
        _ = try await run(
            """
            def main():
                for i in range(5):
                    http.get("/n", params = {"i": i})
            main()
            """, module)
        #expect(server.requests.count == 5)
        #expect(clock.wakeUps == [.zero, .zero, .seconds(10), .seconds(10), .seconds(20)])
    }

    @Test func theRateLimitHoldsForCallersOnSeveralThreads() async throws {
        let server = try await TestHTTPServer.start { _ in .json("{}") }
        defer { server.stop() }
        /// The real clock, recording every instant a request was allowed to start.
        final class RecordingClock: RuntimeClock {
            let starts = Mutex<[ContinuousClock.Instant]>([])
            var now: ContinuousClock.Instant { ContinuousClock.now }
            var wallTime: Date { Date() }
            func sleep(until deadline: ContinuousClock.Instant) {
                starts.withLock { $0.append(deadline) }
                SystemClock().sleep(until: deadline)
            }
        }
        let clock = RecordingClock()
        let module = HTTPModule(
            settings: HTTPSettings(
                baseURL: server.baseURL, rateLimiter: RateLimiter(requests: 5, per: .milliseconds(100))),
            clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    _ = try await run(
                        """
                        def main():
                            for i in range(5):
                                http.get("/w", params = {"worker": \(worker), "i": i})
                        main()
                        """, module)
                }
            }
            try await group.waitForAll()
        }
        #expect(server.requests.count == 20)
        let starts = clock.starts.withLock { $0 }.sorted()
        #expect(starts.count == 20)
        // No six starts within one window: at most five requests in any 100 ms.
        for index in starts.indices.dropLast(5) {
            #expect(starts[index + 5] - starts[index] >= .milliseconds(100))
        }
    }

    @Test func badArgumentsAreNamed() async throws {
        let module = HTTPModule()
        for (source, fragment) in [
            (#"http.get(1)"#, "url must be a string"),
            (#"http.post("http://x", json = {}, body = "b")"#, "at most one of json, data and body"),
            (#"http.get("http://x", headers = [])"#, "headers must be a dict"),
            (#"http.get("http://x", timeout = "soon")"#, "timeout must be a number of seconds"),
            // Regression: huge values overflowed the conversion to a deadline and crashed.
            (#"http.get("http://x", timeout = 1e16)"#, "timeout must be a number of seconds from 0 to 86400"),
            (#"http.get("http://x", backoff = float("inf"))"#, "backoff must be a number of seconds from 0 to 86400"),
            (#"http.get("http://x", timeout = 0)"#, "timeout must be more than 0 seconds"),
            (#"http.get("http://x", retry = -1)"#, "retry must be an int of at least 0"),
            (#"http.get("http://x", auth = 3)"#, "auth must be a token string or a (user, password) pair"),
            (#"http.get("http://x", params = {"a": {}})"#, "params values must be strings, numbers or bools"),
        ] {
            let error = await #expect(throws: StarlarkError.self) { _ = try await run(source, module) }
            #expect(error?.message.contains(fragment) == true, "\(source): \(error?.message ?? "")")
        }
    }
}
