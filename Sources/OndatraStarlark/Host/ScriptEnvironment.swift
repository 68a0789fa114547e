import Foundation
import Ondatra
import RateLimit
import Starlark
import StarlarkHTTP

/// The names every script and lib function sees besides the universal builtins.
enum ScriptEnvironment {
    /// `http`, `url`, `json`, `time`, `math`, `csv`, `xml`, `env`, `crypto` and its functions as builtins,
    /// `sleep` and `abort`. `query` and `save` depend on the run and are added by the caller.
    static func predeclared(http: HTTPModule, variables: [String: String], clock: any RuntimeClock) -> [String: Value] {
        var names: [String: Value] = [
            "http": .object(http.value),
            // `oauth.token(…)` is `http.oauth(…)` by another name.
            "oauth": .object(
                StarlarkModuleValue(name: "oauth", members: ["token": (try? http.value.attribute("oauth")) ?? .none])),
            "url": .object(URLModule.module),
            "json": .object(JSONModule.module),
            "time": .object(TimeModule.module),
            "math": .object(MathModule.module),
            "csv": .object(CSVModule.module),
            "xml": .object(XMLModule.module),
            "env": .object(HostBuiltins.Environment(variables: variables)),
            "crypto": .object(StarlarkModuleValue.builtins("crypto", HostBuiltins.crypto)),
            "sleep": .builtin(HostBuiltins.sleep(clock: clock)),
            "abort": .builtin(HostBuiltins.abort),
        ]
        for (name, body) in HostBuiltins.crypto { names[name] = .builtin(Builtin(name, body)) }
        return names
    }

    /// The `save` module over `collector`: `row(dict)`, `rows(list)`, `count()`; `origins`, when
    /// given, learns every row saved.
    static func save(_ collector: RowCollector, origins: SavedRowOrigins? = nil) -> StarlarkModuleValue {
        StarlarkModuleValue.builtins(
            "save",
            [
                "row": { _, builtin, arguments in
                    let bound = try arguments.bind(builtin.name, ["row"])
                    let row = bound[0] ?? .none
                    try collector.add(row)
                    origins?.saved(row)
                    return .none
                },
                "rows": { _, builtin, arguments in
                    let bound = try arguments.bind(builtin.name, ["rows"])
                    guard let rows = bound[0]?.arrayValue else {
                        throw StarlarkError(
                            "save.rows: rows must be a list of dicts, got \(bound[0]?.typeName ?? "NoneType")")
                    }
                    for row in rows {
                        try collector.add(row)
                        origins?.saved(row)
                    }
                    return .none
                },
                "count": { _, builtin, arguments in
                    _ = try arguments.bind(builtin.name, [])
                    return .int(collector.count)
                },
            ])
    }
}
