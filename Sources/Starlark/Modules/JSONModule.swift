/// The `json` module: `encode`, `decode`, `indent` and `encode_indent`, as in starlark-go's `lib/json`.
///
/// Encoding sorts dict keys; decoding keeps the document's key order. Numbers without a fraction or
/// exponent decode as ints (big ints when needed), the rest as floats.
public enum JSONModule {
    /// The module value to predeclare as `json`.
    public static let module = StarlarkModuleValue(
        name: "json",
        members: [
            "encode": .builtin(Builtin("json.encode", encode)),
            "decode": .builtin(Builtin("json.decode", decode)),
            "indent": .builtin(Builtin("json.indent", indent)),
            "encode_indent": .builtin(Builtin("json.encode_indent", encodeIndent)),
        ])

    /// `json.encode(x)`.
    @Sendable static func encode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let value = try singlePositional(builtin.name, arguments, allowNamed: false)
        return .string(try encodeValue(value, function: builtin.name))
    }

    /// `json.encode_indent(x, *, prefix="", indent="\t")`.
    @Sendable static func encodeIndent(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let (prefix, unit) = try indentOptions(builtin.name, arguments)
        let value = try singlePositional(builtin.name, arguments, allowNamed: true)
        let compact = try encodeValue(value, function: builtin.name)
        return .string(try indentText(compact, prefix: prefix, indent: unit, function: builtin.name))
    }

    /// `json.indent(s, *, prefix="", indent="\t")`.
    @Sendable static func indent(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let (prefix, unit) = try indentOptions(builtin.name, arguments)
        let value = try singlePositional(builtin.name, arguments, allowNamed: true)
        guard case .string(let text) = value else {
            throw StarlarkError("\(builtin.name): for parameter 1: got \(value.typeName), want string")
        }
        return .string(try indentText(text, prefix: prefix, indent: unit, function: builtin.name))
    }

    /// `json.decode(x[, default])`.
    @Sendable static func decode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["x", "default?"])
        guard case .string(let text) = bound[0] ?? .none else {
            throw StarlarkError(
                "\(builtin.name): for parameter x: got \(bound[0]?.typeName ?? "NoneType"), want string")
        }
        // x is positional-only in starlark-go, though it checks that only after unpacking.
        if arguments.positional.isEmpty {
            throw StarlarkError("\(builtin.name): unexpected keyword argument x")
        }
        var decoder = JSONDecoding(text)
        do {
            return try decoder.decodeDocument()
        } catch let failure as JSONDecoding.Failure {
            if let fallback = bound[1] { return fallback }
            throw StarlarkError("\(builtin.name): at offset \(failure.offset), \(failure.message)")
        }
    }

    /// Encodes `value` as compact JSON, dict keys sorted (for hosts: request bodies, …).
    /// - Throws: ``StarlarkError`` for values JSON cannot hold (functions, cycles, …).
    public static func encode(_ value: Value) throws -> String {
        try encodeValue(value, function: "json.encode")
    }

    /// Encodes `value` as compact JSON in UTF-8 bytes, as ``encode(_:)`` does (for hosts: request
    /// bodies, without making a string first).
    /// - Throws: ``StarlarkError`` for values JSON cannot hold (functions, cycles, …).
    public static func encodeUTF8(_ value: Value) throws -> [UInt8] {
        var encoder = JSONEncoding()
        do {
            try encoder.emit(value)
        } catch let failure as JSONEncoding.Failure {
            throw StarlarkError("json.encode: \(failure.message)")
        }
        return encoder.bytes
    }

    /// Decodes JSON text into Starlark values (for hosts: response bodies, …).
    /// - Throws: ``StarlarkError`` naming the offset of the first error.
    public static func decode(_ text: String) throws -> Value {
        var decoder = JSONDecoding(text)
        do {
            return try decoder.decodeDocument()
        } catch let failure as JSONDecoding.Failure {
            throw StarlarkError("at offset \(failure.offset), \(failure.message)")
        }
    }

    /// Encodes `value` compactly, prefixing errors with the function's name.
    static func encodeValue(_ value: Value, function: String) throws -> String {
        var encoder = JSONEncoding()
        do {
            try encoder.emit(value)
        } catch let failure as JSONEncoding.Failure {
            throw StarlarkError("\(function): \(failure.message)")
        }
        return encoder.output
    }

    /// Pretty-prints JSON text, prefixing errors with the function's name.
    static func indentText(_ text: String, prefix: String, indent: String, function: String) throws -> String {
        do {
            return try JSONIndenting.indent(text, prefix: prefix, indent: indent)
        } catch let failure as JSONIndenting.Failure {
            throw StarlarkError("\(function): \(failure.message)")
        }
    }

    /// The one positional argument starlark-go's `UnpackPositionalArgs(…, 1, …)` accepts.
    private static func singlePositional(_ function: String, _ arguments: Arguments, allowNamed: Bool) throws -> Value {
        if !allowNamed, !arguments.named.isEmpty {
            throw StarlarkError("\(function): unexpected keyword arguments")
        }
        guard arguments.positional.count == 1 else {
            throw StarlarkError("\(function): got \(arguments.positional.count) arguments, want 1")
        }
        return arguments.positional[0]
    }

    /// The keyword-only `prefix` and `indent` strings.
    private static func indentOptions(_ function: String, _ arguments: Arguments) throws -> (String, String) {
        let bound = try Arguments([], named: arguments.named).bind(function, ["prefix?", "indent?"])
        func text(_ value: Value?, _ name: String, _ fallback: String) throws -> String {
            guard let value else { return fallback }
            guard case .string(let s) = value else {
                throw StarlarkError("\(function): for parameter \(name): got \(value.typeName), want string")
            }
            return s
        }
        return (try text(bound[0], "prefix", ""), try text(bound[1], "indent", "\t"))
    }
}
