// A helper process for OndatraEventsTests (kill and file-size tests) and for measuring the event
// buffer's speed. Not shipped: nothing here is part of OndatraSQL's interface.
//
//   OndatraEventsFixture append ROOT TARGET TASKS SEGMENT_LIMIT
//       TASKS tasks append numbered events (`{"n":N}`, every third append a batch of three)
//       forever, printing each number once it is acknowledged. The test kills it with SIGKILL.
//   OndatraEventsFixture fsize ROOT TARGET
//       Under a 4 KiB file-size limit (RLIMIT_FSIZE), appends small events, a batch too big for
//       the limit (which fails), more small events, then raises the limit and appends the batch.
//       Prints `ack N` per acknowledged event and `error ERRNO UNAVAILABLE` per failure.
//   OndatraEventsFixture bench ROOT APPENDERS BATCH SECONDS
//       APPENDERS tasks append BATCH-event appends for SECONDS; prints the rates.

import OndatraEvents

#if canImport(Glibc)
    import Glibc
#endif

/// Writes `text` and a newline to stdout with one `write`, unbuffered, so a kill loses nothing printed.
func say(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}

/// One NDJSON line per number, padded so events are about 100 bytes.
func lines(_ numbers: [Int]) -> [UInt8] {
    var bytes: [UInt8] = []
    for number in numbers {
        bytes += Array(#"{"n":\#(number),"pad":"\#(String(repeating: "x", count: 80))"}"#.utf8)
        bytes.append(0x0A)
    }
    return bytes
}

func runAppend(_ arguments: [String]) async throws {
    guard arguments.count == 4, let tasks = Int(arguments[2]), let limit = Int(arguments[3]) else {
        say("usage: append ROOT TARGET TASKS SEGMENT_LIMIT")
        exit(2)
    }
    let writer = try EventBufferWriter(root: arguments[0], options: .init(segmentLimit: limit))
    let target = arguments[1]
    await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var next = task * 10_000_000
                var round = 0
                while true {
                    let numbers = Array(next..<next + (round % 3 == 2 ? 3 : 1))
                    next += numbers.count
                    round += 1
                    try await writer.append(target: target, lines: lines(numbers), count: numbers.count)
                    say(numbers.map(String.init).joined(separator: "\n"))
                }
            }
        }
    }
}

func runFileSize(_ arguments: [String]) async throws {
    guard arguments.count == 2 else {
        say("usage: fsize ROOT TARGET")
        exit(2)
    }
    signal(SIGXFSZ, SIG_IGN)
    let fileSizeLimit = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
    var limit = rlimit()
    getrlimit(fileSizeLimit, &limit)
    let original = limit.rlim_cur
    limit.rlim_cur = 4096
    setrlimit(fileSizeLimit, &limit)
    let writer = try EventBufferWriter(root: arguments[0])
    func attempt(_ numbers: [Int]) async {
        do {
            try await writer.append(target: arguments[1], lines: lines(numbers), count: numbers.count)
            for number in numbers { say("ack \(number)") }
        } catch {
            say("error \(error.errorNumber ?? 0) \(error.isUnavailable) \(error.description)")
        }
    }
    for number in 0..<10 { await attempt([number]) }
    await attempt(Array(100..<200))
    for number in 10..<20 { await attempt([number]) }
    limit.rlim_cur = original
    setrlimit(fileSizeLimit, &limit)
    await attempt(Array(200..<300))
    await attempt([20])
    await writer.close()
}

func runBench(_ arguments: [String]) async throws {
    guard arguments.count == 4, let appenders = Int(arguments[1]), let batch = Int(arguments[2]),
        let seconds = Double(arguments[3])
    else {
        say("usage: bench ROOT APPENDERS BATCH SECONDS")
        exit(2)
    }
    let writer = try EventBufferWriter(root: arguments[0])
    let payload = lines(Array(0..<batch))
    let clock = ContinuousClock()
    let start = clock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<appenders {
            group.addTask {
                while clock.now < end {
                    try await writer.append(target: "bench.events", lines: payload, count: batch)
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = clock.now - start
    let counters = writer.counters
    await writer.close()
    let (whole, fraction) = elapsed.components
    let time = Double(whole) + Double(fraction) / 1e18
    func rate(_ value: Int) -> String { String(Int((Double(value) / time).rounded())) }
    say(
        "appenders=\(appenders) batch=\(batch) seconds=\(time) appends/s=\(rate(counters.appends)) "
            + "events/s=\(rate(counters.events)) fdatasyncs/s=\(rate(counters.dataSyncs)) "
            + "commits/s=\(rate(counters.commits)) appends/commit=\(counters.appends / max(1, counters.commits))")
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "append": try await runAppend(Array(arguments.dropFirst()))
    case "fsize": try await runFileSize(Array(arguments.dropFirst()))
    case "bench": try await runBench(Array(arguments.dropFirst()))
    default:
        say("usage: OndatraEventsFixture append|fsize|bench …")
        exit(2)
    }
} catch {
    say("failed: \(error)")
    exit(1)
}
