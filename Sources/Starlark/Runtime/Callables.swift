import Synchronization

/// Arguments of a call: positional values and named ones, in call order.
public struct Arguments: Sendable {
    /// Positional arguments.
    public var positional: [Value]
    /// Keyword arguments, in the order given.
    public var named: [(name: String, value: Value)]

    /// Creates an argument list.
    public init(_ positional: [Value] = [], named: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.named = named
    }

    /// Binds arguments to parameters by name for a builtin.
    ///
    /// Names ending in `?` are optional (nil when not given). `positionalOnly` leading parameters
    /// cannot be passed by name; `allowNamed: false` rejects every keyword argument.
    /// - Throws: errors in starlark-go's words: missing, surplus and unexpected arguments.
    public func bind(_ function: String, _ parameters: [String], positionalOnly: Int = 0, allowNamed: Bool = true)
        throws -> BoundArguments
    {
        guard positional.count <= parameters.count else {
            let required = parameters.filter { !$0.hasSuffix("?") }.count
            let want = required == parameters.count ? "\(parameters.count)" : "at most \(parameters.count)"
            throw StarlarkError("\(function): got \(positional.count) arguments, want \(want)")
        }
        var result = BoundArguments(count: parameters.count)
        for (index, value) in positional.enumerated() { result[index] = value }
        if !named.isEmpty {
            guard allowNamed else { throw StarlarkError("\(function): unexpected keyword arguments") }
            for (name, value) in named {
                guard let index = parameters.firstIndex(where: { $0 == name || $0 == name + "?" }),
                    index >= positionalOnly
                else {
                    var message = "\(function): unexpected keyword argument \"\(name)\""
                    let names = parameters.dropFirst(positionalOnly).map {
                        $0.hasSuffix("?") ? String($0.dropLast()) : $0
                    }
                    if let suggestion = Spelling.nearest(name, in: names) {
                        message += " (did you mean \(suggestion)?)"
                    }
                    throw StarlarkError(message)
                }
                guard result[index] == nil else {
                    throw StarlarkError("\(function): got multiple values for parameter \"\(name)\"")
                }
                result[index] = value
            }
        }
        // Only parameters left unfilled need their optional marker checked.
        if positional.count < parameters.count {
            for index in positional.count..<parameters.count
            where result[index] == nil && parameters[index].utf8.last != UInt8(ascii: "?") {
                throw StarlarkError("\(function): missing argument for \(parameters[index])")
            }
        }
        return result
    }

    /// Throws unless there are no arguments at all.
    public func expectNone(_ function: String) throws {
        guard positional.isEmpty, named.isEmpty else {
            if !named.isEmpty { throw StarlarkError("\(function): unexpected keyword arguments") }
            throw StarlarkError("\(function): got \(positional.count) arguments, want 0")
        }
    }
}

/// Arguments bound to a builtin's parameters, by position: `bound[0]` is nil when the optional
/// first parameter was not given. Up to four values are stored inline, so binding the arguments
/// of a typical builtin call allocates nothing.
public struct BoundArguments: Sendable {
    private var inline: (Value?, Value?, Value?, Value?) = (nil, nil, nil, nil)
    private var overflow: [Value?]
    /// The number of parameters.
    public let count: Int

    init(count: Int) {
        self.count = count
        overflow = count > 4 ? [Value?](repeating: nil, count: count - 4) : []
    }

    /// The value bound to parameter `index`, or nil when it was not given.
    public subscript(index: Int) -> Value? {
        get {
            switch index {
            case 0: inline.0
            case 1: inline.1
            case 2: inline.2
            case 3: inline.3
            default: overflow[index - 4]
            }
        }
        set {
            switch index {
            case 0: inline.0 = newValue
            case 1: inline.1 = newValue
            case 2: inline.2 = newValue
            case 3: inline.3 = newValue
            default: overflow[index - 4] = newValue
            }
        }
    }
}

/// A function written in Swift: a universal builtin, a module member or a bound method.
public final class Builtin: @unchecked Sendable {
    /// The implementation: the thread, the builtin itself (for its receiver) and the arguments.
    public typealias Body = @Sendable (StarlarkThread, Builtin, Arguments) throws -> Value

    /// The name used in messages and tracebacks.
    public let name: String
    /// The value a method is bound to (`x` in `x.append`), or nil for plain functions.
    public let receiver: Value?
    let body: Body

    /// Creates a builtin function.
    public init(_ name: String, receiver: Value? = nil, _ body: @escaping Body) {
        self.name = name
        self.receiver = receiver
        self.body = body
    }

    /// Calls the builtin.
    public func call(_ thread: StarlarkThread, _ arguments: Arguments) throws -> Value {
        try body(thread, self, arguments)
    }

    /// Builtins are equal when they are the same function, or the same method of the same value.
    func isSame(as other: Builtin) -> Bool {
        if self === other { return true }
        guard name == other.name, let a = receiver, let b = other.receiver else { return false }
        switch (a, b) {
        case (.list(let x), .list(let y)): return x === y
        case (.dict(let x), .dict(let y)): return x === y
        case (.set(let x), .set(let y)): return x === y
        default: return (try? a.equals(b)) ?? false
        }
    }
}

/// A mutable box for a variable shared between a function and the closures defined in it.
final class Cell: @unchecked Sendable {
    var value: Value?
    init(_ value: Value? = nil) { self.value = value }
}

