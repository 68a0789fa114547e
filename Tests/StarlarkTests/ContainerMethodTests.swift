import Testing

@testable import Starlark

/// Helpers to call method tables and universal builtins directly, without the parser.
private enum Call {
    static let thread = StarlarkThread()
    static let universe = Universe.builtins(DialectOptions(set: true))

    static func method(
        _ table: [String: MethodBody], _ name: String, _ receiver: Value, _ positional: [Value] = [],
        named: [(name: String, value: Value)] = []
    ) throws -> Value {
        try table[name]!(thread, receiver, Arguments(positional, named: named))
    }

    static func builtin(_ name: String, _ positional: [Value] = [], named: [(name: String, value: Value)] = [])
        throws -> Value
    {
        guard case .builtin(let function) = universe[name]! else { fatalError("\(name) is not a builtin") }
        return try function.call(thread, Arguments(positional, named: named))
    }

    /// The error message `body` throws, or nil.
    static func error(_ body: () throws -> Value) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as StarlarkError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// A Swift function usable where a Starlark callable is expected (e.g. `key=`).
    static func function(_ body: @escaping @Sendable (Value) throws -> Value) -> Value {
        .builtin(Builtin("f") { _, _, arguments in try body(arguments.positional[0]) })
    }
}

private func ints(_ values: Int...) -> Value { .list(StarlarkList(values.map { .int($0) })) }
private func strings(_ values: String...) -> [Value] { values.map { .string($0) } }
private func set(_ values: [Value]) -> Value {
    let set = StarlarkSet()
    for value in values { try! set.insert(value) }
    return .set(set)
}
private func dict(_ entries: [(Value, Value)]) -> Value {
    let dict = StarlarkDict()
    for (key, value) in entries { try! dict.set(key, value) }
    return .dict(dict)
}

@Suite struct ListMethodTests {
    @Test func appendExtendInsert() throws {
        let list = ints(1, 2)
        _ = try Call.method(ListMethods.table, "append", list, [.int(3)])
        _ = try Call.method(ListMethods.table, "extend", list, [.tuple([.bool(true)])])
        #expect(list.repr == "[1, 2, 3, True]")
        for (index, expected) in [
            (-99, "[42, 0, 1, 2]"), (-1, "[0, 1, 42, 2]"), (3, "[0, 1, 2, 42]"), (9, "[0, 1, 2, 42]"),
        ] {
            let target = ints(0, 1, 2)
            _ = try Call.method(ListMethods.table, "insert", target, [.int(index), .int(42)])
            #expect(target.repr == expected)
        }
        #expect(
            Call.error { try Call.method(ListMethods.table, "extend", list, [.int(1)]) }
                == "extend: for parameter 1: got int, want iterable")
    }

    @Test func extendWithItself() throws {
        let list = ints(1, 2)
        _ = try Call.method(ListMethods.table, "extend", list, [list])
        #expect(list.repr == "[1, 2, 1, 2]")
    }

    @Test func popAndRemove() throws {
        let list = ints(1, 2, 3, 4, 5)
        #expect(
            Call.error { try Call.method(ListMethods.table, "pop", list, [.int(-6)]) }
                == "pop: list index -6 out of range [-5:4]")
        #expect(try Call.method(ListMethods.table, "pop", list).repr == "5")
        #expect(try Call.method(ListMethods.table, "pop", list, [.int(1)]).repr == "2")
        #expect(try Call.method(ListMethods.table, "pop", list, [.int(-2)]).repr == "3")
        #expect(list.repr == "[1, 4]")
        _ = try Call.method(ListMethods.table, "remove", list, [.int(4)])
        #expect(list.repr == "[1]")
        #expect(
            Call.error { try Call.method(ListMethods.table, "remove", list, [.int(42)]) }
                == "remove: element not found")
        #expect(
            Call.error { try Call.method(ListMethods.table, "pop", ints()) } == "pop: index -1 out of range: empty list"
        )
    }

    @Test func index() throws {
        let bananas = Value.list(StarlarkList(strings("b", "a", "n", "a", "n", "a", "s")))
        func index(_ args: Value...) throws -> Value { try Call.method(ListMethods.table, "index", bananas, args) }
        #expect(try index(.string("a")).repr == "1")
        #expect(try index(.string("a"), .int(2)).repr == "3")
        #expect(try index(.string("n"), .int(-3)).repr == "4")
        #expect(try index(.string("s"), .int(-1000), .int(7)).repr == "6")
        #expect(Call.error { try index(.string("s"), .int(-1000), .int(6)) } == "index: value not in list")
        #expect(Call.error { try index(.string("n"), .int(-2)) } == "index: value not in list")
    }

    @Test func frozenAndIterating() throws {
        let list = ints(1)
        list.freeze()
        #expect(Call.error { try Call.method(ListMethods.table, "clear", list) } == "clear: cannot clear frozen list")
        #expect(
            Call.error { try Call.method(ListMethods.table, "append", list, [.none]) }
                == "append: cannot append to frozen list")
        let live = ints(1, 2)
        #expect(
            Call.error {
                try Operators.iterate(live) { _ in
                    _ = try Call.method(ListMethods.table, "insert", live, [.int(0), .int(0)])
                    return true
                }
                return .none
            } == "insert: cannot insert into list during iteration")
    }

    @Test func argumentCounts() {
        #expect(Call.error { try Call.method(ListMethods.table, "append", ints()) } == "append: missing argument for x")
        #expect(Call.error { try Call.method(ListMethods.table, "clear", ints(), [.int(1)]) } != nil)
    }
}

