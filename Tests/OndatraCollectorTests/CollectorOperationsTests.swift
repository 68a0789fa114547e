import Foundation
import OndatraCollector
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What running the collector for days meets: browsers, compressed bodies, odd paths, broken and
/// edited models, a full buffer, clients that stop halfway.
@Suite struct CollectorOperationsTests {
    @Test func pagesFromAnAllowedOriginMayPost() async throws {
        var settings = CollectorSettings(port: 0)
        settings.allowedOrigins = ["https://site.example"]
        let fixture = try await CollectorFixture(settings: settings)
        let preflight = try await fixture.send(
            "/collect/raw/page_views", method: "OPTIONS", headers: ["Origin": "https://site.example"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == "https://site.example")
        #expect(preflight.headers["access-control-allow-methods"]?.contains("POST") == true)
        let posted = try await fixture.send(
            "/collect/raw/page_views", #"{"event_name": "v"}"#, headers: ["Origin": "https://site.example"])
        #expect(posted.status == 202)
        #expect(posted.headers["access-control-allow-origin"] == "https://site.example")
        let other = try await fixture.send(
            "/collect/raw/page_views", #"{"event_name": "v"}"#, headers: ["Origin": "https://evil.example"])
        #expect(other.headers["access-control-allow-origin"] == nil)
        try await fixture.shutdown()
    }

    @Test func compressedBodiesAre415AndEncodedPathsAreDecoded() async throws {
        let fixture = try await CollectorFixture()
        let gzip = try await fixture.send(
            "/collect/raw/page_views", bytes: [0x1F, 0x8B, 0x08, 0x00], headers: ["Content-Encoding": "gzip"])
        #expect(gzip.status == 415)
        #expect(gzip.body.contains("uncompressed"))
        #expect(try await fixture.send("/collect/%72aw/page%5Fviews", #"{"event_name": "v"}"#).status == 202)
        #expect(try await fixture.send("/metrics", method: "HEAD").status == 200)
        try await fixture.shutdown()
    }

    @Test func aBrokenEventsModelIsRefusedWhileTheOthersCollect() async throws {
        let fixture = try await CollectorFixture(models: [
            "models/raw/page_views.sql": CollectorFixture.pageViews,
            "models/raw/clicks.sql": "-- @kind: events\nid BIGINT PRIMARY KEY\n",
        ])
        #expect(fixture.collector.targets == ["raw.page_views"])
        #expect(fixture.collector.brokenModels.first?.contains("models/raw/clicks.sql:2") == true)
        #expect(try await fixture.send("/collect/raw/page_views", #"{"event_name": "v"}"#).status == 202)
        let broken = try await fixture.send("/collect/raw/clicks", #"{"id": 1}"#)
        #expect(broken.status == 503)
        #expect(broken.body.contains("models/raw/clicks.sql:2"), Comment(rawValue: broken.body))
        try await fixture.shutdown()
    }

    @Test func anEditedModelIsReadAgainWithoutARestart() async throws {
        let fixture = try await CollectorFixture()
        let event = #"{"event_name": "v", "campaign": "spring"}"#
        #expect(try await fixture.send("/collect/raw/page_views", event).status == 400)
        try fixture.sandbox.write(
            "models/raw/page_views.sql", CollectorFixture.pageViews + ",\ncampaign VARCHAR\n")
        var status = 0
        for _ in 0..<300 where status != 202 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await fixture.send("/collect/raw/page_views", event).status
        }
        #expect(status == 202)
        try await fixture.shutdown()
    }

    @Test func aStopDoesNotWaitForeverForAClientThatSentHalfARequest() async throws {
        var settings = CollectorSettings(port: 0)
        settings.shutdownGrace = .milliseconds(500)
        settings.idleTimeout = .seconds(60)
        let fixture = try await CollectorFixture(settings: settings)
        // A raw connection that sends headers and part of the body, then nothing.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(fixture.collector.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        let partial = "POST /collect/raw/page_views HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"event"
        _ = partial.withCString { send(socket, $0, strlen($0), 0) }
        try await Task.sleep(for: .milliseconds(200))
        // Returns: the half request is cut off after the grace period.
        try await fixture.shutdown()
    }
}
