import Foundation
import Ondatra
import OndatraEvents

/// The `events` models the collector accepts events for, each with its validator, read from the
/// project's `models/` when the collector starts.
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
    /// Models of other kinds by their lowercased `schema.table`, to say why they take no events.
    let otherKinds: [String: ModelKind]

    /// Reads the project's models; every events model's declarations must parse.
    /// - Throws: ``OndatraError`` naming the model file and line of a bad declaration.
    init(project: Project, checkOther: @escaping @Sendable (String, String) -> String?) throws {
        var entries: [String: Entry] = [:]
        var others: [String: ModelKind] = [:]
        for model in try ModelDiscovery.models(in: project) {
            let key = EventsBuffer.key(model.target)
            guard model.kind == .events else {
                others[key] = model.kind
                continue
            }
            let columns = try EventsTable.declaredColumns(of: model)
            entries[key] = Entry(
                target: model.target, key: key, path: model.path,
                validator: EventValidator(columns: columns, checkOther: checkOther))
        }
        self.entries = entries
        self.otherKinds = others
    }

    /// The entry for `schema`/`table` from a request path, or why there is none.
    func lookup(schema: String, table: String) -> Result<Entry, CollectorReply> {
        let key = "\(schema).\(table)".lowercased()
        if let entry = entries[key] { return .success(entry) }
        if let kind = otherKinds[key] {
            return .failure(
                .error(.notFound, "\(schema).\(table) is a \(kind.rawValue) model, not an events model"))
        }
        let known = entries.values.map(\.target.description).sorted()
        let hint = known.isEmpty ? "the project has no events model" : "events models: \(known.joined(separator: ", "))"
        return .failure(.error(.notFound, "no events model \(schema).\(table) (\(hint))"))
    }
}
