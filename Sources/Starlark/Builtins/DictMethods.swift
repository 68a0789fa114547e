/// The methods of `dict` values: `clear`, `get`, `items`, `keys`, `pop`, `popitem`, `setdefault`,
/// `update`, `values`.
///
/// Errors start with the method's name ("pop: missing key"), as in starlark-go.
enum DictMethods {
    /// The methods by name.
    static let table: [String: MethodBody] = [
        "clear": clear,
        "get": get,
        "items": items,
        "keys": keys,
        "pop": pop,
        "popitem": popitem,
        "setdefault": setdefault,
        "update": update,
        "values": values,
    ]

    /// The receiver as a dict; the method tables only pair dict methods with dicts.
    private static func dict(_ receiver: Value, _ method: String) throws -> StarlarkDict {
        guard case .dict(let dict) = receiver else {
            throw StarlarkError("\(method): got \(receiver.typeName), want dict")
        }
        return dict
    }

    /// `D.clear()`: removes every entry.
    private static func clear(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "clear")
        try arguments.expectNone("clear")
        try Universe.prefixed("clear") { try dict.removeAll() }
        return .none
    }

    /// `D.get(key, default=None)`.
    private static func get(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "get")
        let bound = try arguments.bind("get", ["key", "default?"], positionalOnly: 2, allowNamed: false)
        let found = try Universe.prefixed("get") { try dict.get(bound[0] ?? .none) }
        return found ?? bound[1] ?? .none
    }

    /// `D.items()`: a new list of `(key, value)` tuples in insertion order.
    private static func items(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "items")
        try arguments.expectNone("items")
        return .list(StarlarkList(dict.entries.map { .tuple([$0.key, $0.value]) }))
    }

    /// `D.keys()`: a new list of the keys in insertion order.
    private static func keys(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "keys")
        try arguments.expectNone("keys")
        return .list(StarlarkList(dict.keys))
    }

    /// `D.values()`: a new list of the values in insertion order.
    private static func values(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "values")
        try arguments.expectNone("values")
        return .list(StarlarkList(dict.entries.map(\.value)))
    }

    /// `D.pop(key, default?)`: removes `key` and returns its value, or `default` when absent.
    private static func pop(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "pop")
        let bound = try arguments.bind("pop", ["key", "default?"], positionalOnly: 2, allowNamed: false)
        if let value = try Universe.prefixed("pop", { try dict.remove(bound[0] ?? .none) }) { return value }
        if let fallback = bound[1] { return fallback }
        throw StarlarkError("pop: missing key")
    }

    /// `D.popitem()`: removes and returns the oldest entry as a `(key, value)` tuple.
    private static func popitem(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "popitem")
        try arguments.expectNone("popitem")
        guard let (key, value) = dict.table.first() else { throw StarlarkError("popitem: empty dict") }
        try Universe.prefixed("popitem") { _ = try dict.remove(key) }
        return .tuple([key, value])
    }

    /// `D.setdefault(key, default=None)`: the value of `key`, inserting `default` when absent.
    private static func setdefault(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value
    {
        let dict = try dict(receiver, "setdefault")
        let bound = try arguments.bind("setdefault", ["key", "default?"], positionalOnly: 2, allowNamed: false)
        let key = bound[0] ?? .none
        return try Universe.prefixed("setdefault") {
            if let existing = try dict.get(key) { return existing }
            let inserted = bound[1] ?? .none
            try dict.set(key, inserted)
            return inserted
        }
    }

    /// `D.update([pairs], **kwargs)`.
    private static func update(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let dict = try dict(receiver, "update")
        try update(dict, arguments, function: "update")
        return .none
    }

    /// Adds the entries of a mapping or of an iterable of pairs, then the keyword arguments;
    /// shared by `D.update` and the `dict` builtin.
    static func update(_ dict: StarlarkDict, _ arguments: Arguments, function: String) throws {
        guard arguments.positional.count <= 1 else {
            throw StarlarkError("\(function): got \(arguments.positional.count) arguments, want at most 1")
        }
        try Universe.prefixed(function) {
            if let source = arguments.positional.first {
                try addEntries(of: source, to: dict)
            }
            let before = dict.count
            for (name, value) in arguments.named { try dict.set(.string(name), value) }
            // Fewer new entries than keywords means a keyword was repeated (or already present).
            if dict.count < before + arguments.named.count {
                var seen = Set<String>()
                for (name, _) in arguments.named where !seen.insert(name).inserted {
                    throw StarlarkError("duplicate keyword arg: \(Value.string(name).repr)")
                }
            }
        }
    }

    private static func addEntries(of source: Value, to dict: StarlarkDict) throws {
        if case .dict(let other) = source {
            for (key, value) in other.entries { try dict.set(key, value) }
            return
        }
        guard Operators.isIterable(source) else { throw StarlarkError("got \(source.typeName), want iterable") }
        var position = 0
        try Operators.iterate(source) { pair in
            guard Operators.isIterable(pair) else {
                throw StarlarkError(
                    "dictionary update sequence element #\(position) is not iterable (\(pair.typeName))")
            }
            guard let length = Operators.length(pair) else {
                throw StarlarkError(
                    "dictionary update sequence element #\(position) has unknown length (\(pair.typeName))")
            }
            guard length == 2 else {
                throw StarlarkError("dictionary update sequence element #\(position) has length \(length), want 2")
            }
            let elements = try Operators.elements(pair)
            try dict.set(elements[0], elements[1])
            position += 1
            return true
        }
    }
}
