/// Module-level state shared by the functions of one file: its globals.
final class ModuleState: @unchecked Sendable {
    var globals: [Value?]
    let globalNames: [String]
    let options: DialectOptions

    init(globalNames: [String], options: DialectOptions) {
        self.globalNames = globalNames
        globals = [Value?](repeating: nil, count: globalNames.count)
        self.options = options
    }
}

/// The activation record of one call: local slots, captured cells, and the thread.
final class Frame {
    let thread: StarlarkThread
    let module: ModuleState
    let slots: UnsafeMutablePointer<Value?>
    let slotCount: Int
    var cells: [Cell]
    let freeCells: [Cell]
    var returnValue: Value = .none

    /// Whether `slots` came from the thread's slot stack (else from the heap).
    private let onStack: Bool

    init(thread: StarlarkThread, module: ModuleState, slotCount: Int, cellCount: Int, freeCells: [Cell]) {
        self.thread = thread
        self.module = module
        self.slotCount = slotCount
        // Frames nest strictly (a callee's frame ends before its caller's), so slots can come
        // from a stack owned by the thread instead of a heap allocation per call.
        if let stacked = thread.slotStack.push(slotCount) {
            slots = stacked
            onStack = true
        } else {
            slots = UnsafeMutablePointer<Value?>.allocate(capacity: max(slotCount, 1))
            onStack = false
        }
        slots.initialize(repeating: nil, count: slotCount)
        cells = cellCount == 0 ? [] : (0..<cellCount).map { _ in Cell() }
        self.freeCells = freeCells
    }

    deinit {
        slots.deinitialize(count: slotCount)
        if onStack {
            thread.slotStack.pop(slotCount)
        } else {
            slots.deallocate()
        }
    }
}

/// A stack of local-variable slots shared by the nested frames of one thread.
final class SlotStack {
    private let base: UnsafeMutablePointer<Value?>
    private let capacity: Int
    private var top = 0

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        base = UnsafeMutablePointer<Value?>.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Room for `count` slots (uninitialized), or nil when the stack is full.
    @inline(__always)
    func push(_ count: Int) -> UnsafeMutablePointer<Value?>? {
        guard top + count <= capacity else { return nil }
        defer { top += count }
        return base + top
    }

    /// Releases the most recently pushed `count` slots.
    @inline(__always)
    func pop(_ count: Int) { top -= count }
}

/// A local variable as the compiler allocates it: a slot, and a cell once a closure captures it.
final class LocalVariable {
    let name: String
    let slot: Int
    /// Set when an inner function refers to the variable: it then lives in `Frame.cells`.
    var cellIndex: Int?

    init(name: String, slot: Int) {
        self.name = name
        self.slot = slot
    }
}

/// How the code of a function is laid out: parameters, slots and body.
final class FunctionCode: @unchecked Sendable {
    let name: String
    let position: Position
    /// Parameter variables in declaration order (positional, then *args, keyword-only, **kwargs).
    let parameters: [LocalVariable]
    let positionalCount: Int
    let requiredPositional: Int
    /// Keyword-only parameters follow `*` or `*args`; some may have defaults.
    let keywordOnlyCount: Int
    let hasVarArgs: Bool
    let hasKwArgs: Bool
    var body: [StatementNode] = []
    var slotCount = 0
    var cellCount = 0
    let isModule: Bool

    /// Whether a call with `count` positional arguments and nothing else binds every parameter
    /// directly (no defaults, *args or **kwargs involved).
    @inline(__always)
    func acceptsExactly(_ count: Int) -> Bool {
        count == positionalCount && !hasVarArgs && !hasKwArgs && keywordOnlyCount == 0
    }

    init(
        name: String, position: Position, parameters: [LocalVariable], positionalCount: Int, requiredPositional: Int,
        keywordOnlyCount: Int, hasVarArgs: Bool, hasKwArgs: Bool, isModule: Bool
    ) {
        self.name = name
        self.position = position
        self.parameters = parameters
        self.positionalCount = positionalCount
        self.requiredPositional = requiredPositional
        self.keywordOnlyCount = keywordOnlyCount
        self.hasVarArgs = hasVarArgs
        self.hasKwArgs = hasKwArgs
        self.isModule = isModule
    }
}

/// A Starlark function value: compiled code plus its defaults and captured variables.
public final class StarlarkFunction: @unchecked Sendable {
    let code: FunctionCode
    let module: ModuleState
    /// Default values, one per parameter (nil for required ones).
    let defaults: [Value?]
    let freeCells: [Cell]
    private var frozen = false

    init(code: FunctionCode, module: ModuleState, defaults: [Value?], freeCells: [Cell]) {
        self.code = code
        self.module = module
        self.defaults = defaults
        self.freeCells = freeCells
    }

    /// The function's name (`lambda` for lambdas).
    public var name: String { code.name }
    /// Where it is defined.
    public var position: Position { code.position }
    /// The parameter names, in order.
    public var parameterNames: [String] { code.parameters.map(\.name) }

    /// Freezes the defaults and captured values.
    public func freeze() {
        guard !frozen else { return }
        frozen = true
        for value in defaults { value?.freeze() }
        for cell in freeCells { cell.value?.freeze() }
    }
}
