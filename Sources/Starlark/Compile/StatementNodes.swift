/// Something a value can be assigned to: a variable, an element, a field, or a tuple of targets.
class Assigner {
    let position: Position

    init(position: Position) { self.position = position }

    func assign(_ frame: Frame, _ value: Value) throws {}
}

final class LocalAssigner: Assigner {
    let variable: LocalVariable

    init(_ variable: LocalVariable, position: Position) {
        self.variable = variable
        super.init(position: position)
    }

    override func assign(_ frame: Frame, _ value: Value) throws {
        if let cell = variable.cellIndex {
            frame.cells[cell].value = value
        } else {
            frame.slots[variable.slot] = value
        }
    }
}

final class GlobalAssigner: Assigner {
    let index: Int

    init(index: Int, position: Position) {
        self.index = index
        super.init(position: position)
    }

    override func assign(_ frame: Frame, _ value: Value) throws {
        frame.module.globals[index] = value
    }
}

final class IndexAssigner: Assigner {
    let container: ExpressionNode
    let key: ExpressionNode

    init(_ container: ExpressionNode, _ key: ExpressionNode, position: Position) {
        self.container = container
        self.key = key
        super.init(position: position)
    }

    override func assign(_ frame: Frame, _ value: Value) throws {
        let target = try container.eval(frame)
        let index = try key.eval(frame)
        do {
            try Operators.setIndex(target, index, value)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class DotAssigner: Assigner {
    let target: ExpressionNode
    let name: String

    init(_ target: ExpressionNode, _ name: String, position: Position) {
        self.target = target
        self.name = name
        super.init(position: position)
    }

    override func assign(_ frame: Frame, _ value: Value) throws {
        let object = try target.eval(frame)
        do {
            try Operators.setAttribute(object, name, value)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class UnpackAssigner: Assigner {
    let targets: [Assigner]

    init(_ targets: [Assigner], position: Position) {
        self.targets = targets
        super.init(position: position)
    }

    override func assign(_ frame: Frame, _ value: Value) throws {
        let elements: [Value]
        do {
            switch value {
            case .tuple(let items): elements = items
            case .list(let list): elements = list.elements
            case .string, .bytes, .none, .bool, .int, .bigInt, .float, .function, .builtin:
                throw StarlarkError("got \(value.typeName) in sequence assignment")
            default: elements = try Operators.elements(value)
            }
            if elements.count < targets.count {
                throw StarlarkError("too few values to unpack (got \(elements.count), want \(targets.count))")
            }
            if elements.count > targets.count {
                throw StarlarkError("too many values to unpack (got \(elements.count), want \(targets.count))")
            }
        } catch {
            throw error.located(at: position)
        }
        for (target, element) in zip(targets, elements) { try target.assign(frame, element) }
    }
}

final class ExpressionStatement: StatementNode {
    let expression: ExpressionNode

    init(_ expression: ExpressionNode, position: Position) {
        self.expression = expression
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        _ = try expression.eval(frame)
        return .normal
    }
}

final class AssignStatement: StatementNode {
    let target: Assigner
    let value: ExpressionNode

    init(_ target: Assigner, _ value: ExpressionNode, position: Position) {
        self.target = target
        self.value = value
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        try target.assign(frame, try value.eval(frame))
        return .normal
    }
}

/// `x op= y`: the target's parts are evaluated once; lists extend in place for `+=`.
final class AugmentedAssignStatement: StatementNode {
    enum Target {
        case variable(read: ExpressionNode, write: Assigner)
        case index(container: ExpressionNode, key: ExpressionNode)
        case dot(target: ExpressionNode, name: String)
    }

    let op: BinaryOperator
    let target: Target
    let value: ExpressionNode

    init(_ op: BinaryOperator, _ target: Target, _ value: ExpressionNode, position: Position) {
        self.op = op
        self.target = target
        self.value = value
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        switch target {
        case .variable(let read, let write):
            let current = try read.eval(frame)
            let operand = try value.eval(frame)
            try write.assign(frame, try combine(current, operand))
        case .index(let containerNode, let keyNode):
            let container = try containerNode.eval(frame)
            let key = try keyNode.eval(frame)
            do {
                let current = try Operators.index(container, key)
                let operand = try value.eval(frame)
                try Operators.setIndex(container, key, try combine(current, operand))
            } catch {
                throw error.located(at: position)
            }
        case .dot(let targetNode, let name):
            let object = try targetNode.eval(frame)
            do {
                let current = try Operators.attribute(object, name)
                let operand = try value.eval(frame)
                try Operators.setAttribute(object, name, try combine(current, operand))
            } catch {
                throw error.located(at: position)
            }
        }
        return .normal
    }

    private func combine(_ current: Value, _ operand: Value) throws -> Value {
        do {
            // `list += iterable` and `dict |= dict` update in place, so aliases see the change.
            if op == .plus, case .list(let list) = current, Operators.isIterable(operand) {
                if list.isFrozen { throw StarlarkError("cannot apply += to frozen list") }
                try list.checkMutable("apply += to")
                list.elements.append(contentsOf: try Operators.elements(operand))
                return current
            }
            if op == .pipe, case .dict(let dict) = current, case .dict(let other) = operand {
                for (key, value) in other.entries { try dict.set(key, value) }
                return current
            }
            return try Operators.binary(op, current, operand)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class IfStatement: StatementNode {
    let condition: ExpressionNode
    let then: [StatementNode]
    let otherwise: [StatementNode]

    init(_ condition: ExpressionNode, _ then: [StatementNode], _ otherwise: [StatementNode], position: Position) {
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        try execBlock(try condition.eval(frame).truth ? then : otherwise, frame)
    }
}

final class ForStatement: StatementNode {
    let target: Assigner
    let iterable: ExpressionNode
    let body: [StatementNode]

    init(_ target: Assigner, _ iterable: ExpressionNode, _ body: [StatementNode], position: Position) {
        self.target = target
        self.iterable = iterable
        self.body = body
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        let sequence = try iterable.eval(frame)
        var result = Flow.normal
        do {
            try Operators.iterate(sequence) { element in
                try frame.thread.step()
                try target.assign(frame, element)
                switch try execBlock(body, frame) {
                case .normal, .continueLoop: return true
                case .breakLoop: return false
                case .returned:
                    result = .returned
                    return false
                }
            }
        } catch {
            throw error.located(at: position)
        }
        return result
    }
}

final class WhileStatement: StatementNode {
    let condition: ExpressionNode
    let body: [StatementNode]

    init(_ condition: ExpressionNode, _ body: [StatementNode], position: Position) {
        self.condition = condition
        self.body = body
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        while try condition.eval(frame).truth {
            try frame.thread.step()
            switch try execBlock(body, frame) {
            case .normal, .continueLoop: continue
            case .breakLoop: return .normal
            case .returned: return .returned
            }
        }
        return .normal
    }
}

final class ReturnStatement: StatementNode {
    let value: ExpressionNode?

    init(_ value: ExpressionNode?, position: Position) {
        self.value = value
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        frame.returnValue = try value?.eval(frame) ?? .none
        return .returned
    }
}

final class BreakStatement: StatementNode {
    override func exec(_ frame: Frame) throws -> Flow { .breakLoop }
}

final class ContinueStatement: StatementNode {
    override func exec(_ frame: Frame) throws -> Flow { .continueLoop }
}

/// `load("module", …)`: asks the thread's load handler and binds the requested names.
final class LoadStatement: StatementNode {
    let module: String
    let bindings: [(Assigner, String)]

    init(module: String, bindings: [(Assigner, String)], position: Position) {
        self.module = module
        self.bindings = bindings
        super.init(position: position)
    }

    override func exec(_ frame: Frame) throws -> Flow {
        guard let load = frame.thread.load else {
            throw StarlarkError("load not implemented by this application").located(at: position)
        }
        let exported: [String: Value]
        do {
            exported = try load(frame.thread, module)
        } catch var error as StarlarkError {
            error.message = "cannot load \(module): \(error.message)"
            throw error.located(at: position)
        } catch {
            throw StarlarkError("cannot load \(module): \(error)").located(at: position)
        }
        for (target, name) in bindings {
            guard let value = exported[name] else {
                var message = "load: name \(name) not found in module \(module)"
                if let suggestion = Spelling.nearest(name, in: Array(exported.keys)) {
                    message += " (did you mean \(suggestion)?)"
                }
                throw StarlarkError(message).located(at: target.position)
            }
            try target.assign(frame, value)
        }
        return .normal
    }
}
