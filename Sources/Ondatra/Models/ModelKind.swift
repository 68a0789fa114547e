/// How a model's result is written into its target table.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    /// Replace all rows on every run that is not skipped.
    case table
    /// Insert only rows that are new upstream.
    case append
    /// Upsert by `@unique_key`; never deletes.
    case merge
    /// Replace the `@unique_key` groups whose content hash changed.
    case tracked
    /// Slowly changing dimension, type 2: close changed versions, insert new ones.
    case scd2
    /// Replace the partitions (`@unique_key` values) touched upstream.
    case partition
    /// Rows arrive over HTTP; the model declares the schema.
    case events

    /// Whether the kind needs `@unique_key`.
    public var requiresUniqueKey: Bool {
        switch self {
        case .merge, .tracked, .scd2, .partition: true
        default: false
        }
    }
}