@Suite struct DictMethodTests {
    @Test func getPopSetdefault() throws {
        let d = dict([(.string("a"), .int(1)), (.string("b"), .int(2))])
        #expect(try Call.method(DictMethods.table, "get", d, [.string("a")]).repr == "1")
        #expect(try Call.method(DictMethods.table, "get", d, [.string("z")]).repr == "None")
        #expect(try Call.method(DictMethods.table, "get", d, [.string("z"), .int(9)]).repr == "9")
        #expect(try Call.method(DictMethods.table, "pop", d, [.string("a")]).repr == "1")
        #expect(Call.error { try Call.method(DictMethods.table, "pop", d, [.string("a")]) } == "pop: missing key")
        #expect(try Call.method(DictMethods.table, "pop", d, [.string("a"), .none]).repr == "None")
        #expect(try Call.method(DictMethods.table, "setdefault", d, [.string("c")]).repr == "None")
        #expect(try Call.method(DictMethods.table, "setdefault", d, [.string("b"), .int(7)]).repr == "2")
        #expect(d.repr == #"{"b": 2, "c": None}"#)
        #expect(Call.error { try Call.method(DictMethods.table, "get", d, [ints()]) } == "get: unhashable type: list")
    }

    @Test func itemsKeysValuesPopitem() throws {
        let d = dict([(.string("a"), .int(1)), (.string("b"), .int(2))])
        #expect(try Call.method(DictMethods.table, "items", d).repr == #"[("a", 1), ("b", 2)]"#)
        #expect(try Call.method(DictMethods.table, "keys", d).repr == #"["a", "b"]"#)
        #expect(try Call.method(DictMethods.table, "values", d).repr == "[1, 2]")
        #expect(try Call.method(DictMethods.table, "popitem", d).repr == #"("a", 1)"#)
        #expect(try Call.method(DictMethods.table, "popitem", d).repr == #"("b", 2)"#)
        #expect(Call.error { try Call.method(DictMethods.table, "popitem", d) } == "popitem: empty dict")
    }

