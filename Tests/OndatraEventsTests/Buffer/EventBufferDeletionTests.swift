import Foundation
import Testing

@testable import OndatraEvents

/// Files deleted or replaced under a running writer (what a user does with `rm -rf .ondatra/events`
/// while the collector runs): what the operator deleted stays deleted, and every event
/// acknowledged after it is claimable exactly once.
@Suite struct EventBufferDeletionTests {
    let root: TemporaryRoot
    var reader: EventBufferReader { EventBufferReader(root: root.path) }

    init() throws {
        root = try TemporaryRoot()
    }

    /// The `open-` segment files of `target`.
    func openSegments(_ target: String) -> [String] {
        root.files(target).filter { $0.hasPrefix(SegmentFile.openPrefix) }
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }

    /// Puts a file where the folder `path` is. Retried: the writer may make the folder again
    /// between the removal and the write (its periodic check of `writer.lock` makes the root).
    func replaceWithFile(_ path: String) {
        for _ in 0..<100 {
            try? FileManager.default.removeItem(atPath: path)
            if (try? writeFile(path, Array("not a folder\n".utf8))) != nil { return }
        }
        Issue.record("could not put a file at \(path)")
    }

    /// What the buffer says it holds for `target`.
    func stats(_ writer: EventBufferWriter, _ target: String) -> EventBufferTargetStats? {
        writer.stats().first { $0.target == target }
    }

