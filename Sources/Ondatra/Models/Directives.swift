/// The `@name: value` lines of a model header, validated.
public struct Directives: Sendable, Hashable {
    /// One validation macro call from `@constraint`, `@audit` or `@warning`.
    public struct Check: Sendable, Hashable {
        /// The macro call as written, e.g. `not_null(id)`.
        public let call: String
        /// The line it came from.
        public let line: Int
    }

    /// The materialization kind.
    public var kind: ModelKind = .table
    /// Key columns (`@unique_key` / `@group_key`).
    public var uniqueKey: [String] = []
    /// The sink lib function call, as written (`hubspot_push` or `name('a', 2)`).
    public var sink: String?
    /// The incremental cursor column and its initial value.
    public var incremental: String?
    /// The cursor value before the first run.
    public var incrementalInitial: String?
    /// Validation calls.
    public var constraints: [Check] = []
    /// Checks run after the write, inside the transaction.
    public var audits: [Check] = []
    /// Checks whose failures are reported, not fatal.
    public var warnings: [Check] = []
    /// One `@extension` name with the line it came from.
    public struct Extension: Sendable, Hashable {
        /// The extension's name, a plain identifier.
        public let name: String
        /// The line it came from.
        public let line: Int
    }

    /// The table's comment (`COMMENT ON TABLE`).
    public var description: String?
    /// The `@column` lines: column comments and masks, in header order.
    public var columns: [ColumnNote] = []
    /// DuckLake partition columns (`ALTER TABLE … SET PARTITIONED BY`).
    public var partitionedBy: [String] = []
    /// DuckLake sort columns (`ALTER TABLE … SET SORTED BY`).
    public var sortedBy: [String] = []
    /// Extensions to load before the model runs.
    public var extensions: [Extension] = []
    /// The line each directive was given on (the last one for a repeatable directive), by its
    /// canonical name (`unique_key` for `@group_key`, `sink` for `@push`).
    public var lines: [String: Int] = [:]

    /// The columns masked, with their macros.
    public var masks: [(column: String, macro: String)] {
        columns.compactMap { note in note.mask.map { (note.column, $0) } }
    }

    /// The directive names a header may use.
    public static let known = [
        "kind", "unique_key", "group_key", "sink", "push", "incremental", "incremental_initial", "constraint", "audit",
        "warning", "description", "column", "partitioned_by", "sorted_by", "extension",
    ]

    /// The directives that change the rows a model writes, in the model hash. Storage hints and
    /// comments are not: they are applied to the table as it is. The two empty fields stand where
    /// the storage hints were hashed once, so models without masks keep the hash they had.
    var hashedText: String {
        var fields = [
            kind.rawValue, uniqueKey.joined(separator: ","), incremental ?? "", incrementalInitial ?? "", "", "",
        ]
        let masks = masks.map { "\($0.column.lowercased())=\($0.macro)" }.sorted()
        if !masks.isEmpty { fields.append("masks:" + masks.joined(separator: ",")) }
        return fields.joined(separator: "|")
    }
}