    @Test func update() throws {
        let d = dict([(.string("a"), .int(1))])
        _ = try Call.method(DictMethods.table, "update", d, [], named: [("a", .int(2)), ("b", .int(3))])
        _ = try Call.method(
            DictMethods.table, "update", d, [.list(StarlarkList([.tuple([.string("b"), .int(4)])]))])
        _ = try Call.method(DictMethods.table, "update", d, [dict([(.string("c"), .int(6))])])
        #expect(d.repr == #"{"a": 2, "b": 4, "c": 6}"#)
        #expect(
            Call.error { try Call.method(DictMethods.table, "update", d, [.none]) }
                == "update: got NoneType, want iterable")
        #expect(
            Call.error { try Call.method(DictMethods.table, "update", d, [.list(StarlarkList([.int(1)]))]) }
                == "update: dictionary update sequence element #0 is not iterable (int)")
        #expect(
            Call.error { try Call.method(DictMethods.table, "update", d, [.list(StarlarkList([ints(1)]))]) }
                == "update: dictionary update sequence element #0 has length 1, want 2")
        d.freeze()
        #expect(
            Call.error { try Call.method(DictMethods.table, "update", d, [dict([(.string("a"), .int(8))])]) }
                == "update: cannot insert into frozen hash table")
        #expect(
            Call.error { try Call.method(DictMethods.table, "clear", d) } == "clear: cannot clear frozen hash table")
        #expect(try Call.method(DictMethods.table, "setdefault", d, [.string("a")]).repr == "2")
    }

    @Test func dictBuiltinRejectsRepeatedKeywords() {
        #expect(
            Call.error {
                try Call.builtin("dict", [dict([(.string("b"), .int(3))])], named: [("a", .int(4)), ("a", .int(5))])
            } == #"dict: duplicate keyword arg: "a""#)
    }
}

@Suite struct SetMethodTests {
    let x = set([.int(1), .int(2), .int(3)])

    @Test func algebra() throws {
        #expect(try Call.method(SetMethods.table, "union", x, [ints(3, 4), ints(5)]).repr == "set([1, 2, 3, 4, 5])")
        #expect(try Call.method(SetMethods.table, "union", x).repr == "set([1, 2, 3])")
        #expect(try Call.method(SetMethods.table, "intersection", x, [ints(3, 2, 9)]).repr == "set([3, 2])")
        #expect(try Call.method(SetMethods.table, "difference", x, [ints(1)]).repr == "set([2, 3])")
        #expect(
            try Call.method(SetMethods.table, "symmetric_difference", x, [ints(3, 4)]).repr == "set([1, 2, 4])")
        #expect(try Call.method(SetMethods.table, "issubset", x, [ints(1, 2, 3, 4)]).repr == "True")
        #expect(try Call.method(SetMethods.table, "issuperset", x, [ints(1, 4)]).repr == "False")
        #expect(
            Call.error { try Call.method(SetMethods.table, "union", x, [.int(1), .int(2)]) }
                == "union: argument #1 is not iterable: int")
        #expect(
            Call.error { try Call.method(SetMethods.table, "update", x, [], named: [("gee", ints())]) }
                == "update: does not accept keyword arguments")
        #expect(
            Call.error { try Call.method(SetMethods.table, "union", x, [.list(StarlarkList([dict([])]))]) }
                == "union: unhashable type: dict")
    }

    @Test func mutation() throws {
        let s = set([.int(1), .int(2), .int(3)])
        _ = try Call.method(SetMethods.table, "add", s, [.int(4)])
        _ = try Call.method(SetMethods.table, "add", s, [.int(1)])
        #expect(s.repr == "set([1, 2, 3, 4])")
        #expect(Call.error { try Call.method(SetMethods.table, "add", s, [ints()]) } == "add: unhashable type: list")
        _ = try Call.method(SetMethods.table, "remove", s, [.int(4)])
        #expect(Call.error { try Call.method(SetMethods.table, "remove", s, [.int(4)]) } == "remove: missing key")
        _ = try Call.method(SetMethods.table, "discard", s, [.int(4)])
        #expect(try Call.method(SetMethods.table, "pop", s).repr == "1")
        _ = try Call.method(SetMethods.table, "clear", s)
        #expect(Call.error { try Call.method(SetMethods.table, "pop", s) } == "pop: empty set")
        s.freeze()
        #expect(try Call.method(SetMethods.table, "clear", s).repr == "None")  // empty: no mutation
        #expect(
            Call.error { try Call.method(SetMethods.table, "add", s, [.int(4)]) }
                == "add: cannot insert into frozen hash table")
        #expect(
            Call.error { try Call.method(SetMethods.table, "discard", s, [.int(9)]) }
                == "discard: cannot delete from frozen hash table")
    }

    @Test func addDuringIteration() {
        let s = set([.int(1)])
        #expect(
            Call.error {
                try Operators.iterate(s) { _ in
                    _ = try Call.method(SetMethods.table, "add", s, [.int(1)])
                    return true
                }
                return .none
            } == "add: cannot insert into hash table during iteration")
    }

    @Test func names() {
        #expect(Operators.attributeNames(x).count == 12)
        #expect(!Operators.attributeNames(x).contains("isdisjoint"))
    }
}

