/// The arguments of a call site, compiled.
struct CallArguments {
    var positional: [ExpressionNode] = []
    var named: [(String, ExpressionNode)] = []
    var star: ExpressionNode?
    var starStar: ExpressionNode?

    var isSimple: Bool { named.isEmpty && star == nil && starStar == nil }

    func evaluate(_ frame: Frame) throws -> Arguments {
        var positionalValues: [Value] = []
        positionalValues.reserveCapacity(positional.count)
        for node in positional { positionalValues.append(try node.eval(frame)) }
        var namedValues: [(name: String, value: Value)] = []
        for (name, node) in named { namedValues.append((name, try node.eval(frame))) }
        if let star {
            let value = try star.eval(frame)
            do {
                positionalValues.append(contentsOf: try Operators.elements(value))
            } catch {
                throw StarlarkError("argument after * must be iterable, not \(value.typeName)").located(
                    at: star.position)
            }
        }
        return try finish(frame, positionalValues, namedValues)
    }

    private func finish(_ frame: Frame, _ positional: [Value], _ named: [(name: String, value: Value)]) throws
        -> Arguments
    {
        var named = named
        if let starStar {
            let value = try starStar.eval(frame)
            guard case .dict(let dict) = value else {
                throw StarlarkError("argument after ** must be a mapping, not \(value.typeName)").located(
                    at: starStar.position)
            }
            for (key, item) in dict.entries {
                guard case .string(let name) = key else {
                    throw StarlarkError("keywords must be strings, not \(key.typeName)").located(at: starStar.position)
                }
                named.append((name, item))
            }
        }
        return Arguments(positional, named: named)
    }
}

/// `f(args)`.
final class CallNode: ExpressionNode {
    let callee: ExpressionNode
    let arguments: CallArguments

    init(_ callee: ExpressionNode, _ arguments: CallArguments, position: Position) {
        self.callee = callee
        self.arguments = arguments
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let function = try callee.eval(frame)
        do {
            // Fast path: a Starlark function called with exactly its positional parameters.
            if case .function(let starlarkFunction) = function, arguments.isSimple,
                starlarkFunction.code.acceptsExactly(arguments.positional.count)
            {
                return try frame.thread.callDirect(starlarkFunction, arguments.positional, from: frame)
            }
            let values = try arguments.evaluate(frame)
            return try frame.thread.call(function, values)
        } catch var error as StarlarkError {
            // A callee's frame was recorded and cleared the pending position; an error in an
            // argument keeps the deeper position it already has.
            if error.pendingPosition == nil { error.pendingPosition = position }
            if error.position == nil { error.position = position }
            throw error
        }
    }
}

/// `len(x)` with the universal `len`.
final class LenNode: ExpressionNode {
    let operand: ExpressionNode

    init(_ operand: ExpressionNode, position: Position) {
        self.operand = operand
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let value = try operand.eval(frame)
        guard let count = Operators.length(value) else {
            throw StarlarkError("len: value of type \(value.typeName) has no len").located(at: position)
        }
        return .int(count)
    }
}

/// `x.name(args)` for the built-in types: calls the method without making a bound value first.
final class MethodCallNode: ExpressionNode {
    let receiver: ExpressionNode
    let name: String
    let arguments: CallArguments

    init(_ receiver: ExpressionNode, _ name: String, _ arguments: CallArguments, position: Position) {
        self.receiver = receiver
        self.name = name
        self.arguments = arguments
        super.init(position: position)
    }

    /// The method found for the receiver kind seen last (call sites rarely change receiver type).
    private var cachedKind: MethodTables.Kind?
    private var cachedMethod: MethodBody?

    override func eval(_ frame: Frame) throws -> Value {
        let target = try receiver.eval(frame)
        // The commonest methods of loops run inline, skipping argument packing.
        if arguments.isSimple {
            switch target {
            case .list(let list) where name == "append" && arguments.positional.count == 1:
                let element = try arguments.positional[0].eval(frame)
                do {
                    try list.checkMutable("append to")
                } catch var error as StarlarkError {
                    error.message = "append: " + error.message
                    throw error.located(at: position)
                }
                list.elements.append(element)
                return .none
            case .dict(let dict) where name == "get" && (1...2).contains(arguments.positional.count):
                let key = try arguments.positional[0].eval(frame)
                let fallback = arguments.positional.count == 2 ? try arguments.positional[1].eval(frame) : .none
                do {
                    return try dict.get(key) ?? fallback
                } catch var error as StarlarkError {
                    error.message = "get: " + error.message
                    throw error.located(at: position)
                }
            default: break
            }
        }
        let kind = MethodTables.kind(of: target)
        let found: MethodBody?
        if let kind, kind == cachedKind {
            found = cachedMethod
        } else {
            found = MethodTables.method(for: target, name)
            cachedKind = kind
            cachedMethod = found
        }
        if let method = found {
            let values = try arguments.evaluate(frame)
            do {
                return try method(frame.thread, target, values)
            } catch var error as StarlarkError {
                if !error.message.hasPrefix("\(name): ") && error.position == nil && !error.isFailure
                    && !error.isCancellation
                    && error.callStack.isEmpty
                {
                    error.message = "\(name): " + error.message
                }
                if error.pendingPosition == nil { error.pendingPosition = position }
                if error.position == nil { error.position = position }
                throw error
            }
        }
        let function: Value
        do {
            function = try Operators.attribute(target, name)
        } catch {
            throw error.located(at: position)
        }
        let values = try arguments.evaluate(frame)
        do {
            return try frame.thread.call(function, values)
        } catch var error as StarlarkError {
            // A callee's frame was recorded and cleared the pending position; an error in an
            // argument keeps the deeper position it already has.
            if error.pendingPosition == nil { error.pendingPosition = position }
            if error.position == nil { error.position = position }
            throw error
        }
    }
}

/// A list or dict comprehension; its loop variables live in slots of the enclosing frame.
final class ComprehensionNode: ExpressionNode {
    enum Clause {
        case loop(target: Assigner, iterable: ExpressionNode, position: Position)
        case condition(ExpressionNode)
    }

    let clauses: [Clause]
    let body: ExpressionNode
    let value: ExpressionNode?

    init(clauses: [Clause], body: ExpressionNode, value: ExpressionNode?, position: Position) {
        self.clauses = clauses
        self.body = body
        self.value = value
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        if value != nil {
            let dict = StarlarkDict()
            try run(0, frame) {
                let key = try self.body.eval(frame)
                let item = try self.value?.eval(frame) ?? .none
                do {
                    try dict.set(key, item)
                } catch {
                    throw error.located(at: self.body.position)
                }
            }
            return .dict(dict)
        }
        var elements: [Value] = []
        try run(0, frame) { elements.append(try self.body.eval(frame)) }
        return .list(StarlarkList(elements))
    }

    private func run(_ index: Int, _ frame: Frame, _ emit: () throws -> Void) throws {
        guard index < clauses.count else {
            try emit()
            return
        }
        switch clauses[index] {
        case .condition(let condition):
            if try condition.eval(frame).truth { try run(index + 1, frame, emit) }
        case .loop(let target, let iterable, let position):
            let sequence = try iterable.eval(frame)
            do {
                try Operators.iterate(sequence) { element in
                    try frame.thread.step()
                    try target.assign(frame, element)
                    try run(index + 1, frame, emit)
                    return true
                }
            } catch {
                throw error.located(at: position)
            }
        }
    }
}
