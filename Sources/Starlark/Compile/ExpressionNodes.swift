/// A constant: literals, predeclared and universal values.
final class ConstantNode: ExpressionNode {
    let value: Value

    init(_ value: Value, position: Position) {
        self.value = value
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value { value }
}

/// Reads a local variable (from its slot, or its cell once captured).
final class LocalGetNode: ExpressionNode {
    let variable: LocalVariable

    init(_ variable: LocalVariable, position: Position) {
        self.variable = variable
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let value = variable.cellIndex.map { frame.cells[$0].value } ?? frame.slots[variable.slot]
        guard let value else {
            throw StarlarkError("local variable \(variable.name) referenced before assignment").located(at: position)
        }
        return value
    }
}

/// Reads a variable of an enclosing function through the closure's cell.
final class FreeGetNode: ExpressionNode {
    let index: Int
    let name: String

    init(index: Int, name: String, position: Position) {
        self.index = index
        self.name = name
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        guard let value = frame.freeCells[index].value else {
            throw StarlarkError("local variable \(name) referenced before assignment").located(at: position)
        }
        return value
    }
}

/// Reads a global of the current file (or a name bound by `load`, which is local to the file).
final class GlobalGetNode: ExpressionNode {
    let index: Int
    let name: String
    let isFileLocal: Bool

    init(index: Int, name: String, isFileLocal: Bool, position: Position) {
        self.index = index
        self.name = name
        self.isFileLocal = isFileLocal
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        guard let value = frame.module.globals[index] else {
            let kind = isFileLocal ? "local" : "global"
            throw StarlarkError("\(kind) variable \(name) referenced before assignment").located(at: position)
        }
        return value
    }
}

/// The values of `nodes`, in order.
@inline(__always)
func evaluateAll(_ nodes: [ExpressionNode], _ frame: Frame) throws -> [Value] {
    var values: [Value] = []
    values.reserveCapacity(nodes.count)
    for node in nodes { values.append(try node.eval(frame)) }
    return values
}

final class ListNode: ExpressionNode {
    let items: [ExpressionNode]

    init(_ items: [ExpressionNode], position: Position) {
        self.items = items
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        .list(StarlarkList(try evaluateAll(items, frame)))
    }
}

final class TupleNode: ExpressionNode {
    let items: [ExpressionNode]

    init(_ items: [ExpressionNode], position: Position) {
        self.items = items
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        .tuple(try evaluateAll(items, frame))
    }
}

final class DictNode: ExpressionNode {
    let entries: [(ExpressionNode, ExpressionNode)]

    init(_ entries: [(ExpressionNode, ExpressionNode)], position: Position) {
        self.entries = entries
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let dict = StarlarkDict()
        for (keyNode, valueNode) in entries {
            let key = try keyNode.eval(frame)
            let value = try valueNode.eval(frame)
            do {
                if try dict.get(key) != nil { throw StarlarkError("duplicate key: \(key.repr)") }
                try dict.set(key, value)
            } catch {
                throw error.located(at: keyNode.position)
            }
        }
        return .dict(dict)
    }
}

final class UnaryNode: ExpressionNode {
    let op: UnaryOperator
    let operand: ExpressionNode

