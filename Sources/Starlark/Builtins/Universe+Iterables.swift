/// The builtins that build or consume iterables: `all`, `any`, `dict`, `enumerate`, `list`,
/// `max`, `min`, `range`, `reversed`, `set`, `sorted`, `tuple`, `zip`.
extension Universe {
    /// `all(iterable)`: whether every element is true.
    static func builtinAll(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let iterable = try singleIterable(arguments, "all")
        var result = true
        try Operators.iterate(iterable) { element in
            result = element.truth
            return result
        }
        return .bool(result)
    }

    /// `any(iterable)`: whether some element is true.
    static func builtinAny(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let iterable = try singleIterable(arguments, "any")
        var result = false
        try Operators.iterate(iterable) { element in
            result = element.truth
            return !result
        }
        return .bool(result)
    }

    /// `dict(pairs?, **kwargs)`: a new dict from a mapping or pairs, then the keywords.
    static func builtinDict(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let result = StarlarkDict()
        try DictMethods.update(result, arguments, function: "dict")
        return .dict(result)
    }

    /// `enumerate(iterable, start=0)`: a list of `(index, element)` tuples.
    static func builtinEnumerate(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("enumerate", ["iterable", "start?"], positionalOnly: 2, allowNamed: false)
        let elements = try iterableArgument(bound[0] ?? .none, "enumerate", "1")
        let start = try bound[1].map { try intArgument($0, "enumerate", "2") } ?? 0
        var pairs: [Value] = []
        pairs.reserveCapacity(elements.count)
        for (offset, element) in elements.enumerated() {
            let (index, overflow) = start.addingReportingOverflow(offset)
            guard !overflow else { throw StarlarkError("enumerate: index overflow") }
            pairs.append(.tuple([.int(index), element]))
        }
        return .list(StarlarkList(pairs))
    }

    /// `list(iterable?)`: a new list of the elements.
    static func builtinList(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        .list(StarlarkList(try optionalIterable(arguments, "list")))
    }

    /// `tuple(iterable?)`: a tuple of the elements.
    static func builtinTuple(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        .tuple(try optionalIterable(arguments, "tuple"))
    }

    /// `set(iterable?)`: a new set of the (hashable) elements, in first-seen order.
    static func builtinSet(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let elements = try optionalIterable(arguments, "set")
        return .set(try Universe.prefixed("set") { try SetAlgebra.union(StarlarkSet(), elements) })
    }

    /// `reversed(iterable)`: a new list of the elements in reverse order.
    static func builtinReversed(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("reversed", ["iterable"], positionalOnly: 1, allowNamed: false)
        return .list(StarlarkList(try iterableArgument(bound[0] ?? .none, "reversed", "1").reversed()))
    }

    /// `range(stop)` or `range(start, stop, step=1)`.
    static func builtinRange(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("range", ["start", "stop?", "step?"], positionalOnly: 3, allowNamed: false)
        var start = try intArgument(bound[0] ?? .none, "range", "1")
        var stop = 0
        if let stopValue = bound[1] {
            stop = try intArgument(stopValue, "range", "2")
        } else {
            (start, stop) = (0, start)
        }
        let step = try bound[2].map { try intArgument($0, "range", "3") } ?? 1
        guard step != 0 else { throw StarlarkError("range: step argument must not be zero") }
        // As in starlark-go: 32-bit bounds keep every length and element computation in range.
        for value in [start, stop, step] where Int32(exactly: value) == nil {
            throw StarlarkError("range: \(value) out of range (want value in signed 32-bit range)")
        }
        return .range(StarlarkRange(start: start, stop: stop, step: step))
    }

    /// `zip(*iterables)`: a list of tuples, as long as the shortest argument.
    static func builtinZip(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        guard arguments.named.isEmpty else { throw StarlarkError("zip does not accept keyword arguments") }
        var columns: [[Value]] = []
        for (index, argument) in arguments.positional.enumerated() {
            guard Operators.isIterable(argument) else {
                throw StarlarkError("zip: argument #\(index + 1) is not iterable: \(argument.typeName)")
            }
            columns.append(try Operators.elements(argument))
        }
        let rows = columns.map(\.count).min() ?? 0
        return .list(StarlarkList((0..<rows).map { row in .tuple(columns.map { $0[row] }) }))
    }

    // MARK: min, max

    /// `min(iterable, key=None)` or `min(a, b, …, key=None)`: the first least element.
    static func builtinMin(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        try extremum(thread, arguments, "min", op: "<")
    }

    /// `max(iterable, key=None)` or `max(a, b, …, key=None)`: the first greatest element.
    static func builtinMax(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        try extremum(thread, arguments, "max", op: ">")
    }

