import Foundation
import Starlark

/// The values the harness predeclares for test files, and the builtins `assert.star` is built on.
enum HarnessBuiltins {
    static let predeclared: [String: Value] = [
        "struct": .builtin(
            Builtin("struct") { _, _, arguments in
                guard arguments.positional.isEmpty else {
                    throw StarlarkError("struct: unexpected positional arguments")
                }
                return .object(StructValue(fields: arguments.named.map { ($0.name, $0.value) }))
            }),
        "hasfields": .builtin(Builtin("hasfields") { _, _, _ in .object(HasFieldsValue()) }),
        "fibonacci": .object(FibonacciValue()),
        "json": .object(JSONModule.module),
        "math": .object(MathModule.module),
        "time": .object(TimeModule.module),
    ]

    /// Only `assert.star` sees these.
    static let assertSupport: [String: Value] = [
        "error": .builtin(
            Builtin("error") { thread, _, arguments in
                guard arguments.positional.count == 1 else {
                    throw StarlarkError("error: got \(arguments.positional.count) arguments, want 1")
                }
                let reporter = thread.locals[Reporter.key] as? Reporter
                reporter?.messages.append("Error: \(arguments.positional[0].str)")
                return .none
            }),
        "catch": .builtin(
            Builtin("catch") { thread, _, arguments in
                let bound = try arguments.bind("catch", ["fn"])
                do {
                    _ = try thread.call(bound[0] ?? .none, Arguments())
                    return .none
                } catch let error as StarlarkError where !error.isCancellation {
                    return .string(error.message)
                }
            }),
        "matches": .builtin(
            Builtin("matches") { _, _, arguments in
                let bound = try arguments.bind("matches", ["pattern", "str"])
                guard case .string(let pattern) = bound[0], case .string(let text) = bound[1] else {
                    throw StarlarkError("matches: want string arguments")
                }
                guard (try? Regex(pattern)) != nil else {
                    throw StarlarkError("matches: invalid regular expression \(pattern)")
                }
                return .bool(Pattern.matches(pattern, text))
            }),
        "module": .builtin(
            Builtin("module") { _, _, arguments in
                guard case .string(let name)? = arguments.positional.first, arguments.positional.count == 1 else {
                    throw StarlarkError("module: want a name and keyword arguments")
                }
                var members: [String: Value] = [:]
                for (key, value) in arguments.named { members[key] = value }
                return .object(StarlarkModuleValue(name: name, members: members))
            }),
        "_freeze": .builtin(
            Builtin("freeze") { _, _, arguments in
                guard arguments.named.isEmpty else { throw StarlarkError("freeze does not accept keyword arguments") }
                guard arguments.positional.count == 1 else {
                    throw StarlarkError("freeze got \(arguments.positional.count) arguments, wants 1")
                }
                arguments.positional[0].freeze()
                return arguments.positional[0]
            }),
        "_floateq": .builtin(
            Builtin("floateq") { _, _, arguments in
                let bound = try arguments.bind("floateq", ["x", "y"])
                guard case .float(let x)? = bound[0], case .float(let y)? = bound[1] else {
                    throw StarlarkError("floateq: want floats")
                }
                if x == y || (x.isNaN && y.isNaN) { return .bool(true) }
                return .bool(x.nextUp == y || x.nextDown == y)
            }),
    ]
}

/// Loads `assert.star` once per thread.
enum AssertModule {
    static let cacheKey = "harness.assert"

    static func load(on thread: StarlarkThread) throws -> [String: Value] {
        if let cached = thread.locals[cacheKey] as? [String: Value] { return cached }
        let globals = try thread.exec(assertModuleSource, file: "assert.star", predeclared: assertSupport)
        thread.locals[cacheKey] = globals
        return globals
    }

    private static var assertSupport: [String: Value] { HarnessBuiltins.assertSupport }
}
