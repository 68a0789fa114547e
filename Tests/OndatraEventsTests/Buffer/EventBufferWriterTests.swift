import Foundation
import Testing

@testable import OndatraEvents

@Suite struct EventBufferWriterTests {
    let root: TemporaryRoot
    var reader: EventBufferReader { EventBufferReader(root: root.path) }

    init() throws {
        root = try TemporaryRoot()
    }

    // MARK: Group commit and order

    @Test func concurrentAppendsWaitingTogetherShareOneSync() async throws {
        // The first write blocks until 199 more appends are queued; they must all go in one commit.
        let gate = Gate()
        let first = Shared(true)
        let writer = try EventBufferWriter(
            root: root.path, options: .init(),
            write: { fd, bytes in
                if first.exchange(false) { gate.wait() }
                return write(fd, bytes.baseAddress, bytes.count)
            })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.append("raw.page_views", [0]) }
            await eventually("the first write started") { !first.current }
            for number in 1..<200 { group.addTask { try await writer.append("raw.page_views", [number]) } }
            await eventually("199 appends are queued") { writer.pendingCount == 199 }
            gate.open()
            try await group.waitForAll()
        }
        let counters = writer.counters
        #expect(counters.appends == 200 && counters.events == 200 && counters.failedAppends == 0)
        #expect(counters.commits == 2)
        #expect(counters.dataSyncs == 2)
        await writer.close()
        let numbers = try reader.drain("raw.page_views")
        #expect(numbers.count == 200 && Set(numbers) == Set(0..<200))
    }

    @Test func aTargetKeepsTheOrderOfAppendsAndOfEachAppender() async throws {
        let writer = try EventBufferWriter(root: root.path)
        for number in 0..<50 { try await writer.append("raw.orders", [number]) }
        try await writer.append("raw.orders", 50..<150)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 1...8 {
                group.addTask {
                    for index in 0..<40 { try await writer.append("raw.orders", [task * 1000 + index]) }
                }
            }
            try await group.waitForAll()
        }
        await writer.close()
        let numbers = try reader.drain("raw.orders")
        #expect(Array(numbers.prefix(150)) == Array(0..<150))
        for task in 1...8 {
            #expect(numbers.filter { $0 / 1000 == task } == Array(task * 1000..<task * 1000 + 40))
        }
        #expect(numbers.count == 150 + 8 * 40)
    }

    @Test func targetsHaveFoldersOfTheirOwnNamedInLowercase() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, target) in ["raw.a", "raw.b", "Raw.Page_Views"].enumerated() {
                group.addTask {
                    for number in 0..<30 { try await writer.append(target, [index * 100 + number]) }
                }
            }
            try await group.waitForAll()
        }
        await writer.close()
        #expect(try reader.targets() == ["raw.a", "raw.b", "raw.page_views"])
        #expect(try reader.drain("raw.a") == Array(0..<30))
        #expect(try reader.drain("raw.b") == Array(100..<130))
        #expect(try reader.drain("RAW.PAGE_VIEWS") == Array(200..<230))
    }

    @Test func linesAreWrittenExactlyAsGiven() async throws {
        let lines = Array(#"{"s":"a\r\nb","t":"é 🦆"}"#.utf8) + [0x0A] + Array(#"{"u":1}"#.utf8) + [0x0A]
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append(target: "raw.text", lines: lines, count: 2)
        await writer.close()
        let segments = try reader.claim(target: "raw.text")
        #expect(segments.count == 1)
        let bytes = try #require(segments.first).read()
        #expect(bytes == lines)
        #expect(!bytes.contains(0x0D))
        #expect(try Data(contentsOf: URL(filePath: try #require(segments.first).path)) == Data(lines))
    }

    // MARK: Sealing

    @Test func aSegmentPastTheSizeLimitIsSealed() async throws {
        let writer = try EventBufferWriter(root: root.path, options: .init(segmentLimit: 100))
        for number in 0..<60 { try await writer.append("raw.small", [number]) }
        let files = root.files("raw.small")
        #expect(files.filter { $0.hasPrefix("open-") }.count <= 1)
        #expect(files.filter { $0.hasPrefix("seg-") }.count >= 4)
        let sealed = try reader.claim(target: "raw.small", sealTimeout: .zero)
        #expect(sealed.allSatisfy { $0.path.hasSuffix(".ndjson") && $0.path.contains("/seg-") })
        #expect(sealed.allSatisfy { $0.byteCount >= 100 })
        var numbers: [Int] = []
        for segment in sealed {
            numbers += Lines.numbers(in: try segment.read())
            try segment.acknowledge()
        }
        // In order, though not always a prefix: a claim that does not wait skips a sealed segment
        // a spawned child process still holds locked (a copy of the writer's descriptor).
        #expect(!numbers.isEmpty && numbers == numbers.sorted())
        await writer.close()
        #expect((numbers + (try reader.drain("raw.small"))).sorted() == Array(0..<60))
    }

    @Test func closeSealsAndLaterAppendsAreRefused() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.c", 0..<3)
        #expect(root.files("raw.c").count == 1 && root.files("raw.c")[0].hasPrefix("open-"))
        await writer.close()
        await writer.close()
        #expect(root.files("raw.c").count == 1 && root.files("raw.c")[0].hasPrefix("seg-"))
        let error = await #expect(throws: EventBufferError.self) { try await writer.append("raw.c", [3]) }
        #expect(error?.isUnavailable == true)
        #expect(error?.description.contains(root.path) == true)
        #expect(writer.counters.seals == 1)
    }

    @Test func aSecondWriterOnTheSameBufferIsRefusedUntilTheFirstCloses() async throws {
        let first = try EventBufferWriter(root: root.path)
        let error = #expect(throws: EventBufferError.self) { try EventBufferWriter(root: root.path) }
        #expect(error?.description.contains("(pid \(getpid())) is writing to \(root.path)") == true)
        await first.close()
        let second = try EventBufferWriter(root: root.path)
        try await second.append("raw.again", [1])
        await second.close()
        #expect(try reader.drain("raw.again") == [1])
    }

    @Test func closeWaitsForAppendsInFlight() async throws {
        let writer = try EventBufferWriter(root: root.path)
        let acknowledged = Shared(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<100 {
                group.addTask {
                    do {
                        try await writer.append("raw.inflight", [number])
                        acknowledged.update { $0 += 1 }
                    } catch let error as EventBufferError where error.isUnavailable {
                        // Refused because close came first: not written.
                    }
                }
            }
            group.addTask { await writer.close() }
            try await group.waitForAll()
        }
        #expect(try reader.drain("raw.inflight").count == acknowledged.current)
    }

    // MARK: Input and stats

    @Test func badTargetsAndLinesAreRefusedWithoutWriting() async throws {
        let writer = try EventBufferWriter(root: root.path)
        for target in ["", "../escape", "raw/x", ".hidden", "a\u{0}b"] {
            let error = await #expect(throws: EventBufferError.self) { try await writer.append(target, [1]) }
            #expect(error?.isInvalidInput == true)
        }
        for (lines, count) in [([UInt8](), 1), (Array("{}".utf8), 1), (Array("{}\n".utf8), 0)] {
            let error = await #expect(throws: EventBufferError.self) {
                try await writer.append(target: "raw.x", lines: lines, count: count)
            }
            #expect(error?.isInvalidInput == true)
        }
        await writer.close()
        #expect(try reader.targets().isEmpty)
    }

    @Test func statsCountWhatIsBufferedIncludingSegmentsFromBefore() async throws {
        let old = root.folder("raw.old")
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try writeFile(old + "/seg-1700000000000-0000000001-000000.ndjson", Lines.of(0..<3))
        try writeFile(old + "/open-1700000000500-0000000002-000000.ndjson", Lines.of(3..<5) + Array("{\"n\"".utf8))
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.new", 0..<4)
        try await writer.append("raw.new", [4])
        var stats = writer.stats()
        #expect(stats.map(\.target) == ["raw.new", "raw.old"])
        #expect(stats[0].acceptedSinceStart == 5 && stats[0].bufferedEvents == 5 && stats[0].segments == 1)
        #expect(stats[0].bufferedBytes == Lines.of(0..<5).count)
        #expect(stats[1].acceptedSinceStart == 0 && stats[1].bufferedEvents == 5 && stats[1].segments == 2)
        #expect(stats[1].oldestSegmentCreatedMillis == 1_700_000_000_000)
        #expect(try reader.drain("raw.new") == Array(0..<5))
        stats = writer.stats()
        #expect(stats[0].acceptedSinceStart == 5 && stats[0].bufferedEvents == 0 && stats[0].segments == 0)
        #expect(stats[0].oldestSegmentCreatedMillis == nil)
        try await writer.append("raw.new", [5])
        #expect(writer.stats()[0].bufferedEvents == 1 && writer.stats()[0].acceptedSinceStart == 6)
        await writer.close()
    }
}
