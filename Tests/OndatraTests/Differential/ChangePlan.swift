/// Which sources change in a round. Rounds cycle through a shuffled set of plans so that a run of
/// eight rounds or more has every situation: everything changes, only one side of a join changes,
/// nothing changes, and nothing changes while every file is rewritten with the same content.
struct ChangePlan: Sendable, CustomStringConvertible {
    /// The sources whose rows change.
    var sources: Set<SourceTable>
    /// Rewrite every source file, changed or not: models that read files read them in full and
    /// must still write nothing where nothing changed.
    var rewritesUnchangedFiles = false

    var description: String {
        if sources.isEmpty { return rewritesUnchangedFiles ? "no change, files rewritten" : "no change" }
        if sources.count == SourceTable.allCases.count { return "every source changes" }
        return SourceTable.allCases.filter(sources.contains).map(\.rawValue).joined(separator: " + ") + " only"
    }

    /// One cycle of plans, in a fixed order before shuffling.
    static let cycle: [ChangePlan] = [
        ChangePlan(sources: Set(SourceTable.allCases)),
        ChangePlan(sources: [.orders]),
        ChangePlan(sources: [.customers]),
        ChangePlan(sources: []),
        ChangePlan(sources: [.refunds]),
        ChangePlan(sources: [.events, .segments]),
        ChangePlan(sources: [.orders, .customers]),
        ChangePlan(sources: [], rewritesUnchangedFiles: true),
    ]

    /// The plans of `rounds` rounds: the cycle shuffled again for every pass.
    static func schedule(rounds: Int, rng: inout SplitMix64) -> [ChangePlan] {
        var plans: [ChangePlan] = []
        while plans.count < rounds { plans += rng.shuffled(cycle) }
        return Array(plans.prefix(rounds))
    }
}