/// Dialect options a host can switch on; all off by default, as in the Starlark spec.
public struct DialectOptions: Sendable, Hashable {
    /// The `set` builtin and set values.
    public var set = false
    /// `while` loops.
    public var whileLoops = false
    /// `if`, `for` and `while` at the top level of a file.
    public var topLevelControl = false
    /// Assigning a global more than once.
    public var globalReassign = false
    /// Names bound by `load` are globals rather than file-local.
    public var loadBindsGlobally = false
    /// Recursive calls; with `maxCallDepth` as the limit.
    public var recursion = false

    /// Creates options.
    public init(
        set: Bool = false, whileLoops: Bool = false, topLevelControl: Bool = false, globalReassign: Bool = false,
        loadBindsGlobally: Bool = false, recursion: Bool = false
    ) {
        self.set = set
        self.whileLoops = whileLoops
        self.topLevelControl = topLevelControl
        self.globalReassign = globalReassign
        self.loadBindsGlobally = loadBindsGlobally
        self.recursion = recursion
    }

    /// Every option on: the dialect OndatraSQL's pipeline uses.
    public static let all = DialectOptions(
        set: true, whileLoops: true, topLevelControl: true, globalReassign: true, loadBindsGlobally: false,
        recursion: true)
}

/// The state of one execution: print and load handlers, limits, cancellation and the call stack.
///
/// A thread runs one program at a time; create one per concurrent evaluation.
public final class StarlarkThread: @unchecked Sendable {
    /// A name for messages.
    public var name: String
    /// Receives `print()` output; writes to standard output by default.
    public var print: @Sendable (StarlarkThread, String) -> Void = { _, text in Swift.print(text) }
    /// Resolves `load("module", …)` to the module's exported names.
    public var load: (@Sendable (StarlarkThread, String) throws -> [String: Value])?
    /// The most steps (loop iterations and calls) a program may take; nil for no limit. Checked
    /// every 1,024 steps, together with cancellation.
    public var stepLimit: Int?
    /// The deepest call nesting allowed.
    public var maxCallDepth: Int {
        get { counters.pointee.maxDepth }
        set { counters.pointee.maxDepth = newValue }
    }
    /// Host data attached to this thread (for builtins that need context).
    public var locals: [String: any Sendable] = [:]

    /// Counters touched on every call and loop iteration. They live behind a pointer because
    /// Swift checks exclusive access to class properties at run time, which costs more than the
    /// counting itself; a thread is used by one evaluation at a time, so the check buys nothing.
    let counters: UnsafeMutablePointer<Counters>
    var activeFunctions: [ObjectIdentifier] = []
    let slotStack = SlotStack()

    struct Counters {
        var steps = 0
        /// Calls of Starlark functions currently running.
        var depth = 0
        var maxDepth = 1000
    }

    deinit {
        counters.deinitialize(count: 1)
        counters.deallocate()
    }
    private let cancelled = Atomic<Bool>(false)
    private let cancellation = Mutex(Cancellation())

    /// Why the thread was cancelled, and what to call when it is (a host builtin's wait).
    private struct Cancellation {
        var reason = ""
        var isCancelled = false
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextHandler = 0
    }

    /// Creates a thread.
    public init(name: String = "main") {
        self.name = name
        counters = UnsafeMutablePointer<Counters>.allocate(capacity: 1)
        counters.initialize(to: Counters())
    }

    /// Asks the running program to stop; safe from any thread. It fails with `reason`.
    public func cancel(_ reason: String = "cancelled") {
        let handlers = cancellation.withLock { state in
            state.reason = reason
            state.isCancelled = true
            defer { state.handlers = [:] }
            return Array(state.handlers.values)
        }
        cancelled.store(true, ordering: .relaxed)
        for handler in handlers { handler() }
    }

    /// Runs `body`, a wait inside a host builtin (a network request, a lock), with `onCancel`
    /// called from the cancelling thread if ``cancel(_:)`` comes while it runs, or at once when the
    /// thread is already cancelled, so the wait can be cut short. `onCancel` must only ask the
    /// wait to end (it may run concurrently with `body`); `body` should then throw, and the caller
    /// call ``checkCancellation()`` to report the cancellation.
    public func whileCancellable<Result>(
        onCancel: @escaping @Sendable () -> Void, _ body: () throws -> Result
    ) rethrows -> Result {
        let key: Int? = cancellation.withLock { state in
            guard !state.isCancelled else { return nil }
            defer { state.nextHandler += 1 }
            state.handlers[state.nextHandler] = onCancel
            return state.nextHandler
        }
        if key == nil { onCancel() }
        defer {
            if let key { _ = cancellation.withLock { $0.handlers.removeValue(forKey: key) } }
        }
        return try body()
    }

    /// Counts one step and checks the limit and cancellation.
    @inline(__always)
    func step() throws {
        // Limits and cancellation are looked at every 1,024 steps, keeping the common path to one add.
        counters.pointee.steps &+= 1
        if counters.pointee.steps & 0x3FF == 0 { try checkLimits() }
    }

    /// Throws the cancellation error once ``cancel(_:)`` was called: for host builtins that wait
    /// (sleeps, retries), so they stop early too.
    public func checkCancellation() throws {
        if cancelled.load(ordering: .relaxed) {
            var error = StarlarkError("Starlark computation cancelled: \(cancellation.withLock { $0.reason })")
            error.isCancellation = true
            throw error
        }
    }

    func checkLimits() throws {
        try checkCancellation()
        if let stepLimit, counters.pointee.steps > stepLimit {
            var error = StarlarkError("Starlark computation cancelled: too many steps")
            error.isCancellation = true
            throw error
        }
    }
}
