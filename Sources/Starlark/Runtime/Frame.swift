/// Module-level state shared by the functions of one file: its globals.
final class ModuleState: @unchecked Sendable {
    /// One slot per global; a buffer rather than an array so reads skip run-time exclusivity checks.
    let globals: UnsafeMutablePointer<Value?>
    let globalNames: [String]
    let options: DialectOptions

    init(globalNames: [String], options: DialectOptions) {
        self.globalNames = globalNames
        globals = UnsafeMutablePointer<Value?>.allocate(capacity: max(globalNames.count, 1))
        globals.initialize(repeating: nil, count: globalNames.count)
        self.options = options
    }

    deinit {
        globals.deinitialize(count: globalNames.count)
        globals.deallocate()
    }
}

/// The activation record of one call: local slots, captured cells, and the thread.
///
/// A frame is a pointer to a header kept on the thread's frame stack, so passing it to every
/// node costs no reference counting. It lives from ``Frame/push(thread:module:slotCount:cellCount:freeCells:)``
/// to ``pop()``; calls nest strictly, so nothing refers to a frame after it is popped.
struct Frame {
    struct Header {
        // The thread outlives its frames, and the module is kept alive by the running function.
        unowned(unsafe) let thread: StarlarkThread
        unowned(unsafe) let module: ModuleState
        let slots: UnsafeMutablePointer<Value?>
        let slotCount: Int
        let cells: [Cell]
        let freeCells: [Cell]
        let onStack: Bool
    }

    let header: UnsafeMutablePointer<Header>

    var thread: StarlarkThread { header.pointee.thread }
    var module: ModuleState { header.pointee.module }
    var slots: UnsafeMutablePointer<Value?> { header.pointee.slots }
    var cells: [Cell] { header.pointee.cells }
    var freeCells: [Cell] { header.pointee.freeCells }

    /// The value a `return` statement hands back, kept in the slot after the locals.
    var returnValue: Value {
        get { header.pointee.slots[header.pointee.slotCount] ?? .none }
        nonmutating set { header.pointee.slots[header.pointee.slotCount] = newValue }
    }

    /// Makes a frame with fresh (unbound) slots; pair with ``pop()``.
    static func push(thread: StarlarkThread, module: ModuleState, slotCount: Int, cellCount: Int, freeCells: [Cell])
        -> Frame
    {
        let stack = thread.slotStack
        // Slots and headers come from stacks owned by the thread rather than the heap.
        let stacked = stack.push(slotCount + 1)
        let slots = stacked ?? UnsafeMutablePointer<Value?>.allocate(capacity: slotCount + 1)
        slots.initialize(repeating: nil, count: slotCount + 1)
        let header = stack.pushHeader()
        header.initialize(
            to: Header(
                thread: thread, module: module, slots: slots, slotCount: slotCount,
                cells: cellCount == 0 ? [] : (0..<cellCount).map { _ in Cell() }, freeCells: freeCells,
                onStack: stacked != nil))
        return Frame(header: header)
    }

    /// Releases the frame's slots and header.
    func pop() {
        let stack = header.pointee.thread.slotStack
        let slotCount = header.pointee.slotCount
        header.pointee.slots.deinitialize(count: slotCount + 1)
        if header.pointee.onStack {
            stack.pop(slotCount + 1)
        } else {
            header.pointee.slots.deallocate()
        }
        header.deinitialize(count: 1)
        stack.popHeader(header)
    }
}

/// The stacks of local-variable slots and frame headers shared by the nested frames of one thread.
final class SlotStack {
    private let base: UnsafeMutablePointer<Value?>
    private let capacity: Int
    /// The index of the first free slot, behind a pointer to skip run-time exclusivity checks.
    private let top: UnsafeMutablePointer<Int>
    private let headers: UnsafeMutablePointer<Frame.Header>
    private let headerCapacity: Int
    private let headerTop: UnsafeMutablePointer<Int>

    init(capacity: Int = 1 << 16, headerCapacity: Int = 4096) {
        self.capacity = capacity
        self.headerCapacity = headerCapacity
        base = UnsafeMutablePointer<Value?>.allocate(capacity: capacity)
        top = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        top.initialize(to: 0)
        headers = UnsafeMutablePointer<Frame.Header>.allocate(capacity: headerCapacity)
        headerTop = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        headerTop.initialize(to: 0)
    }

    deinit {
        base.deallocate()
        top.deallocate()
        headers.deallocate()
        headerTop.deallocate()
    }

    /// Room for one frame header (uninitialized), from the stack or, when it is full, the heap.
    @inline(__always)
    func pushHeader() -> UnsafeMutablePointer<Frame.Header> {
        let index = headerTop.pointee
        guard index < headerCapacity else { return UnsafeMutablePointer<Frame.Header>.allocate(capacity: 1) }
        headerTop.pointee = index + 1
        return headers + index
    }

    /// Releases a header from ``pushHeader()``.
    @inline(__always)
    func popHeader(_ header: UnsafeMutablePointer<Frame.Header>) {
        if header >= headers && header < headers + headerCapacity {
            headerTop.pointee -= 1
        } else {
            header.deallocate()
        }
    }

    /// Room for `count` slots (uninitialized), or nil when the stack is full.
    @inline(__always)
    func push(_ count: Int) -> UnsafeMutablePointer<Value?>? {
        let start = top.pointee
        guard start + count <= capacity else { return nil }
        top.pointee = start + count
        return base + start
    }

    /// Releases the most recently pushed `count` slots.
    @inline(__always)
    func pop(_ count: Int) { top.pointee -= count }
}

/// A local variable as the compiler allocates it: a slot, and a cell once a closure captures it.
final class LocalVariable {
    let name: String
    let slot: Int
    /// -1, or the cell index once an inner function refers to the variable. Behind a pointer:
    /// it is read on every access, and a class `var` would be checked for exclusivity each time.
    private let cell: UnsafeMutablePointer<Int>

    init(name: String, slot: Int) {
        self.name = name
        self.slot = slot
        cell = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        cell.initialize(to: -1)
    }

    deinit { cell.deallocate() }

    /// Set when an inner function refers to the variable: it then lives in `Frame.cells`.
    var cellIndex: Int? {
        get {
            let index = cell.pointee
            return index < 0 ? nil : index
        }
        set { cell.pointee = newValue ?? -1 }
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
    /// Where each parameter's value goes: a slot index, or `~cellIndex` for a captured parameter.
    /// Fixed once the body is compiled (that is when captures are known).
    private(set) var parameterTargets: [Int] = []
    var slotCount = 0
    var cellCount = 0
    let isModule: Bool

    /// Records where parameters live; call after the body (and the closures in it) are compiled.
    func finishLayout() {
        parameterTargets = parameters.map { variable in variable.cellIndex.map { ~$0 } ?? variable.slot }
    }

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
    /// The module's recursion option, copied here because every call checks it.
    let allowsRecursion: Bool
    private var frozen = false

    init(code: FunctionCode, module: ModuleState, defaults: [Value?], freeCells: [Cell]) {
        self.code = code
        self.module = module
        allowsRecursion = module.options.recursion
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
