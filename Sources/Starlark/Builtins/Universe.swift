/// The universal names every Starlark program sees: the constants and the builtin functions.
///
/// Conversions (`int`, `float`, `str`, …) live in `Universe+Conversions.swift`, functions over
/// iterables (`sorted`, `zip`, …) in `Universe+Iterables.swift`.
enum Universe {
    /// The universal names for a dialect; `set` only when the dialect allows sets.
    static func builtins(_ options: DialectOptions) -> [String: Value] {
        var names = standard
        if options.set { names["set"] = .builtin(Builtin("set", builtinSet)) }
        return names
    }

    /// The names every dialect has; builtins are immutable, so one copy serves every thread.
    private static let standard: [String: Value] = {
        var names: [String: Value] = ["None": .none, "True": .bool(true), "False": .bool(false)]
        let functions: [String: Builtin.Body] = [
            "abs": builtinAbs, "all": builtinAll, "any": builtinAny, "bool": builtinBool, "bytes": builtinBytes,
            "chr": builtinChr, "dict": builtinDict,
            "dir": builtinDir, "enumerate": builtinEnumerate, "fail": builtinFail, "float": builtinFloat,
            "getattr": builtinGetattr,
            "hasattr": builtinHasattr, "hash": builtinHash, "int": builtinInt, "len": builtinLen, "list": builtinList,
            "max": builtinMax, "min": builtinMin,
            "ord": builtinOrd, "print": builtinPrint, "range": builtinRange, "repr": builtinRepr,
            "reversed": builtinReversed, "sorted": builtinSorted,
            "str": builtinStr, "tuple": builtinTuple, "type": builtinType, "zip": builtinZip,
        ]
        for (name, body) in functions { names[name] = .builtin(Builtin(name, body)) }
        return names
    }()

    // MARK: Functions of any value

    /// `dir(x)`: a new sorted list of the names of `x`'s fields and methods.
    private static func builtinDir(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value
    {
        let x = try single(arguments, "dir", exactly: false)
        return .list(StarlarkList(Operators.attributeNames(x).map { .string($0) }))
    }

    /// `getattr(x, name, default?)`: the field or method `name` of `x`.
    private static func builtinGetattr(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let bound = try arguments.bind("getattr", ["x", "name", "default?"], positionalOnly: 3, allowNamed: false)
        let x = bound[0] ?? .none
        let name = try stringArgument(bound[1] ?? .none, "getattr", "2")
        do {
            return try Operators.attribute(x, name)
        } catch let error as StarlarkError {
            if let fallback = bound[2] { return fallback }
            throw StarlarkError("getattr: \(error.message)")
        }
    }

    /// `hasattr(x, name)`: whether `x` has a field or method `name`.
    private static func builtinHasattr(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let bound = try arguments.bind("hasattr", ["x", "name"], positionalOnly: 2, allowNamed: false)
        let x = bound[0] ?? .none
        let name = try stringArgument(bound[1] ?? .none, "hasattr", "2")
        if MethodTables.method(for: x, name) != nil { return .bool(true) }
        guard case .object(let object as any StarlarkAttributes) = x else { return .bool(false) }
        // An error computing a field that exists still means the field exists.
        do {
            return .bool(try object.attribute(name) != nil)
        } catch {
            return .bool(object.attributeNames.contains(name))
        }
    }

    /// `len(x)`: the number of elements of a string, bytes, list, tuple, dict, set or range.
    private static func builtinLen(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value
    {
        let bound = try arguments.bind("len", ["x"], positionalOnly: 1, allowNamed: false)
        let x = bound[0] ?? .none
        guard let count = Operators.length(x) else {
            throw StarlarkError("len: value of type \(x.typeName) has no len")
        }
        return .int(count)
    }

    /// `repr(x)`: the text that reads back as `x`.
    private static func builtinRepr(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let bound = try arguments.bind("repr", ["x"], positionalOnly: 1, allowNamed: false)
        return .string((bound[0] ?? .none).repr)
    }

    /// `type(x)`: the name of `x`'s type.
    private static func builtinType(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        .string(try single(arguments, "type", exactly: true).typeName)
    }

    // MARK: Output and failure

    /// `print(*args, sep=" ")`: sends the `str` of the arguments, joined by `sep`, to the thread.
    private static func builtinPrint(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        let text = try joinedText(arguments, "print")
        thread.print(thread, text)
        return .none
    }

    /// `fail(*args, sep=" ")`: stops the program with "fail: " and the joined arguments.
    private static func builtinFail(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws
        -> Value
    {
        var error = StarlarkError("fail: " + (try joinedText(arguments, "fail")))
        error.isFailure = true
        throw error
    }

    /// The positional arguments as `print` shows them: strings and bytes as text, others as `repr`.
    private static func joinedText(_ arguments: Arguments, _ function: String) throws -> String {
        var separator = " "
        for (name, value) in arguments.named {
            guard name == "sep" else { throw StarlarkError("\(function): unexpected keyword argument \"\(name)\"") }
            separator = try stringArgument(value, function, "sep")
        }
        var text = ""
        for (index, value) in arguments.positional.enumerated() {
            if index > 0 { text += separator }
            switch value {
            case .string(let s): text += s
            case .bytes(let b): text += UTF8Text.decode(b)
            default: text += value.repr
            }
        }
        return text
    }

    // MARK: Helpers

    /// The one positional argument of `dir`, `type`, `str` and the like, which take no keywords.
    /// - Parameter exactly: word the count error as "want exactly 1" (else "want 1").
    static func single(_ arguments: Arguments, _ function: String, exactly: Bool) throws -> Value {
        guard arguments.named.isEmpty else { throw StarlarkError("\(function) does not accept keyword arguments") }
        guard arguments.positional.count == 1, let first = arguments.positional.first else {
            let want = exactly ? "exactly 1" : "1"
            throw StarlarkError("\(function): got \(arguments.positional.count) arguments, want \(want)")
        }
        return first
    }
}
