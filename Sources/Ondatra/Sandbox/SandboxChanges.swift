import DuckDB
import Foundation
import OndatraSync

/// What a sandbox run changed in one model's table, measured against the catalog as it was when
/// the sandbox was made, and what its `@sink` would push.
public struct SandboxChanges: Sendable, Equatable {
    /// Rows that are new (by `@unique_key` when the model has one, else by content).
    public var inserted: Int64 = 0
    /// Rows whose key was there before with other values (only for models with `@unique_key`).
    public var updated: Int64 = 0
    /// Rows that are gone.
    public var deleted: Int64 = 0
    /// Whether the table did not exist before.
    public var created = false
    /// Schema changes: `+ name TYPE`, `- name TYPE`, `~ name OLD → NEW`.
    public var schema: [String] = []
    /// For an `@sink` model, the changes its queue would push next, by change type (`insert`, …).
    public var wouldPush: [String: Int]?
    /// Why the changes could not be measured, if they could not.
    public var problem: String?
    /// Whether the table was compared (the run committed and the comparison worked).
    public var compared = false

    /// `+3 ~1 -2 rows`, the schema changes and what would be pushed, in a few words.
    public var line: String {
        var parts =
            compared ? ["+\(inserted) ~\(updated) -\(deleted) rows" + (created ? " (new table)" : "")] : []
        if !schema.isEmpty { parts.append("schema: " + schema.joined(separator: ", ")) }
        if let pushLine { parts.append(pushLine) }
        if let problem { parts.append(problem) }
        return parts.joined(separator: "; ")
    }

    /// `would push 3 insert, 1 update` (or `would push nothing`) for an `@sink` model; nil for others.
    public var pushLine: String? {
        guard let wouldPush else { return nil }
        let types = wouldPush.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return types.isEmpty ? "would push nothing" : "would push \(types.joined(separator: ", "))"
    }

    /// The `--json` object.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "inserted": .int(inserted), "updated": .int(updated), "deleted": .int(deleted), "created": .bool(created),
            "schema_changes": .array(schema.map(JSONValue.string)), "problem": problem.map(JSONValue.string) ?? .null,
        ]
        object["would_push"] =
            wouldPush.map { counts in .object(counts.mapValues { JSONValue.int(Int64($0)) }) } ?? .null
        return .object(object)
    }
}

/// Measures each model's changes in a sandbox: the catalog's snapshot and the tables' columns
/// are read once before the run, and each model that ran is compared with them right after.
public struct SandboxMeasure {
    private let session: Session
    private let storePath: URL
    /// The snapshot the copy was at before anything ran.
    private let baseline: Int64
    /// Each table's columns before the run, by folded target.
    private let columnsBefore: [String: [SchemaEvolution.Column]]
    /// The project's models, by target.
    private let models: [Target: Model]

    /// Reads what the copy holds before the run.
    /// - Throws: ``OndatraError`` when the catalog cannot be read.
    public init(sandbox: Sandbox, session: Session, models: [Model]) throws {
        self.session = session
        storePath = sandbox.deliveryStorePath
        self.models = Dictionary(models.map { ($0.target, $0) }) { first, _ in first }
        do {
            baseline = try session.currentSnapshot()
            var columns: [String: [SchemaEvolution.Column]] = [:]
            let rows = try session.connection.rows(
                """
                SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
                WHERE database_name = ? ORDER BY schema_name, table_name, column_index
                """, [.varchar(session.catalog)])
            for row in rows {
                guard let schema = row[0].string, let table = row[1].string, let name = row[2].string,
                    let type = row[3].string
                else { continue }
                columns[Self.key(Target(schema: schema, table: table)), default: []].append(
                    .init(name: name, type: type))
            }
            columnsBefore = columns
        } catch let error as DuckDBError {
            throw session.queryError(error)
        }
    }

    /// What `result`'s run changed; nil for a model that did not run or made no commit and has no
    /// sink. A comparison that failed is said in ``SandboxChanges/problem``, not thrown: the run
    /// goes on.
    public func changes(of result: ModelResult) -> SandboxChanges? {
        guard let model = models[result.target] else { return nil }
        var changes = SandboxChanges()
        if result.committed && model.kind != .events {
            do {
                try compare(model, into: &changes)
            } catch let error as DuckDBError {
                changes.problem = "could not compare the table: " + session.queryError(error).message
            } catch {
                changes.problem = "could not compare the table: \(error)"
            }
        }
        if result.sync != nil {
            do {
                let store = try SQLiteDeliveryStore(path: storePath)
                changes.wouldPush = try store.pendingChangeTypes(of: Runner.syncKey(model.target))
            } catch {
                changes.problem = "could not read the copy of the delivery store: \(error)"
            }
        }
        return result.committed || result.sync != nil ? changes : nil
    }

    /// The columns OndatraSQL adds to a kind's table (`_content_hash`, scd2's validity columns):
    /// left out of the comparison and of the schema changes, whichever kind the table had.
    private static let addedColumns = Set(
        ModelKind.allCases.flatMap { $0.rules.addedColumns.map { $0.name.lowercased() } })

