import Foundation
import Ondatra
import OndatraEvents
import Synchronization

/// The `events` models the collector accepts events for, each with its validator, as read from
/// the project's `models/` at one moment.
struct CollectorTargets: Sendable {
    /// One `events` model.
    struct Entry: Sendable {
        /// `schema.table` as declared.
        let target: Target
        /// The buffer's key for it (``EventsBuffer/key(_:)``).
        let key: String
        /// The model file, relative to the project.
        let path: String
        let validator: EventValidator
    }

    /// Events models by their lowercased `schema.table`.
    let entries: [String: Entry]
    /// Events models whose declarations do not parse, with the error (file and line), by key:
    /// their events are refused with that error while the other models keep collecting.
    let broken: [String: String]
    /// Models of other kinds by their lowercased `schema.table`, to say why they take no events.
    let otherKinds: [String: ModelKind]

    /// Reads the project's models.
    /// - Throws: ``OndatraError`` when the models cannot be read at all (a model file that does
    ///   not parse as a model); a bad events declaration only marks that model broken.
    init(project: Project, checkOther: @escaping @Sendable (String, String) -> String?) throws {
        var entries: [String: Entry] = [:]
        var broken: [String: String] = [:]
        var others: [String: ModelKind] = [:]
        for model in try ModelDiscovery.models(in: project) {
            let key = EventsBuffer.key(model.target)
            guard model.kind == .events else {
                others[key] = model.kind
                continue
            }
            do {
                let columns = try EventsTable.declaredColumns(of: model)
                entries[key] = Entry(
                    target: model.target, key: key, path: model.path,
                    validator: EventValidator(columns: columns, checkOther: checkOther))
            } catch {
                broken[key] = "\(error)"
            }
        }
        self.entries = entries
        self.broken = broken
        self.otherKinds = others
    }

    /// The events models that take events, as `schema.table`, sorted.
    var names: [String] { entries.values.map(\.target.description).sorted() }

    /// The entry for `schema`/`table` from a request path, or why there is none.
    func lookup(schema: String, table: String) -> Result<Entry, CollectorReply> {
        let key = "\(schema).\(table)".lowercased()
        if let entry = entries[key] { return .success(entry) }
        if let problem = broken[key] {
            return .failure(
                .error(
                    .serviceUnavailable, "\(schema).\(table) cannot take events until its model is fixed: \(problem)"))
        }
        let hint = names.isEmpty ? "the project has no events model" : "events models: \(names.joined(separator: ", "))"
        if let kind = otherKinds[key] {
            return .failure(
                .error(.notFound, "\(schema).\(table) is a \(kind.rawValue) model, not an events model (\(hint))"))
        }
        return .failure(.error(.notFound, "no events model \(schema).\(table) (\(hint))"))
    }
}

/// The collector's current ``CollectorTargets``, read again when a model file changes, so an
/// edited declaration takes effect without a restart.
final class LiveTargets: Sendable {
    private let state: Mutex<(targets: CollectorTargets, fingerprint: [String: String])>
    private let project: Project
    private let checkOther: @Sendable (String, String) -> String?

    /// Reads the models once.
    /// - Throws: ``OndatraError`` when the models cannot be read.
    init(project: Project, checkOther: @escaping @Sendable (String, String) -> String?) throws {
        self.project = project
        self.checkOther = checkOther
        let fingerprint = Self.fingerprint(project)
        state = Mutex((try CollectorTargets(project: project, checkOther: checkOther), fingerprint))
    }

    /// The models as last read.
    var current: CollectorTargets { state.withLock { $0.targets } }

    /// Reads the models again when a file under `models/` was added, removed or changed since the
    /// last read; returns what changed for the log, or nil. When they cannot be read, keeps the
    /// last good ones and returns the error.
    func refresh() -> String? {
        let fingerprint = Self.fingerprint(project)
        guard fingerprint != state.withLock({ $0.fingerprint }) else { return nil }
        do {
            let targets = try CollectorTargets(project: project, checkOther: checkOther)
            state.withLock { $0 = (targets, fingerprint) }
            var message = "models changed: taking events for \(targets.names.joined(separator: ", "))"
            for (_, problem) in targets.broken.sorted(by: { $0.key < $1.key }) { message += "; refusing \(problem)" }
            return message
        } catch {
            // Remember the broken state so the same error is not logged every poll.
            state.withLock { $0.fingerprint = fingerprint }
            return "models changed but cannot be read (still using the previous ones): \(error)"
        }
    }

    /// Path → modification time and size of every file under `models/`.
    static func fingerprint(_ project: Project) -> [String: String] {
        let root = project.url("models")
        guard
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.contentModificationDateKey, .fileSizeKey])
        else { return [:] }
        var result: [String: String] = [:]
        for case let url as URL in walker {
            let values = try? url.resourceValues(forKeys: [.contentModificationDateKey, .fileSizeKey])
            result[url.path] =
                "\(values?.contentModificationDate?.timeIntervalSince1970 ?? 0):\(values?.fileSize ?? -1)"
        }
        return result
    }
}
