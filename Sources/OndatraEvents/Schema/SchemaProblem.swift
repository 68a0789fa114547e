/// What is wrong with one value, before the field is named: where inside it (for list elements) and what.
struct SchemaProblem: Error {
    /// The element path inside the value, like `[2]` or `[0][1]`; empty for the value itself.
    var path: String
    /// The problem, e.g. `expected BIGINT, got "abc"`.
    var detail: String

    /// A problem with the value itself.
    init(_ detail: String) {
        self.path = ""
        self.detail = detail
    }

    /// A type mismatch: `expected TYPE, got VALUE` with an optional reason in parentheses.
    static func expected(_ type: EventType, got value: EventJSONValue, _ reason: String? = nil) -> SchemaProblem {
        var detail = "expected \(type.sqlName), got \(SchemaClip.value(value))"
        if let reason { detail += " (\(reason))" }
        return SchemaProblem(detail)
    }

    /// This problem inside element `index` of a list.
    func inElement(_ index: Int) -> SchemaProblem {
        var problem = self
        problem.path = "[\(index)]" + path
        return problem
    }
}
