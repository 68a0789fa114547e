import DuckDB
import Foundation
import Ondatra
import OndatraSync
import RateLimit
import Starlark
import StarlarkHTTP
import Synchronization

/// One loaded copy of a sink lib: its thread, globals and the session its `query()` reads
/// through. A lane is used by one call at a time (checked out of ``StarlarkSinkCaller``'s stack),
/// so its non-Sendable parts never run on two threads at once.
final class SinkLane: @unchecked Sendable {
    let thread: StarlarkThread
    let globals: [String: Starlark.Value]
    /// Kept alive for the lane's `query()`.
    let session: Session

    init(thread: StarlarkThread, globals: [String: Starlark.Value], session: Session) {
        self.thread = thread
        self.globals = globals
        self.session = session
    }
}

/// Calls a sink lib's `push`, `poll` and `finalize` on a ``BlockingPool`` of its own, one lane
/// (loaded copy of the lib) per concurrent call.
final class StarlarkSinkCaller: SinkCaller {
    private let project: Project
    private let lib: LibFunction
    private let limiter: RateLimiter?
    private let transport: any HTTPTransport
    private let clock: any RuntimeClock
    private let log: @Sendable (String) -> Void
    private let definition: SinkDefinition
    private let model: SinkModelInfo
    private let context: ProjectContext
    private let pool: BlockingPool
    private let functions: SinkFunctions
    /// The project's secrets plus the lib's auth secrets, once a lane has read them.
    private let redactor: Mutex<SecretRedactor>
    private let idle = Mutex<[SinkLane]>([])
    private let busy = Mutex<[ObjectIdentifier: SinkLane]>([:])
    private let cancelled = Atomic<Bool>(false)

    init(host: StarlarkHost, definition: SinkDefinition, model: SinkModelInfo, context: ProjectContext) throws {
        guard let lib = host.libs[definition.lib.lowercased()] else {
            throw OndatraError(.project, "no lib function \(definition.lib)", file: definition.libPath)
        }
        project = host.project
        self.lib = lib
        limiter = host.limiter(for: lib)
        transport = host.transport
        clock = host.clock
        log = host.log
        self.definition = definition
        self.model = model
        self.context = context
        let source = try String(contentsOf: host.project.url(definition.libPath), encoding: .utf8)
        functions = try SinkFunctions(source: source, file: definition.libPath)
        redactor = Mutex(context.redactor)
        pool = BlockingPool(size: definition.settings.maxConcurrent, name: "push")
    }

    func push(_ batch: SinkBatch) async throws -> PushReply {
        try await onLane { lane in
            guard let push = lane.globals["push"] else { throw PushFailure.scriptError("push is not defined") }
            let rows = try Self.rows(batch)
            var named: [(String, Starlark.Value)] = []
            let declared = Set(self.functions.pushParameters.dropFirst())
            // `push(rows, **kwargs)` takes every keyword the runtime passes.
            let all = self.functions.pushTakesAnyKeyword
            func wants(_ name: String) -> Bool { all || declared.contains(name) }
            if wants("batch_number") { named.append(("batch_number", .int(batch.number))) }
            if wants("kind") { named.append(("kind", .string(self.model.kind.rawValue))) }
            if wants("key_columns") {
                named.append(("key_columns", .list(self.model.keyColumns.map(Starlark.Value.string))))
            }
            if wants("columns") {
                named.append(("columns", .list(batch.columns.map(Starlark.Value.string))))
            }
            for argument in self.definition.arguments where wants(argument.name) {
                named.append((argument.name, argument.value.starlark))
            }
            let result = try lane.thread.call(push, [rows], named: named)
            return try self.reply(result)
        }
    }

    func poll(job: String) async throws -> PollReply {
        try await onLane { lane in
            guard let poll = lane.globals["poll"] else { throw PushFailure.scriptError("poll is not defined") }
            let result = try lane.thread.call(poll, [try JSONModule.decode(job)])
            return Self.pollReply(result)
        }
    }

