import DuckDB
import Foundation
import Ondatra
import OndatraSync
import Starlark

/// The functions a sink lib defines, read from its syntax without running it.
struct SinkFunctions: Sendable {
    /// `push`'s named parameters, in order (`*args` and `**kwargs` left out).
    let pushParameters: [String]
    /// Whether `push` takes `**kwargs`: it is then given every keyword value the runtime has.
    let pushTakesAnyKeyword: Bool
    /// Whether `poll(job_ref)` is defined.
    let hasPoll: Bool
    /// Whether `finalize(succeeded, failed)` is defined.
    let hasFinalize: Bool

    /// The keyword parameters the runtime fills for `push`, besides the lib's `args`.
    static let runtimeParameters = ["rows", "batch_number", "kind", "key_columns", "columns"]

    /// Reads the top-level `def`s of `source`.
    init(source: String, file: String) throws {
        let syntax: FileSyntax
        do {
            syntax = try Parser.parse(source, file: file)
        } catch let error as StarlarkSyntaxError {
            throw OndatraError(.project, error.message, file: file, line: error.position.line)
        }
        var functions: [String: FunctionSyntax] = [:]
        for statement in syntax.statements {
            if case .def(let function) = statement { functions[function.name] = function }
        }
        guard let push = functions["push"] else {
            throw OndatraError(
                .project, "has a \"push\" section in API but no push function; define def push(rows): …", file: file)
        }
        pushParameters = push.parameters.compactMap { parameter in
            switch parameter.kind {
            case .required, .optional: parameter.name?.name
            case .star, .starStar: nil
            }
        }
        pushTakesAnyKeyword = push.parameters.contains { if case .starStar = $0.kind { true } else { false } }
        let takesRows = push.parameters.first.map { parameter in
            switch parameter.kind {
            case .required, .optional, .star: true
            case .starStar: false
            }
        }
        guard takesRows == true else {
            throw OndatraError(
                .project, "push takes the batch's rows as its first parameter: def push(rows): …", file: file,
                line: push.position.line)
        }
        hasPoll = functions["poll"] != nil
        hasFinalize = functions["finalize"] != nil
    }
}

extension StarlarkHost {
    /// Checks a model's `@sink` without running anything.
    public func sink(for model: Model, variables: [String: String]) throws -> SinkDefinition {
        guard let written = model.directives.sink else {
            throw OndatraError(.project, "has no @sink", file: model.path)
        }
        func fail(_ message: String) -> OndatraError {
            OndatraError(.project, "@sink: \(message)", file: model.path)
        }
        guard model.kind != .events else {
            throw fail("an events model cannot push (it collects); sink a model that reads from it instead")
        }
        if [.merge, .tracked].contains(model.kind) && model.directives.uniqueKey.isEmpty {
            throw fail(
                "a \(model.kind.rawValue) model that pushes needs @unique_key, so changes can be matched to keys")
        }
        let (name, values) = try Self.parseSinkCall(written, fail: fail)
        guard let lib = try lib(named: name.lowercased()) else {
            let known = libs.values.filter { $0.api.push != nil }.map(\.name).sorted()
            throw fail(
                "no lib function '\(name)' (lib/\(name).star)"
                    + (known.isEmpty ? "" : "; libs that push: \(known.joined(separator: ", "))"))
        }
        guard let push = lib.api.push else {
            throw fail("\(lib.path) has no \"push\" section in its API dict; add \"push\": {\"batch_size\": 100}")
        }
        let source: String
        do {
            source = try String(contentsOf: project.url(lib.path), encoding: .utf8)
        } catch {
            throw OndatraError(.io, "could not read: \(error.localizedDescription)", file: lib.path)
        }
        let functions = try SinkFunctions(source: source, file: lib.path)
        guard values.count == push.arguments.count else {
            let names = push.arguments.isEmpty ? "none" : push.arguments.joined(separator: ", ")
            throw fail(
                "\(lib.name) takes \(push.arguments.count) argument(s) (API[\"push\"][\"args\"]: \(names)), got \(values.count)"
            )
        }
        if let auth = lib.api.auth {
            for variable in auth.variables where (variables[variable] ?? "").isEmpty {
                throw fail(
                    "\(lib.path) authenticates with ${\(variable)}, which is not set; add \(variable)=… to .env or the environment"
                )
            }
        }
        let allowed = Set(SinkFunctions.runtimeParameters + push.arguments)
        for parameter in functions.pushParameters.dropFirst() where !allowed.contains(parameter) {
            throw OndatraError(
                .project,
                "push(…) declares '\(parameter)', which the runtime does not pass; parameters after the rows may be \(SinkFunctions.runtimeParameters.dropFirst().joined(separator: ", ")) or a name in API[\"push\"][\"args\"]",
                file: lib.path)
        }
        if push.mode == .async && !functions.hasPoll {
            throw OndatraError(
                .project, "batch_mode \"async\" needs a poll(job_ref) function next to push", file: lib.path)
        }
        var settings = DrainSettings()
        settings.batchSize = push.batchSize
        settings.mode = BatchMode(rawValue: push.mode.rawValue) ?? .sync
        settings.maxConcurrent = settings.mode == .sync ? push.maxConcurrent : 1
        if let attempts = push.maxAttempts { settings.maxAttempts = attempts }
        if let backoff = push.retryBackoff { settings.retryBackoff = backoff }
        if let interval = push.pollInterval { settings.pollInterval = interval }
        if let timeout = push.pollTimeout { settings.pollTimeout = timeout }
        settings.hasFinalize = functions.hasFinalize
        settings.lease = max(settings.lease, settings.pollTimeout + .seconds(60))
        return SinkDefinition(
            lib: lib.name, libPath: lib.path, settings: settings,
            arguments: Array(zip(push.arguments, values)).map { (name: $0.0, value: $0.1) })
    }

    /// `name` or `name('a', 2, true)`: the lib's name and its literal arguments.
    static func parseSinkCall(_ text: String, fail: (String) -> OndatraError) throws -> (String, [DuckDB.Value]) {
        let expression: Starlark.Expression
        do {
            expression = try Parser.parseExpression(text, file: "@sink")
        } catch {
            throw fail("'\(text)' is not a lib call; write @sink: name or @sink: name('value', 2)")
        }
        switch expression {
        case .identifier(let identifier): return (identifier.name, [])
        case .call(.identifier(let identifier), let arguments, _):
            let values = try arguments.map { argument -> DuckDB.Value in
                guard case .positional = argument.kind else {
                    throw fail("'\(text)': give the lib's arguments by position, in API[\"push\"][\"args\"] order")
                }
                switch argument.value {
                case .string(let value, _): return .varchar(value)
                case .int(let literal, _):
                    guard let value = Int64(literal.digits, radix: literal.radix) else {
                        throw fail("'\(text)': \(literal.text) is too large")
                    }
                    return .bigint(value)
                case .float(let value, _): return .double(value)
                case .identifier(let name) where ["True", "true"].contains(name.name): return .boolean(true)
                case .identifier(let name) where ["False", "false"].contains(name.name): return .boolean(false)
                case .identifier(let name) where name.name == "None": return .null
                default: throw fail("'\(text)': arguments must be literals (strings, numbers, True, False, None)")
                }
            }
            return (identifier.name, values)
        default:
            throw fail("'\(text)' is not a lib call; write @sink: name or @sink: name('value', 2)")
        }
    }
}
