import Foundation
import Testing

@testable import OndatraEvents

@Suite struct EventBufferReaderTests {
    let root: TemporaryRoot
    var reader: EventBufferReader { EventBufferReader(root: root.path) }

    init() throws {
        root = try TemporaryRoot()
    }

    /// A folder for `target` holding `files` (name → bytes) as someone else left them.
    func leave(_ target: String, _ files: [String: [UInt8]]) throws {
        try FileManager.default.createDirectory(atPath: root.folder(target), withIntermediateDirectories: true)
        for (name, bytes) in files { try writeFile(root.folder(target) + "/" + name, bytes) }
    }

    /// Segments of `target` sealed by a writer limited to `limit` bytes, `count` single-event appends.
    func sealedSegments(_ target: String, count: Int, limit: Int) async throws {
        let writer = try EventBufferWriter(root: root.path, options: .init(segmentLimit: limit))
        for number in 0..<count { try await writer.append(target, [number]) }
        await writer.close()
    }

    // MARK: With a live writer

    @Test func aLiveWritersActiveSegmentIsSealedOnRequestAndWritingGoesOn() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.live", 0..<10)
        #expect(try reader.claim(target: "raw.live", sealTimeout: .zero).isEmpty)
        let claimed = try reader.claim(target: "raw.live")
        #expect(claimed.count == 1)
        let segment = try #require(claimed.first)
        #expect(segment.path.contains("/seg-") && segment.eventCount == 10)
        #expect(segment.byteCount == Lines.of(0..<10).count)
        try await writer.append("raw.live", [10])
        #expect(Lines.numbers(in: try segment.read()) == Array(0..<10))
        try segment.acknowledge()
        #expect(try reader.drain("raw.live") == [10])
        try await writer.append("raw.live", [11])
        await writer.close()
        #expect(try reader.drain("raw.live") == [11])
        #expect(root.files("raw.live").isEmpty)
    }

    @Test func anActiveSegmentLockedByAnotherProcessIsLeftAlone() async throws {
        let name = "open-1700000000000-0000000001-000000.ndjson"
        try leave("raw.busy", [name: Lines.of(0..<2)])
        // Close-on-exec, or a fixture another test spawns meanwhile would inherit (and hold) the lock.
        let fd = open(root.folder("raw.busy") + "/" + name, O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        #expect(try reader.claim(target: "raw.busy", sealTimeout: .milliseconds(30)).isEmpty)
        #expect(root.files("raw.busy").contains("seal-request"))
        close(fd)
        // Waiting (it returns once the file is unlocked): a child process another test spawned
        // while `fd` was open holds a copy of it, and the lock, until it execs.
        #expect(try reader.drain("raw.busy", sealTimeout: .seconds(60)) == [0, 1])
    }

    @Test func aClaimWaitingForASealTakesTheSegmentWhenItsWriterDies() async throws {
        let name = "open-1700000000000-0000000001-000000.ndjson"
        try leave("raw.dies", [name: Lines.of(0..<2)])
        let fd = open(root.folder("raw.dies") + "/" + name, O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let reader = reader
        async let numbers = onThread { try reader.drain("raw.dies", sealTimeout: .seconds(60)) }
        await eventually("the claim asked for a seal") { root.files("raw.dies").contains("seal-request") }
        close(fd)
        #expect(try await numbers == [0, 1])
    }

    // MARK: Orphans

    @Test func anOrphansPartialLastLineIsCutOffAndTheRestClaimed() throws {
        let name = "open-1700000000000-0000000001-000000.ndjson"
        try leave("raw.orphan", [name: Lines.of(0..<3) + Array(#"{"n":3"#.utf8)])
        let segment = try #require(try reader.claim(target: "raw.orphan", sealTimeout: .zero).first)
        #expect(segment.eventCount == 3 && segment.byteCount == Lines.of(0..<3).count)
        #expect(segment.path == root.folder("raw.orphan") + "/" + name)
        #expect(try Data(contentsOf: URL(filePath: segment.path)) == Data(Lines.of(0..<3)))
        #expect(Lines.numbers(in: try segment.read()) == [0, 1, 2])
        try segment.acknowledge()
        #expect(root.files("raw.orphan").isEmpty)
    }

    @Test func anOrphanIsCutBeforeALineACrashFilledWithZeros() throws {
        let torn = Lines.of(0..<2) + [0, 0, 0, 0x0A] + Lines.of([7])
        try leave("raw.torn", ["open-1700000000000-0000000001-000000.ndjson": torn])
        #expect(try reader.drain("raw.torn") == [0, 1])
    }

    @Test func anEmptyOrphanIsDeletedNotClaimed() throws {
        try leave("raw.empty", ["open-1700000000000-0000000001-000000.ndjson": Array(#"{"n":"#.utf8)])
        #expect(try reader.claim(target: "raw.empty").isEmpty)
        #expect(root.files("raw.empty").isEmpty)
    }

    @Test func orphansAndSealedSegmentsComeInCreationOrderWithTheLiveOneLast() async throws {
        try leave(
            "raw.mixed",
            [
                "seg-1700000000002-0000000001-000000.ndjson": Lines.of([2]),
                "open-1700000000001-0000000009-000000.ndjson": Lines.of([1]),
                "seg-1700000000000-0000000001-000000.ndjson": Lines.of([0]),
                "notes.txt": Array("not a segment\n".utf8),
            ])
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.mixed", [3])
        #expect(try reader.drain("raw.mixed") == [0, 1, 2, 3])
        await writer.close()
        #expect(root.files("raw.mixed") == ["notes.txt"])
    }

    // MARK: Claims

    @Test func twoReadersNeverClaimTheSameSegment() async throws {
        try await sealedSegments("raw.shared", count: 60, limit: 50)
        let all = root.files("raw.shared")
        #expect(all.count >= 6)
        let first = try reader.claim(target: "raw.shared", maxBytes: 100)
        // Not waiting for the segments the first claim holds.
        let second = try EventBufferReader(root: root.path).claim(target: "raw.shared", sealTimeout: .zero)
        #expect(!first.isEmpty && !second.isEmpty)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect((first + second).map { URL(filePath: $0.path).lastPathComponent }.sorted() == all)
        #expect(try reader.claim(target: "raw.shared", sealTimeout: .milliseconds(20)).isEmpty)
        for segment in first { segment.release() }
        #expect(try reader.claim(target: "raw.shared").map(\.id) == first.map(\.id))
    }

    @Test func readersRacingClaimEachSegmentOnce() async throws {
        try await sealedSegments("raw.race", count: 200, limit: 40)
        let root = root
        let numbers = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await onThread {
                        var mine: [Int] = []
                        for segment in try EventBufferReader(root: root.path).claim(target: "raw.race", maxBytes: 60) {
                            mine += Lines.numbers(in: try segment.read())
                            try segment.acknowledge()
                        }
                        return mine + (try EventBufferReader(root: root.path).drain("raw.race"))
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(numbers.sorted() == Array(0..<200))
    }

    /// A sealed segment locked for a moment (by the writer just after renaming it, or by a child
    /// process holding a copy of the writer's descriptor until it execs) is waited for within the
    /// seal timeout, not skipped; without a timeout it is skipped.
    @Test func aSealedSegmentLockedForAMomentIsWaitedFor() async throws {
        try await sealedSegments("raw.moment", count: 2, limit: 1)
        let names = root.files("raw.moment")
        #expect(names.count == 2)
        let fd = open(root.folder("raw.moment") + "/" + names[0], O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        #expect(try reader.claim(target: "raw.moment", sealTimeout: .zero).map(\.eventCount) == [1])
        // A thread of its own lets go: a task could wait longer than any timeout for the pool.
        Thread {
            usleep(50_000)
            close(fd)
        }.start()
        let reader = reader
        #expect(try await onThread { try reader.drain("raw.moment", sealTimeout: .seconds(60)) } == [0, 1])
    }

    @Test func claimsStopAtMaxBytesButTakeAtLeastOne() async throws {
        try await sealedSegments("raw.max", count: 30, limit: 40)
        let one = try reader.claim(target: "raw.max", maxBytes: 1)
        #expect(one.count == 1)
        let some = try EventBufferReader(root: root.path).claim(target: "raw.max", maxBytes: 100, sealTimeout: .zero)
        #expect(some.count >= 1 && some.reduce(0) { $0 + $1.byteCount } <= 100)
    }

    @Test func acknowledgeDeletesAndReleaseLeavesForTheNextClaim() async throws {
        try await sealedSegments("raw.ack", count: 2, limit: 1)
        var claimed = try reader.claim(target: "raw.ack")
        #expect(claimed.count == 2)
        try claimed[0].acknowledge()
        claimed[1].release()
        #expect(!FileManager.default.fileExists(atPath: claimed[0].path))
        #expect(FileManager.default.fileExists(atPath: claimed[1].path))
        for use in [{ try claimed[0].acknowledge() }, { _ = try claimed[1].read() }] {
            let error = #expect(throws: EventBufferError.self, performing: use)
            #expect(error?.isUnavailable == false && error?.isInvalidInput == false)
        }
        claimed = try reader.claim(target: "raw.ack")
        #expect(claimed.map(\.eventCount) == [1])
        #expect(Lines.numbers(in: try claimed[0].read()) == [1])
    }

    @Test func aClaimOfNothingIsEmpty() throws {
        #expect(try reader.claim(target: "raw.never").isEmpty)
        try leave("raw.nothing", [:])
        #expect(try reader.claim(target: "raw.nothing").isEmpty)
        #expect(try reader.targets().isEmpty)
        let error = #expect(throws: EventBufferError.self) { try reader.claim(target: "../x") }
        #expect(error?.isInvalidInput == true)
    }
}
