/// The methods of `list` values: `append`, `clear`, `extend`, `index`, `insert`, `pop`, `remove`.
///
/// Errors start with the method's name ("pop: …"), as in starlark-go.
enum ListMethods {
    /// The methods by name.
    static let table: [String: MethodBody] = [
        "append": append,
        "clear": clear,
        "extend": extend,
        "index": index,
        "insert": insert,
        "pop": pop,
        "remove": remove,
    ]

    /// The receiver as a list; the method tables only pair list methods with lists.
    private static func list(_ receiver: Value, _ method: String) throws -> StarlarkList {
        guard case .list(let list) = receiver else {
            throw StarlarkError("\(method): got \(receiver.typeName), want list")
        }
        return list
    }

    /// `L.append(x)`: adds `x` at the end.
    private static func append(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "append")
        let bound = try arguments.bind("append", ["x"], positionalOnly: 1, allowNamed: false)
        try Universe.prefixed("append") { try list.checkMutable("append to") }
        list.elements.append(bound[0] ?? .none)
        return .none
    }

    /// `L.clear()`: removes every element.
    private static func clear(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "clear")
        try arguments.expectNone("clear")
        try Universe.prefixed("clear") { try list.checkMutable("clear") }
        list.elements.removeAll()
        return .none
    }

    /// `L.extend(iterable)`: appends every element of `iterable`.
    private static func extend(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "extend")
        let bound = try arguments.bind("extend", ["iterable"], positionalOnly: 1, allowNamed: false)
        let iterable = bound[0] ?? .none
        guard Operators.isIterable(iterable) else {
            throw StarlarkError("extend: for parameter 1: got \(iterable.typeName), want iterable")
        }
        try Universe.prefixed("extend") { try list.checkMutable("extend") }
        // Collect first: `x.extend(x)` must see the elements as they were.
        let elements = try Operators.elements(iterable)
        list.elements.append(contentsOf: elements)
        return .none
    }

    /// `L.index(x, start?, end?)`: the first position of `x` within `[start:end]`.
    private static func index(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "index")
        let bound = try arguments.bind("index", ["x", "start?", "end?"], positionalOnly: 3, allowNamed: false)
        let needle = bound[0] ?? .none
        let (start, end) = try Universe.prefixed("index") {
            try Universe.clampedIndices(bound[1], bound[2], count: list.elements.count)
        }
        var position = start
        while position < end, position < list.elements.count {
            if try Universe.prefixed("index", { try list.elements[position].equals(needle) }) {
                return .int(position)
            }
            position += 1
        }
        throw StarlarkError("index: value not in list")
    }

    /// `L.insert(i, x)`: inserts `x` before position `i` (clamped to the list's bounds).
    private static func insert(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "insert")
        let bound = try arguments.bind("insert", ["index", "x"], positionalOnly: 2, allowNamed: false)
        var position = try Universe.intArgument(bound[0] ?? .none, "insert", "1")
        try Universe.prefixed("insert") { try list.checkMutable("insert into") }
        let count = list.elements.count
        if position < 0 { position += count }
        list.elements.insert(bound[1] ?? .none, at: min(max(position, 0), count))
        return .none
    }

    /// `L.pop(i?)`: removes and returns the element at `i` (default: the last).
    private static func pop(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "pop")
        let bound = try arguments.bind("pop", ["index?"], positionalOnly: 1, allowNamed: false)
        let count = list.elements.count
        let requested = try bound[0].map { try Universe.intArgument($0, "pop", "1") } ?? count - 1
        let position = requested < 0 ? requested + count : requested
        guard position >= 0, position < count else {
            if count == 0 { throw StarlarkError("pop: index \(requested) out of range: empty list") }
            throw StarlarkError("pop: list index \(requested) out of range [\(-count):\(count - 1)]")
        }
        try Universe.prefixed("pop") { try list.checkMutable("pop from") }
        return list.elements.remove(at: position)
    }

    /// `L.remove(x)`: removes the first element equal to `x`.
    private static func remove(_ thread: StarlarkThread, _ receiver: Value, _ arguments: Arguments) throws -> Value {
        let list = try list(receiver, "remove")
        let bound = try arguments.bind("remove", ["x"], positionalOnly: 1, allowNamed: false)
        let needle = bound[0] ?? .none
        try Universe.prefixed("remove") { try list.checkMutable("remove from") }
        for (position, element) in list.elements.enumerated()
        where try Universe.prefixed("remove", { try element.equals(needle) }) {
            list.elements.remove(at: position)
            return .none
        }
        throw StarlarkError("remove: element not found")
    }
}