    private static func extremum(_ thread: StarlarkThread, _ arguments: Arguments, _ function: String, op: String)
        throws -> Value
    {
        guard let first = arguments.positional.first else {
            throw StarlarkError("\(function) requires at least one positional argument")
        }
        var key: Value?
        for (name, value) in arguments.named {
            guard name == "key" else {
                let hint = Spelling.nearest(name, in: ["key"]).map { " (did you mean \($0)?)" } ?? ""
                throw StarlarkError("\(function): unexpected keyword argument \"\(name)\"" + hint)
            }
            key = try callableArgument(value, function, "key")
        }
        let candidates: [Value]
        if arguments.positional.count == 1 {
            guard Operators.isIterable(first) else {
                throw StarlarkError("\(function): \(first.typeName) value is not iterable")
            }
            candidates = try Operators.elements(first)
        } else {
            candidates = arguments.positional
        }
        guard var best = candidates.first else {
            throw StarlarkError("\(function): argument is an empty sequence")
        }
        func keyOf(_ value: Value) throws -> Value {
            guard let key else { return value }
            return try thread.call(key, Arguments([value]))
        }
        var bestKey = try keyOf(best)
        for candidate in candidates.dropFirst() {
            let candidateKey = try keyOf(candidate)
            let order = try prefixed(function) { try candidateKey.compare(bestKey, op: op) }
            // Only a strictly better element replaces the current one, so ties keep the first.
            if op == "<" ? order < 0 : order > 0 {
                best = candidate
                bestKey = candidateKey
            }
        }
        return best
    }

    // MARK: sorted

    /// `sorted(iterable, key=None, reverse=False)`: a new list, sorted stably.
    static func builtinSorted(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("sorted", ["iterable", "key?", "reverse?"])
        let values = try iterableArgument(bound[0] ?? .none, "sorted", "iterable")
        let key = try bound[1].map { try callableArgument($0, "sorted", "key") }
        let reverse = try bound[2].map { try boolArgument($0, "sorted", "reverse") } ?? false
        let keys = try key.map { key in try values.map { try thread.call(key, Arguments([$0])) } } ?? values
        let order = try StableSort.permutation(keys, reverse: reverse)
        return .list(StarlarkList(order.map { values[$0] }))
    }

    // MARK: Helpers

    /// The one iterable argument of `all` and `any`.
    private static func singleIterable(_ arguments: Arguments, _ function: String) throws -> Value {
        let bound = try arguments.bind(function, ["iterable"], positionalOnly: 1, allowNamed: false)
        let iterable = bound[0] ?? .none
        guard Operators.isIterable(iterable) else {
            throw StarlarkError("\(function): for parameter 1: got \(iterable.typeName), want iterable")
        }
        return iterable
    }

    /// The elements of the optional iterable argument of `list`, `tuple` and `set`.
    private static func optionalIterable(_ arguments: Arguments, _ function: String) throws -> [Value] {
        let bound = try arguments.bind(function, ["iterable?"], positionalOnly: 1, allowNamed: false)
        guard let iterable = bound[0] else { return [] }
        return try iterableArgument(iterable, function, "1")
    }
}

/// A stable merge sort over Starlark values that reports comparison errors the way starlark-go
/// does: comparing continues and the last failure is thrown, so that e.g. `sorted([1, "one"])`
/// names the types in the same order.
enum StableSort {
    /// Small runs are insertion-sorted before merging.
    private static let runLength = 20

    /// The indices of `keys` in sorted order; equal keys keep their relative order.
    static func permutation(_ keys: [Value], reverse: Bool) throws -> [Int] {
        var failure: StarlarkError?
        func less(_ a: Int, _ b: Int) -> Bool {
            do {
                return reverse ? try keys[b].compare(keys[a], op: "<") < 0 : try keys[a].compare(keys[b], op: "<") < 0
            } catch let error as StarlarkError {
                failure = error
            } catch {
                failure = StarlarkError("\(error)")
            }
            return false
        }
        var order = Array(keys.indices)
        var runStart = 0
        while runStart < order.count {
            let runEnd = Swift.min(runStart + runLength, order.count)
            var i = runStart + 1
            while i < runEnd {
                var j = i
                while j > runStart, less(order[j], order[j - 1]) {
                    order.swapAt(j, j - 1)
                    j -= 1
                }
                i += 1
            }
            runStart = runEnd
        }
        var width = runLength
        var buffer = order
        while width < order.count {
            var low = 0
            while low < order.count {
                let middle = Swift.min(low + width, order.count)
                let high = Swift.min(low + 2 * width, order.count)
                var left = low
                var right = middle
                var out = low
                while left < middle, right < high {
                    // Take from the right only when strictly less: that keeps the sort stable.
                    if less(order[right], order[left]) {
                        buffer[out] = order[right]
                        right += 1
                    } else {
                        buffer[out] = order[left]
                        left += 1
                    }
                    out += 1
                }
                while left < middle {
                    buffer[out] = order[left]
                    left += 1
                    out += 1
                }
                while right < high {
                    buffer[out] = order[right]
                    right += 1
                    out += 1
                }
                low = high
            }
            swap(&order, &buffer)
            width *= 2
        }
        if let failure { throw failure }
        return order
    }
}
