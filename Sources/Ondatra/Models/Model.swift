/// A model's target: `schema.table` in the catalog.
///
/// Targets compare, hash and sort without regard to ASCII letter case, as DuckDB matches
/// identifiers: `staging.Orders` and `staging.orders` are one table. A target keeps the spelling it
/// was made with for display.
public struct Target: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The schema (`raw`, `staging`, `main`, …).
    public let schema: String
    /// The table name.
    public let table: String

    /// Creates a target.
    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// Parses `schema.table` (or `table`, meaning `main.table`).
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1 where !parts[0].isEmpty: self.init(schema: "main", table: parts[0])
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty: self.init(schema: parts[0], table: parts[1])
        default: return nil
        }
    }

    /// `schema.table`, as spelled.
    public var description: String { "\(schema).\(table)" }

    /// Whether both name the same table, without regard to case.
    public static func == (lhs: Target, rhs: Target) -> Bool {
        Self.folded(lhs.schema) == Self.folded(rhs.schema) && Self.folded(lhs.table) == Self.folded(rhs.table)
    }

    /// Hashes the case-folded names, consistent with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Self.folded(schema))
        hasher.combine(Self.folded(table))
    }

    /// Orders by schema, then table, without regard to case.
    public static func < (lhs: Target, rhs: Target) -> Bool {
        let (left, right) = (folded(lhs.schema), folded(rhs.schema))
        guard left == right else { return left.lexicographicallyPrecedes(right) }
        return folded(lhs.table).lexicographicallyPrecedes(folded(rhs.table))
    }

    /// `name` with ASCII letters lower-cased, as DuckDB folds identifiers to compare them.
    static func folded(_ name: String) -> [UInt8] {
        name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    }
}

/// One model file, parsed: its target, directives and body.
public struct Model: Sendable {
    /// Whether the model is SQL or Starlark.
    public enum Language: String, Sendable { case sql, starlark }

    /// The file, relative to the project root (`models/staging/orders.sql`).
    public let path: String
    /// The table it materializes.
    public let target: Target
    /// SQL or Starlark.
    public let language: Language
    /// The directives from the header.
    public let directives: Directives
    /// The body: one SQL statement (without `;`), or the Starlark program, or the column list of an `events` model.
    public let body: String
    /// The 1-based line where the body starts, for error messages.
    public let bodyLine: Int
    /// A mistake that fails only this model rather than the project: a directive an `events`
    /// model does not take. Reported when the model is run or collected for.
    public var problem: OndatraError? = nil

    /// The kind (`table` when no `@kind` is given).
    public var kind: ModelKind { directives.kind }
}
