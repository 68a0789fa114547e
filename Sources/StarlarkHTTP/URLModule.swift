import Foundation
import Starlark

/// The `url` module: `encode(s)`, `encode_params(dict)`, `build(base, params)` and `parse(url)`.
public enum URLModule {
    /// The module value to predeclare as `url`.
    public static let module = StarlarkModuleValue(
        name: "url",
        members: [
            "encode": .builtin(Builtin("url.encode", encode)),
            "encode_params": .builtin(Builtin("url.encode_params", encodeParams)),
            "build": .builtin(Builtin("url.build", build)),
            "parse": .builtin(Builtin("url.parse", parse)),
        ])

    /// `url.encode(s)`: percent-encodes everything but RFC 3986's unreserved characters.
    @Sendable static func encode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["s"])
        return .string(URLEncoding.component(try string(bound[0], builtin.name, "s")))
    }

    /// `url.encode_params(params)`: `a=1&b=x%20y`.
    @Sendable static func encodeParams(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let bound = try arguments.bind(builtin.name, ["params"])
        return .string(try URLEncoding.form(bound[0] ?? .none, function: builtin.name, parameter: "params"))
    }

    /// `url.build(base, params=None)`: the base with the parameters appended to its query.
    @Sendable static func build(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["base", "params?"])
        let base = try string(bound[0], builtin.name, "base")
        guard let params = bound[1], params != .none else { return .string(base) }
        let query = try URLEncoding.form(params, function: builtin.name, parameter: "params")
        guard !query.isEmpty else { return .string(base) }
        return .string(base + (base.contains("?") ? "&" : "?") + query)
    }

    /// `url.parse(url)`: a dict of `scheme`, `host`, `port` (None when absent), `path`, `query`
    /// (a dict, decoded; a repeated key keeps its last value) and `fragment`.
    @Sendable static func parse(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["url"])
        let text = try string(bound[0], builtin.name, "url")
        guard let components = URLComponents(string: text) else {
            throw StarlarkError("\(builtin.name): not a valid URL: \(text)")
        }
        var query: [(Value, Value)] = []
        for item in components.queryItems ?? [] {
            query.removeAll { $0.0 == .string(item.name) }
            query.append((.string(item.name), .string(item.value ?? "")))
        }
        return try Value.dict([
            (.string("scheme"), .string(components.scheme ?? "")),
            (.string("host"), .string(components.host ?? "")),
            (.string("port"), components.port.map { .int($0) } ?? .none),
            (.string("path"), .string(components.path)),
            (.string("query"), try Value.dict(query)),
            (.string("fragment"), .string(components.fragment ?? "")),
        ])
    }

    private static func string(_ value: Value?, _ function: String, _ parameter: String) throws -> String {
        guard case .string(let text) = value ?? .none else {
            throw StarlarkError(
                "\(function): for parameter \(parameter): got \(value?.typeName ?? "NoneType"), want string")
        }
        return text
    }
}
