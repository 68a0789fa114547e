/// Name resolution state for one function body (or the top level of a file).
final class Scope {
    let parent: Scope?
    let code: FunctionCode
    /// Names bound in the function body: parameters, assignments, loop targets, nested defs.
    var locals: [String: LocalVariable] = [:]
    /// Comprehension scopes inside this function, innermost last.
    var blocks: [[String: LocalVariable]] = []
    /// Variables of enclosing functions used here, by name: index into the closure's cells.
    var freeIndices: [String: Int] = [:]
    var freeSources: [MakeFunctionNode.FreeSource] = []

    init(parent: Scope?, code: FunctionCode) {
        self.parent = parent
        self.code = code
    }

    var isModule: Bool { code.isModule }

    /// Allocates a new local slot.
    func newVariable(_ name: String) -> LocalVariable {
        let variable = LocalVariable(name: name, slot: code.slotCount)
        code.slotCount += 1
        return variable
    }

    /// A variable bound in this function (comprehension scopes first), if any.
    func lookupLocal(_ name: String) -> LocalVariable? {
        for block in blocks.reversed() {
            if let variable = block[name] { return variable }
        }
        return isModule ? nil : locals[name]
    }

    /// Marks `variable` as captured by a closure, giving it a cell.
    func capture(_ variable: LocalVariable) {
        if variable.cellIndex == nil {
            variable.cellIndex = code.cellCount
            code.cellCount += 1
        }
    }

    /// Resolves `name` as a variable of an enclosing function, returning its free-cell index here.
    func resolveFree(_ name: String) -> Int? {
        if let index = freeIndices[name] { return index }
        guard let parent else { return nil }
        let source: MakeFunctionNode.FreeSource
        if let variable = parent.lookupLocal(name) {
            parent.capture(variable)
            source = .local(variable)
        } else if !parent.isModule, let index = parent.resolveFree(name) {
            source = .free(index)
        } else {
            return nil
        }
        let index = freeSources.count
        freeSources.append(source)
        freeIndices[name] = index
        return index
    }
}

/// Collects the names a block of statements binds, not looking into nested functions or
/// comprehensions (which have their own scopes).
enum BindingCollector {
    static func names(in statements: [Statement]) -> [Identifier] {
        var result: [Identifier] = []
        for statement in statements { collect(statement, into: &result) }
        return result
    }

    private static func collect(_ statement: Statement, into result: inout [Identifier]) {
        switch statement {
        case .assign(let target, _, _), .augmentedAssign(_, let target, _, _): targets(target, into: &result)
        case .def(let function): result.append(Identifier(name: function.name, position: function.position))
        case .if(_, let then, let otherwise, _):
            for inner in then { collect(inner, into: &result) }
            for inner in otherwise { collect(inner, into: &result) }
        case .for(let target, _, let body, _):
            targets(target, into: &result)
            for inner in body { collect(inner, into: &result) }
        case .while(_, let body, _):
            for inner in body { collect(inner, into: &result) }
        case .load(_, let bindings, _):
            for binding in bindings { result.append(binding.local) }
        default: break
        }
    }

    static func targets(_ expression: Expression, into result: inout [Identifier]) {
        switch expression {
        case .identifier(let id): result.append(id)
        case .tuple(let items, _), .list(let items, _): for item in items { targets(item, into: &result) }
        case .parenthesized(let inner, _): targets(inner, into: &result)
        default: break
        }
    }
}
