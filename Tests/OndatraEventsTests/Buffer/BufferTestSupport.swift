import Foundation
import Synchronization
import Testing

@testable import OndatraEvents

/// A temporary buffer root, removed when the value is dropped.
final class TemporaryRoot: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/ondatra-events-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made) + "/events"
    }

    deinit {
        try? FileManager.default.removeItem(atPath: Posix.parentDirectory(path))
    }

    /// The folder of `target`.
    func folder(_ target: String) -> String { path + "/" + target }

    /// The file names in `target`'s folder, sorted.
    func files(_ target: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder(target))) ?? []).sorted()
    }
}

enum Lines {
    /// One line `{"n":N}` per number.
    static func of(_ numbers: some Sequence<Int>) -> [UInt8] {
        numbers.flatMap { Array(#"{"n":\#($0)}"#.utf8) + [0x0A] }
    }

    /// The numbers in NDJSON `bytes`; records an issue for any line that is not `{"n":N…`.
    static func numbers(in bytes: [UInt8]) -> [Int] {
        var numbers: [Int] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix(#"{"n":"#),
                let number = Int(text.dropFirst(5).prefix { $0.isNumber })
            else {
                Issue.record("not an event line: \(text.debugDescription)")
                continue
            }
            numbers.append(number)
        }
        if let last = bytes.last, last != 0x0A { Issue.record("bytes end in a partial line") }
        return numbers
    }
}

extension EventBufferWriter {
    /// Appends one line per number, as one append.
    func append(_ target: String, _ numbers: some Collection<Int>) async throws {
        try await append(target: target, lines: Lines.of(numbers), count: numbers.count)
    }

    /// Appends queued for the writer thread's next round.
    var pendingCount: Int { core.inbox.withLock { $0.pending.count } }
}

extension EventBufferReader {
    /// Claims all of `target`, reads the numbers in order, and acknowledges (or releases) the segments.
    func drain(_ target: String, acknowledge: Bool = true, sealTimeout: Duration = .seconds(2)) throws -> [Int] {
        var numbers: [Int] = []
        for segment in try claim(target: target, sealTimeout: sealTimeout) {
            let bytes = try segment.read()
            let found = Lines.numbers(in: bytes)
            #expect(found.count == segment.eventCount)
            numbers += found
            if acknowledge { try segment.acknowledge() } else { segment.release() }
        }
        return numbers
    }
}

/// A value shared with a writer's injected `write` call.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    var current: Value { value.withLock { $0 } }
    func set(_ new: Value) { value.withLock { $0 = new } }
    func update(_ body: (inout Value) -> Void) { value.withLock { body(&$0) } }
    /// Sets `new` and returns what was there.
    func exchange(_ new: Value) -> Value {
        value.withLock {
            let old = $0
            $0 = new
            return old
        }
    }
}

/// A gate a test opens from another thread.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func wait() { semaphore.wait() }
    func open() { semaphore.signal() }
}

/// Waits (polling, at most `seconds`) until `condition` holds; records an issue when it never does.
/// The limit is generous: sync tests elsewhere in the run can hold the concurrency threads a while.
func eventually(_ what: String, seconds: Double = 600, _ condition: () -> Bool) async {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline {
            Issue.record("timed out waiting until \(what)")
            return
        }
        try? await Task.sleep(for: .milliseconds(1))
    }
}

/// Writes `bytes` to `path` as a file left by someone else (a crashed writer, an older run).
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(filePath: path))
}

/// Runs `body` on a thread of its own, so blocking (a subprocess, a claim's wait) keeps off the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// The fixture executable next to the test bundle in the build folder.
let fixtureBinary: URL = {
    var folder = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
    if folder.lastPathComponent.hasSuffix(".xctest") { folder = folder.deletingLastPathComponent() }
    return folder.appending(path: "OndatraEventsFixture")
}()
