import ArgumentParser
import Foundation
import Ondatra
import OndatraSync

/// `ondatrasql sync status|retry`: the delivery state of `@sink` models.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Inspect and retry what @sink models push.",
        discussion: """
            Each run queues a @sink model's changes in .ondatra/sync.sqlite, then pushes them. Failed
            changes are retried by later runs with a growing wait; rejected ones wait in the dead letters.
            """,
        subcommands: [SyncStatusCommand.self, SyncRetryCommand.self], defaultSubcommand: SyncStatusCommand.self)
}

/// Opens the project's delivery store, or says there is none yet.
private func openStore(_ global: GlobalOptions) throws -> (Project, SQLiteDeliveryStore?) {
    let project = try global.resolveProject()
    let path = Runner.deliveryStorePath(project)
    guard FileManager.default.fileExists(atPath: path.path) else { return (project, nil) }
    do {
        return (project, try SQLiteDeliveryStore(path: path))
    } catch {
        throw CommandFailure(message: "could not open .ondatra/sync.sqlite: \(error)", exitCode: 1)
    }
}

/// The store key of a target argument, or a usage error.
private func key(_ text: String) throws -> String {
    guard let target = Target(parsing: text) else {
        throw CommandFailure(message: "'\(text)' is not a target; write schema.table", exitCode: 2)
    }
    return Runner.syncKey(target)
}

/// `ondatrasql sync status [TARGET] [--json]`.
struct SyncStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each sink's watermark, pending, in-flight and dead changes, and its last errors.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Only this model (schema.table).", valueName: "TARGET"))
    var target: String?

    @Flag(help: "One JSON object per sink on stdout.")
    var json = false

    func run() throws {
        let wanted = try target.map(key)
        let (_, store) = try openStore(global)
        guard let store else {
            if !json { print("No sync state yet: no @sink model has run in this project.") }
            return
        }
        let now = Date()
        var keys = try store.targets()
        if let wanted {
            guard keys.contains(wanted) else {
                throw CommandFailure(
                    message:
                        "no sync state for \(target ?? wanted)\(keys.isEmpty ? "" : " (sinks: \(keys.joined(separator: ", ")))")",
                    exitCode: 1)
            }
            keys = [wanted]
        }
        for name in keys {
            let status = try store.status(of: name, now: now)
            if json {
                print(Self.json(status, now: now).text)
            } else {
                print(Self.text(status, now: now))
            }
        }
    }

    static func age(_ date: Date?, now: Date) -> String? {
        guard let date else { return nil }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<7200: return "\(seconds / 60)m"
        case ..<172_800: return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }

    static func text(_ status: TargetStatus, now: Date) -> String {
        var lines = [
            status.target,
            "  watermark: \(status.watermark.map { "snapshot \($0)" } ?? "none")",
            "  pending: \(status.pending) (\(status.failing) failing)"
                + (age(status.oldestPending, now: now).map { ", oldest \($0) old" } ?? ""),
            "  in flight: \(status.inFlight)" + (status.openJobs > 0 ? " (\(status.openJobs) async job(s) open)" : ""),
            "  dead: \(status.dead)" + (status.dead > 0 ? " (ondatrasql sync retry \(status.target) --dead)" : ""),
        ]
        if !status.lastErrors.isEmpty {
            lines.append("  last errors:")
            lines += status.lastErrors.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ status: TargetStatus, now: Date) -> JSONValue {
        .object([
            "target": .string(status.target), "watermark": status.watermark.map(JSONValue.int) ?? .null,
            "pending": .int(Int64(status.pending)), "failing": .int(Int64(status.failing)),
            "in_flight": .int(Int64(status.inFlight)), "dead": .int(Int64(status.dead)),
            "open_jobs": .int(Int64(status.openJobs)),
            "oldest_pending_seconds": status.oldestPending.map { .int(Int64(max(0, now.timeIntervalSince($0)))) }
                ?? .null,
            "last_errors": .array(status.lastErrors.map(JSONValue.string)),
        ])
    }
}

/// `ondatrasql sync retry TARGET [--dead]`.
struct SyncRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make a sink's failing changes due now (and its dead letters too, with --dead).",
        discussion: "The next `ondatrasql run` pushes them, even when the model itself has nothing new.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The model (schema.table).", valueName: "TARGET"))
    var target: String

    @Flag(help: "Also move the dead letters (rejected, or out of attempts) back to the queue.")
    var dead = false

    func run() throws {
        let name = try key(target)
        let (_, store) = try openStore(global)
        let known = try store?.targets() ?? []
        guard let store, known.contains(name) else {
            let sinks = known.isEmpty ? "" : " (sinks: \(known.joined(separator: ", ")))"
            throw CommandFailure(
                message: "no sync state for \(target): it has not been synced yet\(sinks); name it as schema.table",
                exitCode: 1)
        }
        let count = try store.retry(target: name, includeDead: dead, now: Date())
        print("\(count) change(s) of \(target) are due now; the next `ondatrasql run` pushes them.")
    }
}
