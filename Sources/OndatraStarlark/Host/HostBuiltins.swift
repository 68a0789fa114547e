import Crypto
import Foundation
import Ondatra
import RateLimit
import Starlark
import StarlarkHTTP

/// `abort()` was called: the script stops and writes nothing, without failing.
struct ScriptAborted: Error {}

/// The builtins every script gets besides `http`, `query` and `save`: `env`, hashing and base64
/// (also as the `crypto` module), `sleep` and `abort`.
enum HostBuiltins {
    /// `env(name, default=None)`, also reachable as `env.get(name, default=None)`.
    final class Environment: StarlarkCallable, StarlarkAttributes, @unchecked Sendable {
        let variables: [String: String]

        init(variables: [String: String]) { self.variables = variables }

        var typeName: String { "env" }
        var description: String { "<env>" }
        var name: String { "env" }

        func call(_ thread: StarlarkThread, _ arguments: Arguments) throws -> Value {
            let bound = try arguments.bind("env", ["name", "default?"])
            guard case .string(let key) = bound[0] ?? .none else {
                throw StarlarkError("env: name must be a string, got \(bound[0]?.typeName ?? "NoneType")")
            }
            return variables[key].map(Value.string) ?? bound[1] ?? .none
        }

        func attribute(_ name: String) throws -> Value? {
            guard name == "get" else { return nil }
            return .builtin(Builtin("env.get") { [self] thread, _, arguments in try call(thread, arguments) })
        }

        var attributeNames: [String] { ["get"] }
    }

    /// The hashing and base64 functions, by name.
    static let crypto: [String: Builtin.Body] = [
        "sha256": { _, builtin, arguments in
            .string(SHA256.hash(data: try bytes(arguments, builtin.name, "data")).hexString)
        },
        "md5": { _, builtin, arguments in
            .string(Insecure.MD5.hash(data: try bytes(arguments, builtin.name, "data")).hexString)
        },
        "hmac_sha256": { _, builtin, arguments in
            let bound = try arguments.bind(builtin.name, ["key", "data"])
            let key = SymmetricKey(data: try data(bound[0], builtin.name, "key"))
            let code = HMAC<SHA256>.authenticationCode(for: try data(bound[1], builtin.name, "data"), using: key)
            return .string(code.hexString)
        },
        "base64_encode": { _, builtin, arguments in
            .string(Data(try bytes(arguments, builtin.name, "data")).base64EncodedString())
        },
        "base64_decode": { _, builtin, arguments in
            let bound = try arguments.bind(builtin.name, ["data"])
            guard case .string(let text) = bound[0] ?? .none else {
                throw StarlarkError("\(builtin.name): data must be a string")
            }
            guard let decoded = Data(base64Encoded: text) ?? Data(base64Encoded: padded(text)) else {
                throw StarlarkError("\(builtin.name): not valid base64")
            }
            return .string(String(decoding: decoded, as: UTF8.self))
        },
    ]

    /// `sleep(seconds)` on `clock`.
    static func sleep(clock: any RuntimeClock) -> Builtin {
        Builtin("sleep") { thread, builtin, arguments in
            let bound = try arguments.bind(builtin.name, ["seconds"])
            guard let seconds = bound[0]?.doubleValue, seconds >= 0, seconds <= HTTPLimits.maxSeconds else {
                throw StarlarkError("sleep: seconds must be a number from 0 to \(Int(HTTPLimits.maxSeconds))")
            }
            try clock.sleep(
                until: clock.now + HTTPLimits.duration(seconds: seconds), checking: thread.checkCancellation)
            return .none
        }
    }

    /// `abort()`: ends the script without an error; nothing is written.
    static let abort = Builtin("abort") { _, builtin, arguments in
        _ = try arguments.bind(builtin.name, [])
        throw ScriptAborted()
    }

    private static func bytes(_ arguments: Arguments, _ function: String, _ parameter: String) throws -> [UInt8] {
        let bound = try arguments.bind(function, [parameter])
        return Array(try data(bound[0], function, parameter))
    }

    private static func data(_ value: Value?, _ function: String, _ parameter: String) throws -> Data {
        switch value ?? .none {
        case .string(let text): return Data(text.utf8)
        case .bytes(let bytes): return Data(bytes)
        default:
            throw StarlarkError(
                "\(function): \(parameter) must be a string or bytes, got \(value?.typeName ?? "NoneType")")
        }
    }

    /// Base64 without its `=` padding, padded (APIs often drop it).
    private static func padded(_ text: String) -> String {
        text + String(repeating: "=", count: (4 - text.count % 4) % 4)
    }
}
