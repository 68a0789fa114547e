/// The methods of `set` values (a dialect option): `add`, `clear`, `difference`, `discard`,
/// `intersection`, `issubset`, `issuperset`, `pop`, `remove`, `symmetric_difference`, `union`,
/// `update` — the same set as starlark-go, so `dir(set())` matches its conformance tests.
///
/// Errors start with the method's name ("pop: empty set"), as in starlark-go.
enum SetMethods {
    /// The methods by name.
    static let table: [String: MethodBody] = [
        "add": add,
        "clear": clear,
        "difference": difference,
        "discard": discard,
        "intersection": intersection,
        "issubset": issubset,
        "issuperset": issuperset,
        "pop": pop,
        "remove": remove,
        "symmetric_difference": symmetricDifference,
        "union": union,
        "update": update,
    ]

    /// The receiver as a set; the method tables only pair set methods with sets.
    private static func set(_ receiver: Value, _ method: String) throws -> StarlarkSet {
        guard case .set(let set) = receiver else {
            throw StarlarkError("\(method): got \(receiver.typeName), want set")
        }
        return set
    }

    /// The single iterable argument of the set-algebra methods, as a set.
    private static func otherSet(_ arguments: Arguments, _ method: String) throws -> StarlarkSet {
        let bound = try arguments.bind(method, ["other"], positionalOnly: 1, allowNamed: false)
        let other = bound[0] ?? .none
        if case .set(let set) = other { return set }
        guard Operators.isIterable(other) else {
            throw StarlarkError("\(method): for parameter 1: got \(other.typeName), want iterable")
        }
        return try Universe.prefixed(method) { try SetAlgebra.union(StarlarkSet(), Operators.elements(other)) }
    }

    /// The elements of each positional argument, for `union` and `update`.
    private static func iterables(_ arguments: Arguments, _ method: String) throws -> [[Value]] {
        guard arguments.named.isEmpty else { throw StarlarkError("\(method): does not accept keyword arguments") }
        return try arguments.positional.enumerated().map { index, argument in
            guard Operators.isIterable(argument) else {
                throw StarlarkError("\(method): argument #\(index + 1) is not iterable: \(argument.typeName)")
            }
            return try Operators.elements(argument)
        }
    }

    /// `S.add(x)`: inserts `x`. Fails on a frozen set even when `x` is already there.
    private static func add(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "add")
        let bound = try arguments.bind("add", ["x"], positionalOnly: 1, allowNamed: false)
        try Universe.prefixed("add") {
            try set.checkMutable("insert into")
            try set.insert(bound[0] ?? .none)
        }
        return .none
    }

    /// `S.clear()`: removes every element; a no-op (even when frozen) on an empty set.
    private static func clear(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "clear")
        try arguments.expectNone("clear")
        guard set.count > 0 else { return .none }
        try Universe.prefixed("clear") { try set.checkMutable("clear") }
        set.table = HashTable()
        return .none
    }

    /// `S.difference(y)`: a new set of the elements of S not in `y`.
    private static func difference(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value
    {
        let set = try set(receiver, "difference")
        let other = try otherSet(arguments, "difference")
        return .set(try Universe.prefixed("difference") { try SetAlgebra.difference(set, other) })
    }

    /// `S.discard(x)`: removes `x` if present. Fails on a frozen set even when `x` is absent.
    private static func discard(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "discard")
        let bound = try arguments.bind("discard", ["x"], positionalOnly: 1, allowNamed: false)
        try Universe.prefixed("discard") {
            try set.checkMutable("delete from")
            try set.remove(bound[0] ?? .none)
        }
        return .none
    }

    /// `S.intersection(y)`: a new set of the elements of `y` that are also in S, in `y`'s order.
    private static func intersection(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws
        -> Value
    {
        let set = try set(receiver, "intersection")
        let other = try otherSet(arguments, "intersection")
        return .set(try Universe.prefixed("intersection") { try SetAlgebra.intersection(other, set) })
    }

    /// `S.issubset(y)`: whether every element of S is in `y`.
    private static func issubset(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "issubset")
        let other = try otherSet(arguments, "issubset")
        return .bool(try Universe.prefixed("issubset") { try set.elements.allSatisfy { try other.contains($0) } })
    }

    /// `S.issuperset(y)`: whether every element of `y` is in S.
    private static func issuperset(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value
    {
        let set = try set(receiver, "issuperset")
        let other = try otherSet(arguments, "issuperset")
        return .bool(try Universe.prefixed("issuperset") { try other.elements.allSatisfy { try set.contains($0) } })
    }

    /// `S.pop()`: removes and returns the oldest element.
    private static func pop(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "pop")
        try arguments.expectNone("pop")
        guard let (element, _) = set.table.first() else { throw StarlarkError("pop: empty set") }
        try Universe.prefixed("pop") { _ = try set.remove(element) }
        return element
    }

    /// `S.remove(x)`: removes `x`, failing when it is absent.
    private static func remove(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "remove")
        let bound = try arguments.bind("remove", ["x"], positionalOnly: 1, allowNamed: false)
        guard try Universe.prefixed("remove", { try set.remove(bound[0] ?? .none) }) else {
            throw StarlarkError("remove: missing key")
        }
        return .none
    }

    /// `S.symmetric_difference(y)`: the elements in S but not `y`, then those in `y` but not S.
    private static func symmetricDifference(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments)
        throws -> Value
    {
        let set = try set(receiver, "symmetric_difference")
        let other = try otherSet(arguments, "symmetric_difference")
        return .set(try Universe.prefixed("symmetric_difference") { try SetAlgebra.symmetricDifference(set, other) })
    }

    /// `S.union(*iterables)`: a new set of the elements of S and of every argument.
    private static func union(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "union")
        let sources = try iterables(arguments, "union")
        return .set(try Universe.prefixed("union") { try SetAlgebra.union(set, Array(sources.joined())) })
    }

    /// `S.update(*iterables)`: inserts the elements of every argument into S.
    private static func update(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let set = try set(receiver, "update")
        let sources = try iterables(arguments, "update")
        try Universe.prefixed("update") {
            for element in sources.joined() { try set.insert(element) }
        }
        return .none
    }
}