    func finalize(succeeded: Int, failed: Int) async throws {
        guard functions.hasFinalize else { return }
        _ = try await onLane { lane in
            guard let finalize = lane.globals["finalize"] else { return Starlark.Value.none }
            return try lane.thread.call(finalize, [.int(succeeded), .int(failed)])
        }
    }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
        for lane in busy.withLock({ Array($0.values) }) { lane.thread.cancel("interrupted") }
    }

    func close() { pool.shutdown() }

    func redact(_ text: String) -> String {
        StarlarkHost.redact(redactor.withLock { $0 }, text)
    }

    /// Runs `body` on a pool thread with a lane, turning every failure into a ``PushFailure``.
    private func onLane<Result: Sendable>(_ body: @escaping @Sendable (SinkLane) throws -> Result) async throws
        -> Result
    {
        try await pool.run(
            {
                if self.cancelled.load(ordering: .relaxed) { throw PushFailure.cancelled }
                let lane = try self.checkOut()
                let key = ObjectIdentifier(lane)
                self.busy.withLock { $0[key] = lane }
                defer {
                    _ = self.busy.withLock { $0.removeValue(forKey: key) }
                    self.idle.withLock { $0.append(lane) }
                }
                do {
                    return try body(lane)
                } catch let failure as PushFailure {
                    throw failure
                } catch {
                    throw self.failure(error)
                }
            }, onCancel: { self.cancel() })
    }

    /// An idle lane, or a new one: the lib's top level run once on a fresh thread and session.
    private func checkOut() throws -> SinkLane {
        if let lane = idle.withLock({ $0.popLast() }) { return lane }
        do {
            let session = try context.makeSession()
            var redactor = session.redactor
            let (settings, secrets) = try lib.api.httpSettings(
                file: lib.path, variables: session.variables, rateLimiter: limiter,
                oauthCache: project.stateDirectory.appending(path: "oauth/\(lib.name).json"), transport: transport)
            for secret in secrets { redactor.add(secret) }
            let known = redactor
            self.redactor.withLock { $0 = known }
            let environment = try StarlarkHost.environment(
                project: project, transport: transport, clock: clock, log: log, for: "\(model.target) push",
                path: lib.path, session: session, redactor: redactor, settings: settings,
                collector: RowCollector(source: "\(lib.path): push"), incremental: nil)
            let globals = try StarlarkProgram(
                source: try String(contentsOf: project.url(lib.path), encoding: .utf8), file: lib.path,
                predeclared: environment.predeclared, options: .all
            ).run(on: environment.thread)
            return SinkLane(thread: environment.thread, globals: globals, session: session)
        } catch let failure as PushFailure {
            throw failure
        } catch {
            throw self.failure(error)
        }
    }

    /// An error of a call, classified and redacted.
    private func failure(_ error: any Error) -> PushFailure {
        let redact = { (text: String) in self.redact(text) }
        switch error {
        case let error as StarlarkError:
            if error.isCancellation { return .cancelled }
            if let cause = error.cause as? HTTPRequestFailure {
                return .network(redact("\(cause.url): \(cause.message)"))
            }
            if let cause = error.cause as? HTTPStatusFailure {
                return .httpStatus(cause.status, redact("\(cause.url): \(cause.body)"))
            }
            if error.isFailure { return .failed(redact(error.description)) }
            return .scriptError(redact(error.description))
        case let error as StarlarkSyntaxError:
            return .scriptError(redact("\(definition.libPath):\(error.position.line): \(error.message)"))
        case let error as OndatraError:
            return .scriptError(redact(error.description))
        default:
            return .scriptError(redact("\(error)"))
        }
    }

    /// The batch as a list of dicts, one per row.
    private static func rows(_ batch: SinkBatch) throws -> Starlark.Value {
        // The rows share their keys: hashed once for the batch.
        .list(
            try Starlark.Value.dicts(
                keys: batch.columns.map(Starlark.Value.string), rows: batch.rows.map { $0.map(\.starlark) }))
    }

    /// What `push` returned, sorted by what the batch mode expects.
    private func reply(_ result: Starlark.Value) throws -> PushReply {
        if result == .none { return .none }
        // The start of the reply, for a message; only made when the reply is wrong (a statuses
        // dict holds a whole batch).
        let shown = { String(result.repr.prefix(200)) }
        guard let entries = result.dictEntries else { return .other(type: result.typeName, repr: shown()) }
        if definition.settings.mode == .async { return .job(try JSONModule.encode(result)) }
        var statuses: [String: String] = [:]
        statuses.reserveCapacity(entries.count)
        for (key, value) in entries {
            guard case .string(let name) = key, case .string(let status) = value else {
                return .other(type: "dict", repr: shown())
            }
            statuses[name] = status
        }
        return .statuses(statuses)
    }

    /// What `poll` returned: pending, done with per-row statuses, or something else.
    private static func pollReply(_ result: Starlark.Value) -> PollReply {
        let shape =
            "poll must return {\"done\": True, \"per_row\": {\"<rowid>:<change_type>\": status}} or {\"done\": False}"
        guard let entries = result.dictEntries else {
            return .invalid("\(shape), got \(result.typeName) \(String(result.repr.prefix(200)))")
        }
        var done = false
        var perRow: [String: String]?
        for (key, value) in entries {
            if key == .string("done") { done = value == .bool(true) }
            if key == .string("per_row"), let rows = value.dictEntries {
                var statuses: [String: String] = [:]
                for (rowKey, status) in rows {
                    guard case .string(let name) = rowKey, case .string(let text) = status else {
                        return .invalid("\(shape): per_row keys and statuses must be strings")
                    }
                    statuses[name] = text
                }
                perRow = statuses
            } else if key == .string("per_row") {
                return .invalid("\(shape): per_row must be a dict, got \(value.typeName)")
            }
        }
        guard done else { return .pending }
        guard let perRow else { return .invalid("\(shape): done is True but per_row is missing") }
        return .done(perRow)
    }
}

extension StarlarkHost {
    /// A caller for one drain of `model`'s sink.
    public func sinkCaller(for definition: SinkDefinition, model: SinkModelInfo, context: ProjectContext) throws
        -> any SinkCaller
    {
        try StarlarkSinkCaller(host: self, definition: definition, model: model, context: context)
    }
}
