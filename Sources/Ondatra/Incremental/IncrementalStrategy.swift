/// How an incremental run of an `append`, `merge` or `partition` model reads its inputs. The rule
/// every strategy keeps: the table after the run equals what a full recompute would give under the
/// kind's semantics. Chosen by ``choose(kind:keys:shape:changed:)``, a pure function of the query's
/// parsed shape and the upstreams that changed, so every rule is tested without DuckDB.
public enum IncrementalStrategy: Sendable, Hashable {
    /// Nothing the model reads changed: nothing runs and no snapshot is made.
    case nothing
    /// Read only the changed rows of the one upstream that changed, in place of the whole table.
    case delta(Target)
    /// Recompute only the groups (keys) the changes of these upstreams touch, with the full query
    /// restricted to them.
    case affectedKeys([Target])
    /// Run the full query; the kind's writer then changes only what differs.
    case full(reason: String)

    /// The strategy for one incremental run.
    ///
    /// - Parameters:
    ///   - kind: the model's kind (append, merge or partition; any other kind runs its full query).
    ///   - keys: the `@unique_key` columns (merge keys, partition columns).
    ///   - shape: the query's shape, or nil when it could not be read (the full query runs).
    ///   - changed: the model tables it reads that committed since the model last ran.
    public static func choose(kind: ModelKind, keys: [String], shape: QueryShape?, changed: [Target])
        -> IncrementalStrategy
    {
        guard !changed.isEmpty else { return .nothing }
        guard let rules = kind.rules as? any ChangeFollowingKind.Type else {
            return .full(reason: "\(kind.rawValue) compares")
        }
        guard let shape else { return .full(reason: "query shape not understood") }
        if changed.count == 1, let upstream = changed.first, shape.isLinear(in: upstream) {
            return .delta(upstream)
        }
        if rules.recomputesByKey, let grouping = shape.grouping, !keys.isEmpty,
            keys.allSatisfy({ grouping.groupColumns.contains($0.lowercased()) }),
            changed.allSatisfy({ grouping.fromTables[$0] != nil && shape.referenceCount(of: $0) == 1 })
        {
            return .affectedKeys(changed)
        }
        if changed.count > 1 { return .full(reason: "\(changed.count) upstreams changed") }
        return .full(reason: "query is not row by row in \(changed[0])")
    }
}