@Suite struct UniverseTests {
    @Test func setOnlyWithTheOption() {
        #expect(Universe.builtins(DialectOptions())["set"] == nil)
        #expect(Universe.builtins(DialectOptions(set: true))["set"] != nil)
        #expect(Universe.builtins(DialectOptions())["None"]?.isNone == true)
    }

    @Test func numbers() throws {
        #expect(try Call.builtin("abs", [.int(Int.min)]).repr == "9223372036854775808")
        #expect(try Call.builtin("abs", [.float(-2)]).repr == "2.0")
        #expect(Call.error { try Call.builtin("abs", [.string("0")]) } == "got string, want int or float")
        #expect(try Call.builtin("int", [.string("0x1f"), .int(0)]).repr == "31")
        #expect(try Call.builtin("int", [.string("-0o123")], named: [("base", .int(0))]).repr == "-83")
        #expect(try Call.builtin("int", [.string("0b0"), .int(16)]).repr == "176")
        #expect(try Call.builtin("int", [.string("zz"), .int(36)]).repr == "1295")
        #expect(try Call.builtin("int", [.string("100000000000000000000")]).repr == "100000000000000000000")
        #expect(try Call.builtin("int", [.float(-99.9)]).repr == "-99")
        #expect(try Call.builtin("int", [.float(1e100)]).repr.count == 101)
        #expect(
            Call.error { try Call.builtin("int", [.string("0123"), .int(0)]) }
                == "int: invalid literal with base 0: 0123")
        #expect(Call.error { try Call.builtin("int", [.string("+-4")]) } == "int: invalid literal with base 10: +-4")
        #expect(
            Call.error { try Call.builtin("int", [.string("1"), .int(1)]) }
                == "int: base must be an integer >= 2 && <= 36")
        #expect(
            Call.error { try Call.builtin("int", [.int(3)], named: [("base", .int(10))]) }
                == "int: can't convert non-string with explicit base")
        #expect(Call.error { try Call.builtin("int", [.float(.nan)]) } == "int: cannot convert float NaN to integer")
        #expect(Call.error { try Call.builtin("int") } == "int: missing argument for x")
        #expect(try Call.builtin("float", [.string("+1.5e3")]).repr == "1500.0")
        #expect(try Call.builtin("float", [.string("-iNFiniTy")]).repr == "-inf")
        #expect(try Call.builtin("float", [.string("0x1.8p1")]).repr == "3.0")
        #expect(try Call.builtin("float", []).repr == "0.0")
        #expect(Call.error { try Call.builtin("float", [.string("1.2.3")]) } == "invalid float literal: 1.2.3")
        #expect(Call.error { try Call.builtin("float", [.string("1e1000")]) } == "floating-point number too large")
        #expect(Call.error { try Call.builtin("float", [.none]) } == "float got NoneType, want number or string")
    }

    @Test func text() throws {
        #expect(try Call.builtin("str", [.bytes([0x68, 0x69])]).repr == #""hi""#)
        #expect(try Call.builtin("repr", [.string("x")]).repr == #""\"x\"""#)
        #expect(try Call.builtin("chr", [.int(0x41)]).repr == #""A""#)
        #expect(try Call.builtin("ord", [.string("é")]).repr == "233")
        #expect(
            Call.error { try Call.builtin("ord", [.string("ab")]) }
                == "ord: string encodes 2 Unicode code points, want 1")
        #expect(try Call.builtin("bytes", [ints(104, 105)]).repr == #"b"hi""#)
        #expect(
            Call.error { try Call.builtin("bytes", [ints(300)]) }
                == "bytes: at index 0, 300 out of range (want value in unsigned 8-bit range)")
        #expect(try Call.builtin("hash", [.string("abc")]).repr == "96354")
        #expect(try Call.builtin("hash", [.string("")]).repr == "0")
        #expect(Call.error { try Call.builtin("hash", [.int(1)]) } == "hash: got int, want string or bytes")
        #expect(try Call.builtin("type", [ints()]).repr == #""list""#)
        #expect(try Call.builtin("bool", [ints()]).repr == "False")
        #expect(try Call.builtin("len", [.string("héllo")]).repr == "6")
        #expect(Call.error { try Call.builtin("len", [.int(1)]) } == "len: value of type int has no len")
    }

    @Test func printAndFail() throws {
        let printed = StarlarkList()
        let thread = StarlarkThread()
        thread.print = { _, text in printed.elements.append(.string(text)) }
        guard case .builtin(let print) = Call.universe["print"]!, case .builtin(let fail) = Call.universe["fail"]!
        else { return }
        _ = try print.call(thread, Arguments([.string("a"), .int(1), ints(2)], named: [("sep", .string("/"))]))
        #expect(printed.elements.first?.str == "a/1/[2]")
        do {
            _ = try fail.call(thread, Arguments([.int(1), .int(2), .int(3)], named: [("sep", .string("/"))]))
            Issue.record("fail did not throw")
        } catch let error as StarlarkError {
            #expect(error.message == "fail: 1/2/3")
            #expect(error.isFailure)
        }
        #expect(Call.error { try fail.call(thread, Arguments()) } == "fail: ")
    }

    @Test func attributes() throws {
        #expect(try Call.builtin("dir", [dict([])]).repr.hasPrefix(#"["clear", "get", "items""#))
        #expect(try Call.builtin("dir", [.int(1)]).repr == "[]")
        #expect(try Call.builtin("hasattr", [ints(), .string("append")]).repr == "True")
        #expect(try Call.builtin("hasattr", [ints(), .string("apend")]).repr == "False")
        #expect(try Call.builtin("getattr", [ints(), .string("nope"), .int(42)]).repr == "42")
        #expect(
            try Call.builtin("getattr", [set([]), .string("union")]).repr == "<built-in method union of set value>")
        #expect(
            Call.error { try Call.builtin("getattr", [.int(1), .string("x")]) }?.hasPrefix(
                "getattr: int has no .x field or method") == true)
    }

    @Test func sequences() throws {
        #expect(try Call.builtin("list", [.range(StarlarkRange(start: 0, stop: 3, step: 1))]).repr == "[0, 1, 2]")
        #expect(try Call.builtin("tuple", [ints(1)]).repr == "(1,)")
        #expect(try Call.builtin("tuple").repr == "()")
        #expect(Call.error { try Call.builtin("tuple", [.int(1)]) } == "tuple: for parameter 1: got int, want iterable")
        #expect(try Call.builtin("set", [ints(1, 3, 2, 3)]).repr == "set([1, 3, 2])")
        #expect(
            Call.error { try Call.builtin("set", [.list(StarlarkList([dict([])]))]) } == "set: unhashable type: dict")
        #expect(try Call.builtin("reversed", [ints(1, 2, 3)]).repr == "[3, 2, 1]")
        #expect(try Call.builtin("enumerate", [ints(5, 6), .int(42)]).repr == "[(42, 5), (43, 6)]")
        #expect(try Call.builtin("zip", [ints(1, 2, 3), ints(4, 5)]).repr == "[(1, 4), (2, 5)]")
        #expect(try Call.builtin("zip").repr == "[]")
        #expect(Call.error { try Call.builtin("zip", [ints(1), .int(1)]) } == "zip: argument #2 is not iterable: int")
        #expect(try Call.builtin("all", [ints()]).repr == "True")
        #expect(try Call.builtin("any", [ints(0, 0, 1)]).repr == "True")
        #expect(try Call.builtin("dict", [ints()], named: [("a", .int(1))]).repr == #"{"a": 1}"#)
        #expect(Call.error { try Call.builtin("dict", [.none]) } == "dict: got NoneType, want iterable")
    }

    @Test func range() throws {
        #expect(try Call.builtin("range", [.int(5)]).repr == "range(5)")
        #expect(try Call.builtin("list", [Call.builtin("range", [.int(10), .int(2), .int(-3)])]).repr == "[10, 7, 4]")
        #expect(
            Call.error { try Call.builtin("range", [.int(1), .int(2), .int(0)]) }
                == "range: step argument must not be zero")
        #expect(
            Call.error { try Call.builtin("range", [Operators.binary(.lessLess, .int(1), .int(64))]) }
                == "range: for parameter 1: 18446744073709551616 out of range (want value in signed 64-bit range)")
    }

    @Test func sorted() throws {
        #expect(
            try Call.builtin("sorted", [ints(42, 123, 3)], named: [("reverse", .bool(true))]).repr == "[123, 42, 3]")
        let words = Value.list(StarlarkList(strings("two", "three", "four")))
        let len = Call.universe["len"]!
        #expect(try Call.builtin("sorted", [words], named: [("key", len)]).repr == #"["two", "four", "three"]"#)
        #expect(
            try Call.builtin("sorted", [words], named: [("key", len), ("reverse", .bool(true))]).repr
                == #"["three", "four", "two"]"#)
        // Stability, with more elements than one insertion-sorted run.
        let pairs = (0..<50).map { Value.tuple([.int($0 % 4), .int($0)]) }
        let first = Call.function { value in
            guard case .tuple(let items) = value else { return .none }
            return items[0]
        }
        let sortedPairs = try Call.builtin("sorted", [.list(StarlarkList(pairs))], named: [("key", first)])
        let expected = (0..<4).flatMap { group in (0..<50).filter { $0 % 4 == group }.map { "(\(group), \($0))" } }
        #expect(sortedPairs.repr == "[" + expected.joined(separator: ", ") + "]")
        let nan = Value.list(StarlarkList([.int(7), .int(3), .float(.nan), .int(1)]))
        #expect(try Call.builtin("sorted", [nan]).repr == "[1, 3, 7, nan]")
        #expect(try Call.builtin("sorted", [nan], named: [("reverse", .bool(true))]).repr == "[nan, 7, 3, 1]")
        #expect(
            Call.error { try Call.builtin("sorted", [.list(StarlarkList([.int(1), .string("one")]))]) }
                == "string < int not implemented")
        #expect(
            Call.error { try Call.builtin("sorted", [.list(StarlarkList([.int(1), .int(2), .none, .int(3)]))]) }
                == "int < NoneType not implemented")
        #expect(
            Call.error { try Call.builtin("sorted", [ints()], named: [("key", .none)]) }
                == "sorted: for parameter key: got NoneType, want callable")
        #expect(
            Call.error { try Call.builtin("sorted", [.int(1)]) }
                == "sorted: for parameter iterable: got int, want iterable")
    }

    @Test func minMax() throws {
        #expect(try Call.builtin("min", [.int(5), .int(-2), .int(1)]).repr == "-2")
        #expect(try Call.builtin("max", [ints(5, -2, 7)]).repr == "7")
        let square = Call.function { value in try Operators.binary(.star, value, value) }
        #expect(try Call.builtin("min", [.int(5), .int(-2), .int(1), .int(7)], named: [("key", square)]).repr == "1")
        #expect(Call.error { try Call.builtin("min") } == "min requires at least one positional argument")
        #expect(Call.error { try Call.builtin("min", [.int(1)]) } == "min: int value is not iterable")
        #expect(Call.error { try Call.builtin("max", [ints()]) } == "max: argument is an empty sequence")
        let withNaN = Value.list(StarlarkList([.int(1), .float(.nan), .int(3)]))
        #expect(try Call.builtin("max", [withNaN]).repr == "nan")
        #expect(try Call.builtin("min", [withNaN]).repr == "1")
    }
}