    private func compare(_ model: Model, into changes: inout SandboxChanges) throws {
        let target = model.target
        let table = SQLLiteral.qualified([session.catalog, target.schema, target.table])
        let afterAll = try SchemaEvolution.columns(
            session, database: session.catalog, schema: target.schema, table: target.table)
        let after = afterAll.filter { !Self.addedColumns.contains($0.name.lowercased()) }
        let newFilter = Self.versioned(afterAll) ? " WHERE is_current" : ""
        guard let beforeAll = columnsBefore[Self.key(target)] else {
            changes.created = true
            changes.inserted = try session.connection.scalar("SELECT count(*) FROM \(table)\(newFilter)")?.int64 ?? 0
            changes.compared = true
            return
        }
        let before = beforeAll.filter { !Self.addedColumns.contains($0.name.lowercased()) }
        let oldFilter = Self.versioned(beforeAll) ? " WHERE is_current" : ""
        changes.schema = Self.schemaChanges(before: before, after: after)
        // Rows are compared on the table's columns now; a column that is new counts as NULL in
        // the old rows, so values put in it count as changes. Removed columns are left out.
        let beforeNames = Set(before.map { $0.name.lowercased() })
        let newList = after.map { SQLLiteral.identifier($0.name) }.joined(separator: ", ")
        let oldList = after.map { column in
            beforeNames.contains(column.name.lowercased())
                ? SQLLiteral.identifier(column.name) : "NULL AS \(SQLLiteral.identifier(column.name))"
        }.joined(separator: ", ")
        let afterNames = Set(after.map { $0.name.lowercased() })
        let key = model.directives.uniqueKey.compactMap { name in
            after.first { $0.name.lowercased() == name.lowercased() }.map { SQLLiteral.identifier($0.name) }
        }
        let keyColumnsKept =
            !key.isEmpty && key.count == model.directives.uniqueKey.count
            && model.directives.uniqueKey.allSatisfy {
                afterNames.contains($0.lowercased()) && beforeNames.contains($0.lowercased())
            }
        let old = "SELECT \(oldList) FROM \(table) AT (VERSION => \(baseline))\(oldFilter)"
        let new = "SELECT \(newList) FROM \(table)\(newFilter)"
        // By key only where the key names one row on both sides (merge, scd2's current versions,
        // tracked with one row per key); a group's or a partition's rows are compared by content.
        let keyed = try keyColumnsKept && Self.isUnique(key, in: old, session) && Self.isUnique(key, in: new, session)
        let sameKey = key.map { "c.\($0) IS NOT DISTINCT FROM g.\($0)" }.joined(separator: " AND ")
        let counts =
            keyed
            ? """
            (SELECT count(*) FROM came c WHERE NOT EXISTS (SELECT 1 FROM gone g WHERE \(sameKey))),
            (SELECT count(*) FROM came c WHERE EXISTS (SELECT 1 FROM gone g WHERE \(sameKey))),
            (SELECT count(*) FROM gone g WHERE NOT EXISTS (SELECT 1 FROM came c WHERE \(sameKey)))
            """
            : "(SELECT count(*) FROM came), 0, (SELECT count(*) FROM gone)"
        let row = try session.connection.rows(
            """
            WITH old AS (\(old)),
            new AS (\(new)),
            gone AS (SELECT * FROM old EXCEPT ALL SELECT * FROM new),
            came AS (SELECT * FROM new EXCEPT ALL SELECT * FROM old)
            SELECT \(counts)
            """
        ).first
        changes.inserted = row?[0].int64 ?? 0
        changes.updated = row?[1].int64 ?? 0
        changes.deleted = row?[2].int64 ?? 0
        changes.compared = true
    }

    /// Whether no two rows of `query` share a value of `key`.
    private static func isUnique(_ key: [String], in query: String, _ session: Session) throws -> Bool {
        let list = key.joined(separator: ", ")
        let row = try session.connection.rows(
            "SELECT count(*), count(DISTINCT (\(list))) FROM (\(query))"
        ).first
        return row?[0].int64 == row?[1].int64
    }

    /// Whether `columns` are an scd2 table's, whose current versions are the rows to compare.
    private static func versioned(_ columns: [SchemaEvolution.Column]) -> Bool {
        let names = Set(columns.map { $0.name.lowercased() })
        return ["valid_from_snapshot", "valid_to_snapshot", "is_current"].allSatisfy(names.contains)
    }

    /// `+ name TYPE` for a column added, `- name TYPE` for one removed, `~ name OLD → NEW` for a
    /// type changed; names compared as DuckDB does (without regard to case).
    static func schemaChanges(before: [SchemaEvolution.Column], after: [SchemaEvolution.Column]) -> [String] {
        let old = Dictionary(before.map { ($0.name.lowercased(), $0) }) { first, _ in first }
        let new = Dictionary(after.map { ($0.name.lowercased(), $0) }) { first, _ in first }
        var changes: [String] = []
        for column in after {
            if let was = old[column.name.lowercased()] {
                if was.type != column.type { changes.append("~ \(column.name) \(was.type) → \(column.type)") }
            } else {
                changes.append("+ \(column.name) \(column.type)")
            }
        }
        for column in before where new[column.name.lowercased()] == nil {
            changes.append("- \(column.name) \(column.type)")
        }
        return changes
    }

    private static func key(_ target: Target) -> String {
        String(decoding: Target.folded(target.description), as: UTF8.self)
    }
}
