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
    /// Catalog comments.
    public var description: String?
    /// `column = text | tag | tag` lines.
    public var columns: [String: String] = [:]
    /// Storage hints.
    public var partitionedBy: [String] = []
    /// Columns to sort files by.
    public var sortedBy: [String] = []
    /// Extensions to load before the model runs.
    public var extensions: [String] = []

    /// The directive names a header may use.
    public static let known = [
        "kind", "unique_key", "group_key", "sink", "push", "incremental", "incremental_initial", "constraint", "audit",
        "warning", "description", "column", "partitioned_by", "sorted_by", "extension",
    ]

    /// The directives that change how a model is materialized, in the model hash.
    var hashedText: String {
        [
            kind.rawValue, uniqueKey.joined(separator: ","), incremental ?? "", incrementalInitial ?? "",
            partitionedBy.joined(separator: ","), sortedBy.joined(separator: ","),
        ].joined(separator: "|")
    }
}