    @Test func deletingTheOpenSegmentBetweenAppendsMovesLaterAppendsToANewSegment() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.seg", 0..<5)
        let first = try #require(openSegments("raw.seg").first)
        try remove(root.folder("raw.seg") + "/" + first)
        try await writer.append("raw.seg", 5..<10)
        #expect(writer.counters.rewrites == 1)
        let second = openSegments("raw.seg")
        #expect(second.count == 1 && second != [first])
        let held = try #require(stats(writer, "raw.seg"))
        #expect(held.bufferedEvents == 5 && held.segments == 1 && held.acceptedSinceStart == 10)
        #expect(held.bufferedBytes == Lines.of(5..<10).count)
        try await writer.append("raw.seg", 10..<15)
        #expect(writer.counters.rewrites == 1)
        await writer.close()
        #expect(try reader.drain("raw.seg") == Array(5..<15))
        #expect(root.files("raw.seg").isEmpty)
    }

    @Test func aCopyRenamedOverTheOpenSegmentIsKeptAndLaterAppendsGoElsewhere() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.copy", 0..<5)
        let name = try #require(openSegments("raw.copy").first)
        let path = root.folder("raw.copy") + "/" + name
        try FileManager.default.copyItem(atPath: path, toPath: path + ".copy")
        #expect(rename(path + ".copy", path) == 0)
        try await writer.append("raw.copy", 5..<10)
        #expect(writer.counters.rewrites == 1)
        // The copy (now an orphan: nobody holds it) and the new segment, each counted from disk.
        let held = try #require(stats(writer, "raw.copy"))
        #expect(held.segments == 2 && held.bufferedEvents == 10 && held.acceptedSinceStart == 10)
        await writer.close()
        #expect(try reader.drain("raw.copy") == Array(0..<10))
    }

    @Test func deletingTheTargetFolderCreatesItAgain() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.folder", 0..<3)
        try remove(root.folder("raw.folder"))
        #expect(stats(writer, "raw.folder")?.bufferedEvents == 0)
        try await writer.append("raw.folder", 3..<6)
        #expect(openSegments("raw.folder").count == 1)
        #expect(stats(writer, "raw.folder")?.bufferedEvents == 3)
        try await writer.append("raw.folder", [6])
        #expect(try reader.drain("raw.folder") == Array(3..<7))
        try await writer.append("raw.folder", [7])
        await writer.close()
        #expect(try reader.drain("raw.folder") == [7])
        #expect(writer.counters.rewrites == 1 && writer.counters.failedAppends == 0)
    }

    /// No segment is active after a seal, so the next append makes one: in a folder made again,
    /// not in the folder the writer made before (which the deletion took).
    @Test func deletingTheFolderWhileNoSegmentIsActiveCreatesItAgain() async throws {
        let writer = try EventBufferWriter(root: root.path, options: .init(segmentLimit: 1))
        try await writer.append("raw.sealed", 0..<3)
        await eventually("the segment is sealed") { writer.counters.seals == 1 }
        try remove(root.folder("raw.sealed"))
        try await writer.append("raw.sealed", 3..<6)
        await eventually("the second segment is sealed") { writer.counters.seals == 2 }
        try remove(root.path)
        try await writer.append("raw.sealed", 6..<9)
        await writer.close()
        #expect(writer.counters.failedAppends == 0 && writer.counters.rewrites == 0)
        #expect(try reader.drain("raw.sealed") == Array(6..<9))
    }

    @Test func deletingTheWholeRootCreatesItAndTheWriterLockAgain() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.a", 0..<3)
        try await writer.append("raw.b", 100..<103)
        try remove(root.path)
        try await writer.append("raw.a", 3..<6)
        try await writer.append("raw.b", 103..<106)
        #expect(writer.counters.rewrites == 2 && writer.counters.relocks >= 1)
        let error = #expect(throws: EventBufferError.self) { try EventBufferWriter(root: root.path) }
        #expect(error?.description.contains("(pid \(getpid())) is writing to \(root.path)") == true)
        let held = writer.stats()
        #expect(held.map(\.target) == ["raw.a", "raw.b"])
        #expect(held.map(\.bufferedEvents) == [3, 3] && held.map(\.acceptedSinceStart) == [6, 6])
        await writer.close()
        #expect(try reader.drain("raw.a") == Array(3..<6))
        #expect(try reader.drain("raw.b") == Array(103..<106))
    }

    @Test func aRootRenamedAwayIsMadeAgainAndKeepsOnlyWhatCameAfter() async throws {
        let writer = try EventBufferWriter(root: root.path, options: .init(idleCheckInterval: .milliseconds(5)))
        try await writer.append("raw.moved", 0..<3)
        let moved = root.path + ".moved"
        try FileManager.default.moveItem(atPath: root.path, toPath: moved)
        // Idle: the periodic check finds writer.lock renamed away and takes a new one in the new root.
        let lock = WriterLock.path(root: root.path)
        await eventually("writer.lock is taken again") {
            (try? String(contentsOfFile: lock, encoding: .utf8)) == "\(getpid())\n"
        }
        #expect(throws: EventBufferError.self) { try EventBufferWriter(root: root.path) }
        try await writer.append("raw.moved", 3..<6)
        await writer.close()
        #expect(try reader.drain("raw.moved") == Array(3..<6))
        // The moved copy kept what was acknowledged before the move, and nothing after.
        #expect(try EventBufferReader(root: moved).drain("raw.moved") == Array(0..<3))
    }

    @Test func aFileWhereTheFolderBelongsGivesUnavailableUntilItIsMoved() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.blocked", 0..<3)
        replaceWithFile(root.folder("raw.blocked"))
        for numbers in [3..<6, 6..<9] {
            let error = await #expect(throws: EventBufferError.self) { try await writer.append("raw.blocked", numbers) }
            #expect(error?.isUnavailable == true && error?.errorNumber == EEXIST)
            #expect(error?.description.contains(root.folder("raw.blocked")) == true)
            #expect(error?.description.contains("not a folder is in the way") == true)
        }
        try await writer.append("raw.other", [1])
        try remove(root.folder("raw.blocked"))
        try await writer.append("raw.blocked", 9..<12)
        #expect(writer.counters.failedAppends == 2)
        #expect(stats(writer, "raw.blocked")?.bufferedEvents == 3)
        await writer.close()
        #expect(try reader.drain("raw.blocked") == Array(9..<12))
        #expect(try reader.drain("raw.other") == [1])
    }

    @Test func aFileWhereTheRootBelongsGivesUnavailableUntilItIsMoved() async throws {
        let writer = try EventBufferWriter(root: root.path)
        try await writer.append("raw.r", [0])
        replaceWithFile(root.path)
        let error = await #expect(throws: EventBufferError.self) { try await writer.append("raw.r", [1]) }
        #expect(error?.isUnavailable == true)
        try remove(root.path)
        try await writer.append("raw.r", [2])
        #expect(throws: EventBufferError.self) { try EventBufferWriter(root: root.path) }
        await writer.close()
        #expect(try reader.drain("raw.r") == [2])
    }

    @Test func aDeletedWriterLockIsTakenAgainSoASecondWriterIsStillRefused() async throws {
        let writer = try EventBufferWriter(root: root.path, options: .init(idleCheckInterval: .milliseconds(5)))
        let lock = WriterLock.path(root: root.path)
        try await writer.append("raw.lock", [0])
        // At the next commit.
        try remove(lock)
        try await writer.append("raw.lock", [1])
        #expect(writer.counters.relocks == 1)
        var error = #expect(throws: EventBufferError.self) { try EventBufferWriter(root: root.path) }
        #expect(error?.description.contains("(pid \(getpid())) is writing to \(root.path)") == true)
        // When idle, at the periodic check.
        try remove(lock)
        await eventually("writer.lock is taken again") { writer.counters.relocks == 2 }
        #expect(try String(contentsOfFile: lock, encoding: .utf8) == "\(getpid())\n")
        error = #expect(throws: EventBufferError.self) { try EventBufferWriter(root: root.path) }
        #expect(error?.description.contains("(pid \(getpid()))") == true)
        try await writer.append("raw.lock", [2])
        await writer.close()
        #expect(try reader.drain("raw.lock") == [0, 1, 2])
        let after = try EventBufferWriter(root: root.path)
        await after.close()
    }

    /// The root, the folder or the segments deleted every 3 ms while eight tasks append: appends
    /// may fail (unavailable, nothing kept), and what was acknowledged and not deleted since is
    /// drained once each, in each task's order, with nothing that was not acknowledged.
    @Test func deletionsUnderConcurrentAppendsNeverDuplicateReorderOrInventEvents() async throws {
        let writer = try EventBufferWriter(root: root.path, options: .init(segmentLimit: 4096))
        let acknowledged = Shared<[Int]>([])
        let done = Shared(false)
        let root = root
        let deleter = Task {
            try await onThread {
                var rounds = 0
                while !done.current {
                    usleep(3000)
                    rounds += 1
                    let folder = root.folder("raw.storm")
                    if rounds % 5 == 0 {
                        try? FileManager.default.removeItem(atPath: rounds % 10 == 0 ? root.path : folder)
                    } else {
                        for name in root.files("raw.storm") where name.hasPrefix(SegmentFile.openPrefix) {
                            unlink(folder + "/" + name)
                        }
                    }
                }
                return rounds
            }
        }
        // Tasks that other tests keep off the cooperative pool stop early: the storm must not
        // last minutes in a busy run.
        let deadline = ContinuousClock.now + .seconds(2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<150 {
                        if index >= 10, ContinuousClock.now > deadline { break }
                        let number = task * 1000 + index
                        do {
                            try await writer.append("raw.storm", [number])
                            acknowledged.update { $0.append(number) }
                        } catch let error as EventBufferError where error.isUnavailable {
                            // A deletion won the race (the folder went while a segment was made,
                            // or each new segment lost its name too): nothing of it was kept.
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        done.set(true)
        #expect(try await deleter.value > 0)
        try await writer.append("raw.storm", 9000..<9010)
        await writer.close()
        let numbers = try reader.drain("raw.storm")
        #expect(root.files("raw.storm").allSatisfy { SegmentFile.parse($0) == nil })
        #expect(numbers.count == Set(numbers).count, "an event is in the buffer twice")
        #expect(Set(numbers).isSubset(of: Set(acknowledged.current + Array(9000..<9010))))
        #expect(numbers.suffix(10) == Array(9000..<9010))
        for task in 0..<8 {
            let mine = numbers.filter { $0 / 1000 == task }
            #expect(mine == mine.sorted(), "task \(task)'s events are out of order")
        }
        #expect(writer.counters.rewrites > 0)
    }
}