    init(_ op: UnaryOperator, _ operand: ExpressionNode, position: Position) {
        self.op = op
        self.operand = operand
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let value = try operand.eval(frame)
        do {
            return try Operators.unary(op, value)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class BinaryNode: ExpressionNode {
    let op: BinaryOperator
    let left: ExpressionNode
    let right: ExpressionNode

    init(_ op: BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode, position: Position) {
        self.op = op
        self.left = left
        self.right = right
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let a = try left.eval(frame)
        let b = try right.eval(frame)
        // Fast paths for the small-int arithmetic and comparisons that dominate loops.
        if case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .plus:
                let (sum, overflow) = x.addingReportingOverflow(y)
                if !overflow { return .int(sum) }
            case .minus:
                let (difference, overflow) = x.subtractingReportingOverflow(y)
                if !overflow { return .int(difference) }
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            default: break
            }
        }
        do {
            return try Operators.binary(op, a, b)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class AndNode: ExpressionNode {
    let left: ExpressionNode
    let right: ExpressionNode

    init(_ left: ExpressionNode, _ right: ExpressionNode, position: Position) {
        self.left = left
        self.right = right
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let a = try left.eval(frame)
        return a.truth ? try right.eval(frame) : a
    }
}

final class OrNode: ExpressionNode {
    let left: ExpressionNode
    let right: ExpressionNode

    init(_ left: ExpressionNode, _ right: ExpressionNode, position: Position) {
        self.left = left
        self.right = right
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let a = try left.eval(frame)
        return a.truth ? a : try right.eval(frame)
    }
}

final class ConditionalNode: ExpressionNode {
    let condition: ExpressionNode
    let then: ExpressionNode
    let otherwise: ExpressionNode

    init(_ condition: ExpressionNode, _ then: ExpressionNode, _ otherwise: ExpressionNode, position: Position) {
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        try condition.eval(frame).truth ? try then.eval(frame) : try otherwise.eval(frame)
    }
}

final class IndexNode: ExpressionNode {
    let container: ExpressionNode
    let key: ExpressionNode

    init(_ container: ExpressionNode, _ key: ExpressionNode, position: Position) {
        self.container = container
        self.key = key
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let target = try container.eval(frame)
        let index = try key.eval(frame)
        if case .list(let list) = target, case .int(let i) = index, i >= 0, i < list.elements.count {
            return list.elements[i]
        }
        do {
            return try Operators.index(target, index)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class SliceNode: ExpressionNode {
    let container: ExpressionNode
    let start: ExpressionNode?
    let end: ExpressionNode?
    let step: ExpressionNode?

    init(
        _ container: ExpressionNode, _ start: ExpressionNode?, _ end: ExpressionNode?, _ step: ExpressionNode?,
        position: Position
    ) {
        self.container = container
        self.start = start
        self.end = end
        self.step = step
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let target = try container.eval(frame)
        let from = try start?.eval(frame) ?? .none
        let to = try end?.eval(frame) ?? .none
        let by = try step?.eval(frame) ?? .none
        do {
            return try Operators.slice(target, from, to, by)
        } catch {
            throw error.located(at: position)
        }
    }
}

final class DotNode: ExpressionNode {
    let target: ExpressionNode
    let name: String

    init(_ target: ExpressionNode, _ name: String, position: Position) {
        self.target = target
        self.name = name
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        let value = try target.eval(frame)
        do {
            return try Operators.attribute(value, name)
        } catch {
            throw error.located(at: position)
        }
    }
}

/// Makes a function value: evaluates the defaults and collects the cells the closure captures.
final class MakeFunctionNode: ExpressionNode {
    let code: FunctionCode
    let defaults: [ExpressionNode?]
    let freeSources: [FreeSource]

    enum FreeSource {
        case local(LocalVariable)
        case free(Int)
    }

    init(code: FunctionCode, defaults: [ExpressionNode?], freeSources: [FreeSource], position: Position) {
        self.code = code
        self.defaults = defaults
        self.freeSources = freeSources
        super.init(position: position)
    }

    override func eval(_ frame: Frame) throws -> Value {
        var values: [Value?] = []
        values.reserveCapacity(defaults.count)
        for node in defaults { values.append(try node?.eval(frame)) }
        let cells = freeSources.map { source -> Cell in
            switch source {
            case .local(let variable):
                // The variable was marked captured before any code ran, so it has a cell.
                return variable.cellIndex.map { frame.cells[$0] } ?? Cell(frame.slots[variable.slot])
            case .free(let index): return frame.freeCells[index]
            }
        }
        return .function(StarlarkFunction(code: code, module: frame.module, defaults: values, freeCells: cells))
    }
}
