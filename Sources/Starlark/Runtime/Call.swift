extension StarlarkThread {
    /// Calls a Starlark function, a builtin or a callable host value.
    public func call(_ callable: Value, _ arguments: Arguments) throws -> Value {
        switch callable {
        case .function(let function): return try call(function, arguments)
        case .builtin(let builtin):
            try step()
            return try builtin.call(self, arguments)
        case .object(let object as any StarlarkCallable):
            try step()
            return try object.call(self, arguments)
        default:
            throw StarlarkError("invalid call of non-function (\(callable.typeName))")
        }
    }

    /// Calls `function` with positional arguments evaluated straight into the new frame's slots.
    func callDirect(_ function: StarlarkFunction, _ arguments: [ExpressionNode], from caller: Frame) throws -> Value {
        let code = function.code
        let frame = Frame.push(
            thread: self, module: function.module, slotCount: code.slotCount, cellCount: code.cellCount,
            freeCells: function.freeCells)
        defer { frame.pop() }
        var index = 0
        for target in code.parameterTargets {
            let value = try arguments[index].eval(caller)
            if target >= 0 {
                frame.slots[target] = value
            } else {
                frame.cells[~target].value = value
            }
            index += 1
        }
        return try run(function, in: frame)
    }

    /// Calls a Starlark function: binds the arguments, runs the body in a new frame, and adds the
    /// function's frame to the traceback of any error that leaves it.
    func call(_ function: StarlarkFunction, _ arguments: Arguments) throws -> Value {
        let code = function.code
        let frame = Frame.push(
            thread: self, module: function.module, slotCount: code.slotCount, cellCount: code.cellCount,
            freeCells: function.freeCells)
        defer { frame.pop() }
        try bind(arguments, to: function, in: frame)
        return try run(function, in: frame)
    }

    /// Runs a function whose arguments are bound in `frame`.
    private func run(_ function: StarlarkFunction, in frame: Frame) throws -> Value {
        let code = function.code
        try step()
        guard counters.pointee.depth < counters.pointee.maxDepth else {
            throw StarlarkError("Starlark stack overflow: more than \(maxCallDepth) nested calls")
        }
        // Without the recursion option a function may not call itself, directly or not.
        let recursive = function.allowsRecursion
        if !recursive {
            let identity = ObjectIdentifier(code)
            if activeFunctions.contains(identity) {
                throw StarlarkError("function \(code.name) called recursively")
            }
            activeFunctions.append(identity)
        }
        counters.pointee.depth += 1
        defer {
            counters.pointee.depth -= 1
            if !recursive { activeFunctions.removeLast() }
        }
        do {
            let body = code.body
            var index = 0
            while index < body.count {
                if case .returned = try body[index].exec(frame) { return frame.returnValue }
                index += 1
            }
            return .none
        } catch var error as StarlarkError {
            error.callStack.insert(
                StarlarkError.Frame(function: code.name, position: error.pendingPosition ?? code.position), at: 0)
            error.pendingPosition = nil
            throw error
        }
    }

    private func bind(_ arguments: Arguments, to function: StarlarkFunction, in frame: Frame) throws {
        let code = function.code
        let parameters = code.parameters
        var values = [Value?](repeating: nil, count: parameters.count)
        let positional = arguments.positional
        let positionalCount = code.positionalCount
        var extra: [Value] = []
        if positional.count > positionalCount {
            guard code.hasVarArgs else {
                let noun = positionalCount == 1 ? "argument" : "arguments"
                throw StarlarkError(
                    "function \(code.name) accepts \(positionalCount == 0 ? "no" : "at most \(positionalCount)") positional \(noun) (\(positional.count) given)"
                )
            }
            extra = Array(positional[positionalCount...])
        }
        for index in 0..<min(positional.count, positionalCount) { values[index] = positional[index] }
        let varArgsIndex = code.hasVarArgs ? positionalCount : nil
        let kwArgsIndex = code.hasKwArgs ? parameters.count - 1 : nil
        var kwargs: StarlarkDict?
        for (name, value) in arguments.named {
            if let index = parameters.firstIndex(where: { $0.name == name }), index != varArgsIndex,
                index != kwArgsIndex
            {
                guard values[index] == nil else {
                    throw StarlarkError("function \(code.name) got multiple values for parameter \"\(name)\"")
                }
                values[index] = value
            } else if kwArgsIndex != nil {
                let dict = kwargs ?? StarlarkDict()
                kwargs = dict
                if try dict.get(.string(name)) != nil {
                    throw StarlarkError("function \(code.name) got multiple values for parameter \"\(name)\"")
                }
                try dict.set(.string(name), value)
            } else {
                var message = "function \(code.name) got an unexpected keyword argument \(name)"
                let names = parameters.enumerated().filter { $0.offset != varArgsIndex && $0.offset != kwArgsIndex }
                    .map(\.element.name)
                if let suggestion = Spelling.nearest(name, in: names) { message += " (did you mean \(suggestion)?)" }
                throw StarlarkError(message)
            }
        }
        if let varArgsIndex { values[varArgsIndex] = .tuple(extra) }
        if let kwArgsIndex { values[kwArgsIndex] = .dict(kwargs ?? StarlarkDict()) }
        var missing: [String] = []
        for index in values.indices where values[index] == nil {
            if let defaultValue = function.defaults[index] {
                values[index] = defaultValue
            } else {
                missing.append(parameters[index].name)
            }
        }
        if !missing.isEmpty {
            let noun = missing.count == 1 ? "argument" : "arguments"
            throw StarlarkError(
                "function \(code.name) missing \(missing.count) \(noun) (\(missing.joined(separator: ", ")))")
        }
        for (index, variable) in parameters.enumerated() {
            if let cell = variable.cellIndex {
                frame.cells[cell].value = values[index]
            } else {
                frame.slots[variable.slot] = values[index]
            }
        }
    }
}
