import Foundation

/// The events benchmark's table: each figure beside its goal.
extension EventsBenchmark {
    /// Durable single events a second (the seed-era system claimed 24,000 without durability).
    static let singleGoal = 20_000.0
    /// Durable batched events a second.
    static let batchedGoal = 100_000.0
    /// Seconds for one run to flush 1,000,000 buffered events.
    static let flushGoal = 10.0

    /// Prints the figures and returns the checks that failed (none when all is well).
    func report(single: Load, batched: Load, flush: Flush?) -> [String] {
        print(
            "Events: \(Self.model) (6 columns, about 155 bytes an event) posted to `ondatrasql events` on loopback;"
                + " wrk -t\(threads) -c\(connections) -d\(seconds)s")
        print(
            "Every 202 is durable: the events were validated, written and fdatasync'd into the buffer"
                + " (group commit) before the answer.")
        print(Self.pad("measure", 58) + Self.right("figure", 18) + Self.right("goal", 12) + Self.right("met", 6))
        for load in [single, batched] {
            let goal = load.eventsPerRequest == 1 ? Self.singleGoal : Self.batchedGoal
            let title =
                load.eventsPerRequest == 1
                ? "single events, 1 per POST: events/s"
                : "batched events, \(load.eventsPerRequest) per POST: events/s (requests/s x \(load.eventsPerRequest))"
            line(title, String(format: "%.0f", load.eventsPerSecond), goal: goal, met: load.eventsPerSecond >= goal)
            line(
                "  latency p50 / p99 (ms)", String(format: "%.2f / %.2f", load.wrk.p50 * 1000, load.wrk.p99 * 1000))
        }
        if let flush {
            // The goal is set for 1,000,000 events; other sizes are shown without it.
            let goal = flush.events == 1_000_000 ? Self.flushGoal : nil
            line(
                "flush of \(flush.events) buffered events: ondatrasql run, wall (s)",
                String(format: "%.2f", flush.run.seconds), goal: goal, met: flush.run.seconds < Self.flushGoal,
                below: true)
            line("  the model's duration_ms, \(flush.runType) (s)", String(format: "%.2f", flush.modelSeconds))
            line("  peak RSS of the run (MiB)", Self.mib(flush.run.peakRSS))
            line("  the buffer on disk before the flush (MiB)", Self.mib(flush.bufferBytes))
        }
        print("")
        return details(single: single, batched: batched, flush: flush)
    }

    /// The lines under the table: the checks, CPU and memory; returns the checks that failed.
    private func details(single: Load, batched: Load, flush: Flush?) -> [String] {
        var problems: [String] = []
        var answers: [String] = []
        for load in [single, batched] {
            answers.append("\(load.name) \(load.wrk.non2xx)")
            if load.wrk.non2xx > 0 { problems.append("\(load.name): \(load.wrk.non2xx) non-2xx responses") }
            if load.metrics.rejected > 0 { problems.append("\(load.name): \(load.metrics.rejected) events rejected") }
            let completed = load.wrk.requests * load.eventsPerRequest
            if load.metrics.accepted < completed || load.metrics.buffered != load.metrics.accepted {
                problems.append(
                    "\(load.name): wrk completed \(completed) events, the collector counts \(load.metrics)")
            }
        }
        var text = "non-2xx responses (wrk): " + answers.joined(separator: ", ")
        if let flush { text += "; the fill: \(flush.fill.requests) requests, every one 202 with its count" }
        print(text)
        for load in [single, batched] {
            print(
                "\(load.name): \(load.wrk.requests) requests in \(seconds) s, \(load.metrics.accepted) events"
                    + " accepted by the collector (\(load.metrics.accepted - load.wrk.requests * load.eventsPerRequest)"
                    + " answered after wrk stopped counting), \(Self.mib(load.bufferBytes)) MiB buffered;"
                    + " socket errors: \(load.wrk.socketErrorsLine ?? "none")")
        }
        print(
            "CPU seconds over each run of \(seconds) s on the shared cores: "
                + [single, batched].map {
                    String(
                        format: "%@: collector %.1f (%.1f us an event), wrk %.1f", $0.name, $0.collector.cpuSeconds,
                        $0.collector.cpuSeconds * 1e6 / Double(max(1, $0.metrics.accepted)), $0.wrk.cpuSeconds)
                }.joined(separator: "; "))
        print(
            "collector peak RSS (MiB): "
                + [single, batched].map { "\($0.name) \(Self.mib($0.collector.peakRSS))" }.joined(separator: ", "))
        if let flush {
            print(
                String(
                    format:
                        "the fill: %d requests of %d events (%@ MiB) in %.2f s, %.0f events/s, %d in flight",
                    flush.fill.requests, Self.fillBatch, Self.mib(flush.fill.bytes), flush.fill.seconds,
                    Double(flush.events) / flush.fill.seconds, Self.fillInFlight))
            print(
                "the buffer before the flush: \(flush.bufferBytes) bytes in \(flush.segments) segment(s), "
                    + String(format: "%.1f", Double(flush.bufferBytes) / Double(flush.events)) + " bytes an event")
            print(
                "after the flush: count(*) \(flush.counted), count(DISTINCT user_id) \(flush.distinctUsers),"
                    + " \(flush.segmentsAfter) segment(s) left in the buffer; "
                    + String(format: "%.0f events/s flushed (wall)", Double(flush.events) / flush.run.seconds))
            if flush.segmentsAfter > 0 { problems.append("\(flush.segmentsAfter) segment(s) left after the flush") }
        }
        return problems
    }

    /// One row of the table; `met` is shown only with a goal, which `below` says is a ceiling.
    private func line(_ name: String, _ figure: String, goal: Double? = nil, met: Bool = true, below: Bool = false) {
        var text = Self.pad(name, 58) + Self.right(figure, 18)
        if let goal {
            let shown = below ? String(format: "< %.0f", goal) : String(format: ">= %.0f", goal)
            text += Self.right(shown, 12) + Self.right(met ? "yes" : "NO", 6)
        }
        print(text)
    }

    /// `bytes` in MiB with one decimal.
    static func mib(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }

    /// `text` left-aligned in `width` columns (never cut).
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    /// `text` right-aligned in `width` columns.
    static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(1, width - text.count)) + text
    }
}
