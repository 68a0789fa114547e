/// A compiled Starlark file, ready to run on a thread.
///
/// ```swift
/// let program = try StarlarkProgram(source: "x = 1 + 2", file: "example.star")
/// let globals = try program.run(on: StarlarkThread())
/// // globals["x"] == .int(3)
/// ```
public struct StarlarkProgram: Sendable {
    let code: FunctionCode
    let globalNames: [String]
    let exportedNames: Set<String>
    /// The dialect the program was compiled for.
    public let options: DialectOptions

    /// Parses, resolves and compiles `source`.
    ///
    /// - Parameters:
    ///   - predeclared: names the file can use besides the universal builtins (host modules, …).
    ///   - options: dialect options; all off by default as in the spec.
    /// - Throws: ``StarlarkSyntaxError`` for syntax and resolution errors (undefined names, …).
    public init(
        source: String, file: String, predeclared: [String: Value] = [:], options: DialectOptions = DialectOptions()
    )
        throws
    {
        let syntax = try Parser.parse(source, file: file)
        var compiler = Compiler(
            file: file, options: options, predeclared: predeclared, universe: Universe.builtins(options))
        code = try compiler.compile(syntax)
        globalNames = compiler.globalNames
        exportedNames = Set(compiler.globalNames).subtracting(compiler.loadBound)
        self.options = options
    }

    /// Runs the file's top-level statements and returns its globals, frozen.
    /// - Throws: ``StarlarkError`` with a traceback when the program fails.
    public func run(on thread: StarlarkThread) throws -> [String: Value] {
        let module = ModuleState(globalNames: globalNames, options: options)
        let frame = Frame.push(
            thread: thread, module: module, slotCount: code.slotCount, cellCount: code.cellCount, freeCells: [])
        defer { frame.pop() }
        do {
            for statement in code.body {
                _ = try statement.exec(frame)
            }
        } catch var error as StarlarkError {
            error.callStack.insert(
                StarlarkError.Frame(function: code.name, position: error.pendingPosition ?? code.position), at: 0)
            error.pendingPosition = nil
            freeze(module)
            throw error
        }
        return freeze(module)
    }

    @discardableResult
    private func freeze(_ module: ModuleState) -> [String: Value] {
        var globals: [String: Value] = [:]
        for (index, name) in globalNames.enumerated() {
            guard let value = module.globals[index] else { continue }
            value.freeze()
            if exportedNames.contains(name) { globals[name] = value }
        }
        return globals
    }
}

extension StarlarkThread {
    /// Compiles and runs `source` in one step, returning its globals.
    public func exec(
        _ source: String, file: String, predeclared: [String: Value] = [:], options: DialectOptions = DialectOptions()
    ) throws -> [String: Value] {
        try StarlarkProgram(source: source, file: file, predeclared: predeclared, options: options).run(on: self)
    }
}
