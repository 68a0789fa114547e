import Foundation
import Synchronization
import Testing

@testable import Starlark

/// The embedding API: predeclared values, Swift builtins, load and print handlers, limits,
/// cancellation, calls from Swift and value conversion.
@Suite struct HostAPITests {
    @Test func predeclaredValuesAndSwiftBuiltins() throws {
        let greet = Builtin("greet") { _, _, arguments in
            let bound = try arguments.bind("greet", ["name", "punctuation?"])
            let name = bound[0]?.stringValue ?? "?"
            return .string("hello, \(name)\(bound[1]?.stringValue ?? "!")")
        }
        let globals = try StarlarkThread().exec(
            "a = greet('ada')\nb = greet(name = 'bob', punctuation = '.')\nc = limit * 2", file: "host.star",
            predeclared: ["greet": .builtin(greet), "limit": .int(21)])
        #expect(globals["a"] == .string("hello, ada!"))
        #expect(globals["b"] == .string("hello, bob."))
        #expect(globals["c"] == .int(42))
        let error = #expect(throws: StarlarkError.self) {
            try StarlarkThread().exec("greet()", file: "host.star", predeclared: ["greet": .builtin(greet)])
        }
        #expect(error?.message == "greet: missing argument for name")
    }

    @Test func printAndLoadHandlers() throws {
        let printed = Mutex<[String]>([])
        let thread = StarlarkThread()
        thread.print = { _, text in printed.withLock { $0.append(text) } }
        thread.load = { thread, module in
            guard module == "lib/helpers.star" else { throw StarlarkError("no module \(module)") }
            return try thread.exec("def double(x):\n    return 2 * x\n_private = 1", file: module)
        }
        let globals = try thread.exec(
            "load('lib/helpers.star', 'double', twice = 'double')\nprint('result', double(4), twice(1))\nx = double(5)",
            file: "main.star")
        #expect(printed.withLock { $0 } == ["result 8 2"])
        #expect(globals["x"] == .int(10))
        #expect(globals["double"] == nil)  // names bound by load are local to the file
        let missing = #expect(throws: StarlarkError.self) { try thread.exec("load('other.star', 'x')", file: "m.star") }
        #expect(missing?.message.contains("cannot load other.star") == true)
    }

    @Test func callingStarlarkFromSwiftWithKeywords() throws {
        let thread = StarlarkThread()
        let globals = try thread.exec("def describe(a, b = 2, *, c):\n    return [a, b, c]", file: "f.star")
        let describe = try #require(globals["describe"])
        let result = try thread.call(describe, [.int(1)], named: [("c", .string("x"))])
        #expect(result.arrayValue == [.int(1), .int(2), .string("x")])
        #expect(throws: StarlarkError.self) { try thread.call(describe, [.int(1)]) }
    }

    @Test func stepLimitStopsRunawayLoops() throws {
        let thread = StarlarkThread()
        thread.stepLimit = 10_000
        let error = #expect(throws: StarlarkError.self) {
            try thread.exec("def spin():\n    while True:\n        pass\nspin()", file: "spin.star", options: .all)
        }
        #expect(error?.isCancellation == true)
        #expect(error?.message.contains("too many steps") == true)
    }

    @Test func cancellationFromAnotherThread() throws {
        let thread = StarlarkThread()
        let outcome = Mutex<StarlarkError?>(nil)
        let done = DispatchSemaphore(value: 0)
        // The program runs on a thread of its own (as hosts run Starlark), so a busy cooperative
        // pool cannot keep the cancelling side from running.
        Thread.detachNewThread {
            do {
                _ = try thread.exec(
                    "def spin():\n    while True:\n        pass\nspin()", file: "spin.star", options: .all)
            } catch let error as StarlarkError {
                outcome.withLock { $0 = error }
            } catch {}
            done.signal()
        }
        usleep(50_000)
        thread.cancel("deadline reached")
        done.wait()
        let error = outcome.withLock { $0 }
        #expect(error?.isCancellation == true)
        #expect(error?.message.contains("deadline reached") == true)
    }

    @Test func cancellationReachesAHostWaitInProgress() throws {
        let thread = StarlarkThread()
        let calls = Mutex(0)
        // Nothing is called once the wait is over.
        thread.whileCancellable(onCancel: { calls.withLock { $0 += 1 } }) {}
        let waited = thread.whileCancellable(onCancel: { calls.withLock { $0 += 10 } }) {
            thread.cancel("stop")
            return calls.withLock { $0 }
        }
        #expect(waited == 10)
        // Already cancelled: the handler runs at once.
        thread.whileCancellable(onCancel: { calls.withLock { $0 += 100 } }) {}
        #expect(calls.withLock { $0 } == 110)
        #expect(throws: StarlarkError.self) { try thread.checkCancellation() }
    }

    @Test func valuesConvertBothWays() throws {
        let value = try Value(
            converting: ["id": 7, "name": "x", "tags": ["a", "b"], "ratio": 0.5, "none": nil] as [String: Any?])
        #expect(value.dictLookup("id") == .int(7))
        #expect(value.dictLookup("tags")?.arrayValue == [.string("a"), .string("b")])
        #expect(value.dictLookup("none") == Value.none)
        let back = try #require(value.swiftValue as? [String: Any?])
        #expect(back["name"] as? String == "x")
        #expect(back["ratio"] as? Double == 0.5)
        #expect(throws: StarlarkError.self) { try Value(converting: Date()) }
    }

    /// Dicts made together share their keys' storage; each still behaves as a dict of its own.
    @Test func dictsWithTheSameKeysAreIndependentDicts() throws {
        let keys: [Value] = [.string("id"), .string("name"), .int(3)]
        let rows: [[Value]] = [[.int(1), .string("a"), .none], [.int(2), .string("b"), .bool(true)]]
        let dicts = try Value.dicts(keys: keys, rows: rows)
        for (dict, row) in zip(dicts, rows) { #expect(dict == (try Value.dict(Array(zip(keys, row))))) }
        guard case .dict(let first) = dicts[0], case .dict(let second) = dicts[1] else {
            Issue.record("not dicts")
            return
        }
        try first.set(.string("extra"), .int(1))
        try second.remove(.string("name"))
        try second.set(.string("id"), .int(20))
        #expect(dicts[0].repr == #"{"id": 1, "name": "a", 3: None, "extra": 1}"#)
        #expect(dicts[1].repr == #"{"id": 20, 3: True}"#)
        #expect(try second.get(.int(3)) == .bool(true) && first.get(.string("name")) == .string("a"))
        // A repeated key keeps its last value, as when the entries are set one by one.
        let repeated = try Value.dicts(keys: [.string("k"), .string("k")], rows: [[.int(1), .int(2)]])
        #expect(repeated[0].repr == #"{"k": 2}"#)
    }

    @Test func errorsCarryATraceback() throws {
        let source = "def inner(d):\n    return d['missing']\n\ndef outer():\n    return inner({})\n\nouter()\n"
        let error = #expect(throws: StarlarkError.self) { try StarlarkThread().exec(source, file: "trace.star") }
        #expect(error?.callStack.map(\.function) == ["<toplevel>", "outer", "inner"])
        #expect(error?.callStack.map(\.position.line) == [7, 5, 2])
        #expect(error?.backtrace.contains("trace.star:2:") == true)
        #expect(error?.message == "key \"missing\" not in dict")
    }

    @Test func syntaxErrorsNameFileLineAndColumn() {
        let error = #expect(throws: StarlarkSyntaxError.self) {
            try StarlarkProgram(source: "x = (1,\ny = 2", file: "bad.star")
        }
        #expect(error?.description.hasPrefix("bad.star:2:") == true)
    }

    /// Windows (`\r\n`) and classic Mac (`\r`) line endings lex like `\n`, in code, comments,
    /// continuations and triple-quoted strings, and line numbers stay right.
    @Test func windowsAndClassicMacLineEndingsLexLikeUnix() throws {
        let unix = """
            def f(x):  # a comment
                if x:
                    return 'a' + \\
                        'b'
                return \"\"\"l1
            l2\"\"\"

            y = f(True)
            z = f(False)

            """
        for ending in ["\r\n", "\r"] {
            let source = unix.replacingOccurrences(of: "\n", with: ending)
            let globals = try StarlarkThread().exec(source, file: "endings.star")
            #expect(globals["y"] == .string("ab"), "\(ending.debugDescription)")
            #expect(globals["z"] == .string("l1\nl2"), "\(ending.debugDescription)")
            let error = #expect(throws: StarlarkError.self) {
                try StarlarkThread().exec("x = 1\(ending)\(ending)fail('here')\(ending)", file: "endings.star")
            }
            #expect(error?.position?.line == 3, "\(ending.debugDescription)")
        }
    }

    @Test func globalsAreFrozenAfterLoading() throws {
        let thread = StarlarkThread()
        let globals = try thread.exec("items = [1]\ndef add():\n    items.append(2)", file: "frozen.star")
        let add = try #require(globals["add"])
        let error = #expect(throws: StarlarkError.self) { try thread.call(add, []) }
        #expect(error?.message.contains("frozen list") == true)
    }
}
