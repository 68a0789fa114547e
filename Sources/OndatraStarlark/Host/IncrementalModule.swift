import Ondatra
import Starlark

/// The `incremental` module: the calling model's cursor (`@incremental`): `is_backfill`, `cursor`,
/// `last_value` (None on a backfill or an empty table), `last_run` (None before the first run) and
/// `initial_value` (`@incremental_initial`). Without the directive every member is None, and
/// `is_backfill` False.
final class IncrementalModule: StarlarkAttributes, @unchecked Sendable {
    let state: IncrementalState?

    init(_ state: IncrementalState?) { self.state = state }

    var typeName: String { "module" }
    var description: String { "<module \"incremental\">" }

    func attribute(_ name: String) throws -> Value? {
        switch name {
        case "is_backfill": .bool(state?.isBackfill ?? false)
        case "cursor": state.map { .string($0.cursor) } ?? Value.none
        case "last_value": state?.lastValue?.starlark ?? Value.none
        case "last_run": state?.lastRun?.starlark ?? Value.none
        case "initial_value": state?.initialValue.map(Value.string) ?? Value.none
        default: nil
        }
    }

    var attributeNames: [String] { ["cursor", "initial_value", "is_backfill", "last_run", "last_value"] }
}
