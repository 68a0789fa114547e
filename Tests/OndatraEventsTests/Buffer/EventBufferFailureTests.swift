import Foundation
import Testing

@testable import OndatraEvents

@Suite struct EventBufferFailureTests {
    let root: TemporaryRoot
    var reader: EventBufferReader { EventBufferReader(root: root.path) }

    init() throws {
        root = try TemporaryRoot()
    }

    enum Disk: Sendable {
        case fine
        /// The next write stops half-way, then the disk is full.
        case fillsUpMidWrite
        case full
    }

    @Test func aWriteThatFailsPartWayLeavesNoPartialLineAndLaterAppendsWork() async throws {
        let disk = Shared(Disk.fine)
        let writer = try EventBufferWriter(
            root: root.path, options: .init(),
            write: { fd, bytes in
                switch disk.current {
                case .fine:
                    return write(fd, bytes.baseAddress, bytes.count)
                case .fillsUpMidWrite:
                    disk.set(.full)
                    return write(fd, bytes.baseAddress, bytes.count / 2)
                case .full:
                    errno = ENOSPC
                    return -1
                }
            })
        try await writer.append("raw.disk", 0..<5)
        disk.set(.fillsUpMidWrite)
        let error = await #expect(throws: EventBufferError.self) { try await writer.append("raw.disk", 100..<110) }
        #expect(error?.isUnavailable == true && error?.errorNumber == ENOSPC)
        #expect(error?.description.contains(root.folder("raw.disk") + "/open-") == true)
        #expect(error?.description.contains("No space left on device; free space and the collector resumes") == true)
        await #expect(throws: EventBufferError.self) { try await writer.append("raw.disk", [200]) }
        disk.set(.fine)
        try await writer.append("raw.disk", 5..<10)
        #expect(writer.counters.failedAppends == 2)
        await writer.close()
        #expect(try reader.drain("raw.disk") == Array(0..<10))
        #expect(root.files("raw.disk").filter { $0.hasSuffix(".ndjson") }.isEmpty)
    }

    /// When the group is written or synced (a double close elsewhere in the process, then
    /// another open taking the number): the writer's descriptor for the active segment names
    /// another file from then on.
    enum Theft: Sendable {
        case beforeTheWrite
        case betweenTheWriteAndTheSync
    }

    /// A descriptor number that came to name another file is never trusted with an append: the
    /// group is written again into a new segment, the old segment is cut back through its name
    /// (keeping what was acknowledged, dropping what was not), and the other file is neither cut
    /// nor closed by the writer. (Trusting it acknowledged events that were only in the other file.)
    @Test(arguments: [Theft.beforeTheWrite, .betweenTheWriteAndTheSync])
    func aSegmentDescriptorReusedForAnotherFileAcknowledgesNothingThere(theft: Theft) async throws {
        let other = Posix.parentDirectory(root.path) + "/other"
        let text = Array("someone else's file\n".utf8)
        try writeFile(other, text)
        let armed = Shared(false)
        let stolen = Shared<Int32>(-1)
        // What a double close elsewhere does, made deterministic: `fd` now stands for `other`.
        let take: @Sendable (Int32) -> Void = { fd in
            let opened = open(other, O_WRONLY | O_APPEND | O_CLOEXEC)
            if opened >= 0, dup2(opened, fd) == fd, fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 { stolen.set(fd) }
            close(opened)
        }
        let writer = try EventBufferWriter(
            root: root.path, options: .init(),
            write: { fd, bytes in
                guard armed.exchange(false) else { return write(fd, bytes.baseAddress, bytes.count) }
                if theft == .beforeTheWrite { take(fd) }
                let written = write(fd, bytes.baseAddress, bytes.count)
                if theft == .betweenTheWriteAndTheSync { take(fd) }
                return written
            })
        try await writer.append("raw.stolen", 0..<3)
        armed.set(true)
        try await writer.append("raw.stolen", 3..<6)
        #expect(writer.counters.rewrites == 1)
        try await writer.append("raw.stolen", 6..<9)
        await writer.close()
        #expect(try reader.drain("raw.stolen") == Array(0..<9))
        // The other file's descriptor is still open and the file was not cut back; only what
        // went through the reused number before the writer noticed was added to it.
        let descriptor = stolen.current
        let otherFile = try #require(Posix.fileID(other))
        #expect(Posix.status(descriptor).map(FileID.init) == otherFile)
        let added = theft == .beforeTheWrite ? Lines.of(3..<6) : []
        #expect(try Data(contentsOf: URL(filePath: other)) == Data(text + added))
        close(descriptor)
    }

    @Test func aFileSizeLimitGivesTheTypedErrorAndAppendsGoOnOnceRaised() async throws {
        let output = try await runFixture(["fsize", root.path, "raw.limit"])
        let lines = output.split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.hasPrefix("error ") }
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("error \(EFBIG) true cannot write \(root.folder("raw.limit"))/open-") == true)
        let acknowledged = lines.compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil }
        let expected = Array(0..<20) + Array(200..<300) + [20]
        #expect(acknowledged == expected)
        #expect(try reader.drain("raw.limit") == expected)
    }

    @Test func aKilledWriterLosesNoAcknowledgedEventAndLeavesNoPartialLine() async throws {
        guard FileManager.default.isExecutableFile(atPath: fixtureBinary.path) else {
            Issue.record("\(fixtureBinary.path) is missing: run `swift build` before `swift test`")
            return
        }
        let root = root
        let (acknowledged, flushed) = try await onThread { () throws -> ([Int], [Int]) in
            let process = Process()
            process.executableURL = fixtureBinary
            process.arguments = ["append", root.path, "raw.kill", "8", "2048"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            var acknowledged: [Int] = []
            var flushed: [Int] = []
            var pending = Data()
            func take(_ data: Data) {
                pending += data
                guard let end = pending.lastIndex(of: 0x0A) else { return }
                let text = String(decoding: pending[..<end], as: UTF8.self)
                acknowledged += text.split(separator: "\n").compactMap { Int($0) }
                pending = Data(pending[(end + 1)...])
            }
            let output = pipe.fileHandleForReading
            while acknowledged.count < 600 {
                let data = output.availableData
                if data.isEmpty { break }
                take(data)
                // A flush while the writer is busy takes what is there, sealing its active segment.
                if flushed.isEmpty, acknowledged.count >= 200 {
                    flushed = try EventBufferReader(root: root.path).drain("raw.kill")
                }
            }
            kill(process.processIdentifier, SIGKILL)
            take(output.readDataToEndOfFile())
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            return (acknowledged, flushed)
        }
        #expect(acknowledged.count >= 600)
        #expect(!flushed.isEmpty)
        let rest = try reader.drain("raw.kill", sealTimeout: .zero)
        let all = flushed + rest
        #expect(all.count == Set(all).count, "an event was flushed twice")
        #expect(Set(acknowledged).isSubset(of: Set(all)), "an acknowledged event was lost")
        for task in 0..<8 {
            let base = task * 10_000_000
            let mine = all.filter { $0 / 10_000_000 == task }
            #expect(mine == Array(base..<base + mine.count), "task \(task)'s events are out of order or have gaps")
        }
        #expect(root.files("raw.kill").filter { $0.hasSuffix(".ndjson") }.isEmpty)
    }

    /// Runs the fixture to its end and returns its stdout.
    private func runFixture(_ arguments: [String]) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: fixtureBinary.path) else {
            Issue.record("\(fixtureBinary.path) is missing: run `swift build` before `swift test`")
            return ""
        }
        return try await onThread {
            let process = Process()
            process.executableURL = fixtureBinary
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: output, as: UTF8.self)
        }
    }
}
