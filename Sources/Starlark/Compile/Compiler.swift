import BigInt

/// Resolves names and turns a file's syntax tree into executable nodes.
struct Compiler {
    let options: DialectOptions
    let predeclared: [String: Value]
    let universe: [String: Value]
    var globalIndices: [String: Int] = [:]
    var globalNames: [String] = []
    var loadBound: Set<String> = []
    private var scope: Scope
    private var loopDepth = 0

    init(file: String, options: DialectOptions, predeclared: [String: Value], universe: [String: Value]) {
        self.options = options
        self.predeclared = predeclared
        self.universe = universe
        let code = FunctionCode(
            name: "<toplevel>", position: Position(file: file, line: 1, column: 1), parameters: [], positionalCount: 0,
            requiredPositional: 0, keywordOnlyCount: 0, hasVarArgs: false, hasKwArgs: false, isModule: true)
        scope = Scope(parent: nil, code: code)
    }

    /// Compiles a whole file into its top-level code.
    mutating func compile(_ file: FileSyntax) throws -> FunctionCode {
        var declared: [String: Position] = [:]
        for id in BindingCollector.names(in: file.statements) {
            if let first = declared[id.name] {
                guard options.globalReassign else {
                    throw StarlarkSyntaxError(id.position, "cannot reassign global \(id.name) declared at \(first)")
                }
                continue
            }
            declared[id.name] = id.position
            globalIndices[id.name] = globalNames.count
            globalNames.append(id.name)
        }
        for statement in file.statements {
            if case .load(_, let bindings, _) = statement, !options.loadBindsGlobally {
                for binding in bindings { loadBound.insert(binding.local.name) }
            }
        }
        let code = scope.code
        code.body = try compileBlock(file.statements)
        return code
    }

    // MARK: Statements

    private mutating func compileBlock(_ statements: [Statement]) throws -> [StatementNode] {
        var nodes: [StatementNode] = []
        nodes.reserveCapacity(statements.count)
        for statement in statements {
            if let node = try compileStatement(statement) { nodes.append(node) }
        }
        return nodes
    }

    private mutating func compileStatement(_ statement: Statement) throws -> StatementNode? {
        switch statement {
        case .expression(let expression, let position):
            return ExpressionStatement(try compileExpression(expression), position: position)
        case .assign(let target, let value, let position):
            let valueNode = try compileExpression(value)
            return AssignStatement(try compileTarget(target), valueNode, position: position)
        case .augmentedAssign(let op, let target, let value, let position):
            return try compileAugmented(op, target, value, position)
        case .def(let function):
            let make = try compileFunction(function)
            let target = try compileTarget(.identifier(Identifier(name: function.name, position: function.position)))
            return AssignStatement(target, make, position: function.position)
        case .if(let condition, let then, let otherwise, let position):
            if scope.isModule && !options.topLevelControl {
                throw StarlarkSyntaxError(position, "if statement not within a function")
            }
            return IfStatement(
                try compileExpression(condition), try compileBlock(then), try compileBlock(otherwise),
                position: position)
        case .for(let target, let iterable, let body, let position):
            if scope.isModule && !options.topLevelControl {
                throw StarlarkSyntaxError(position, "for loop not within a function")
            }
            let iterableNode = try compileExpression(iterable)
            let targetNode = try compileTarget(target)
            loopDepth += 1
            defer { loopDepth -= 1 }
            return ForStatement(targetNode, iterableNode, try compileBlock(body), position: position)
        case .while(let condition, let body, let position):
            guard options.whileLoops else {
                throw StarlarkSyntaxError(position, "dialect does not support while loops")
            }
            if scope.isModule && !options.topLevelControl {
                throw StarlarkSyntaxError(position, "while loop not within a function")
            }
            let conditionNode = try compileExpression(condition)
            loopDepth += 1
            defer { loopDepth -= 1 }
            return WhileStatement(conditionNode, try compileBlock(body), position: position)
        case .return(let value, let position):
            if scope.isModule { throw StarlarkSyntaxError(position, "return statement not within a function") }
            return ReturnStatement(try value.map { try compileExpression($0) }, position: position)
        case .break(let position):
            guard loopDepth > 0 else { throw StarlarkSyntaxError(position, "break not in a loop") }
            return BreakStatement(position: position)
        case .continue(let position):
            guard loopDepth > 0 else { throw StarlarkSyntaxError(position, "continue not in a loop") }
            return ContinueStatement(position: position)
        case .pass:
            return nil
        case .load(let module, let bindings, let position):
            guard scope.isModule else { throw StarlarkSyntaxError(position, "load statement within a function") }
            var compiled: [(Assigner, String)] = []
            for binding in bindings {
                compiled.append((try compileTarget(.identifier(binding.local)), binding.remote))
            }
            return LoadStatement(module: module, bindings: compiled, position: position)
        }
    }

    private mutating func compileAugmented(
        _ op: BinaryOperator, _ target: Expression, _ value: Expression, _ position: Position
    )
        throws -> StatementNode
    {
        let valueNode: ExpressionNode
        switch target {
        case .identifier(let id):
            let read = try resolve(id)
            let write = try compileTarget(target)
            valueNode = try compileExpression(value)
            return AugmentedAssignStatement(op, .variable(read: read, write: write), valueNode, position: position)
        case .index(let container, let key, _):
            let containerNode = try compileExpression(container)
            let keyNode = try compileExpression(key)
            valueNode = try compileExpression(value)
            return AugmentedAssignStatement(
                op, .index(container: containerNode, key: keyNode), valueNode, position: position)
        case .dot(let object, let name, _):
            let objectNode = try compileExpression(object)
            valueNode = try compileExpression(value)
            return AugmentedAssignStatement(
                op, .dot(target: objectNode, name: name.name), valueNode, position: position)
        case .parenthesized(let inner, _):
            return try compileAugmented(op, inner, value, position)
        default:
            throw StarlarkSyntaxError(target.position, "cannot use \(op.rawValue)= with \(describe(target))")
        }
    }

    private func describe(_ expression: Expression) -> String {
        switch expression {
        case .tuple: "tuple expression"
        case .list: "list expression"
        case .call: "function call"
        case .int, .float, .string, .bytes: "literal"
        default: "expression"
        }
    }

    private mutating func compileTarget(_ target: Expression) throws -> Assigner {
        switch target {
        case .identifier(let id):
            if let variable = scope.lookupLocal(id.name) { return LocalAssigner(variable, position: id.position) }
            if scope.isModule, let index = globalIndices[id.name] {
                return GlobalAssigner(index: index, position: id.position)
            }
            throw StarlarkSyntaxError(id.position, "internal error: unresolved assignment to \(id.name)")
        case .tuple(let items, let position), .list(let items, let position):
            return UnpackAssigner(try items.map { try compileTarget($0) }, position: position)
        case .parenthesized(let inner, _):
            return try compileTarget(inner)
        case .index(let container, let key, let position):
            return IndexAssigner(try compileExpression(container), try compileExpression(key), position: position)
        case .dot(let object, let name, let position):
            return DotAssigner(try compileExpression(object), name.name, position: position)
        default:
            throw StarlarkSyntaxError(target.position, "cannot assign to \(describe(target))")
        }
    }

    // MARK: Expressions

    private mutating func resolve(_ id: Identifier) throws -> ExpressionNode {
        if let variable = scope.lookupLocal(id.name) { return LocalGetNode(variable, position: id.position) }
        if !scope.isModule, let index = scope.resolveFree(id.name) {
            return FreeGetNode(index: index, name: id.name, position: id.position)
        }
        if let index = globalIndices[id.name] {
            return GlobalGetNode(
                index: index, name: id.name, isFileLocal: loadBound.contains(id.name), position: id.position)
        }
        if let value = predeclared[id.name] { return ConstantNode(value, position: id.position) }
        if let value = universe[id.name] { return ConstantNode(value, position: id.position) }
        var message = "undefined: \(id.name)"
        let known =
            Array(globalIndices.keys) + Array(predeclared.keys) + Array(universe.keys) + Array(scope.locals.keys)
        if let suggestion = Spelling.nearest(id.name, in: known) { message += " (did you mean \(suggestion)?)" }
        throw StarlarkSyntaxError(id.position, message)
    }

    mutating func compileExpression(_ expression: Expression) throws -> ExpressionNode {
        switch expression {
        case .identifier(let id):
            return try resolve(id)
        case .int(let literal, let position):
            if let small = Int(literal.digits, radix: literal.radix) {
                return ConstantNode(.int(small), position: position)
            }
            guard let big = BigInt(literal.digits, radix: literal.radix) else {
                throw StarlarkSyntaxError(position, "invalid int literal \(literal.text)")
            }
            return ConstantNode(.int(big), position: position)
        case .float(let value, let position):
            return ConstantNode(.float(value), position: position)
        case .string(let text, let position):
            return ConstantNode(.string(text), position: position)
        case .bytes(let bytes, let position):
            return ConstantNode(.bytes(bytes), position: position)
        case .list(let items, let position):
            return ListNode(try items.map { try compileExpression($0) }, position: position)
        case .tuple(let items, let position):
            let nodes = try items.map { try compileExpression($0) }
            if let constants = constantValues(nodes) { return ConstantNode(.tuple(constants), position: position) }
            return TupleNode(nodes, position: position)
        case .dict(let entries, let position):
            return DictNode(
                try entries.map { (try compileExpression($0.key), try compileExpression($0.value)) }, position: position
            )
        case .parenthesized(let inner, _):
            return try compileExpression(inner)
        case .unary(let op, let operand, let position):
            return UnaryNode(op, try compileExpression(operand), position: position)
        case .binary(let op, let left, let right, let position):
            let leftNode = try compileExpression(left)
            let rightNode = try compileExpression(right)
            switch op {
            case .and: return AndNode(leftNode, rightNode, position: position)
            case .or: return OrNode(leftNode, rightNode, position: position)
            default: return BinaryNode(op, leftNode, rightNode, position: position)
            }
        case .conditional(let condition, let then, let otherwise, let position):
            return ConditionalNode(
                try compileExpression(condition), try compileExpression(then), try compileExpression(otherwise),
                position: position)
        case .lambda(let function):
            return try compileFunction(function)
        case .call(let callee, let arguments, let position):
            let compiledArguments = try compileArguments(arguments)
            if case .dot(let receiver, let name, _) = callee {
                return MethodCallNode(try compileExpression(receiver), name.name, compiledArguments, position: position)
            }
            let calleeNode = try compileExpression(callee)
            // `len(x)` of the universal builtin runs inline: it is in nearly every loop.
            if let constant = calleeNode as? ConstantNode, case .builtin(let builtin) = constant.value,
                builtin.name == "len", builtin.receiver == nil, compiledArguments.isSimple,
                compiledArguments.positional.count == 1
            {
                return LenNode(compiledArguments.positional[0], position: position)
            }
            return CallNode(calleeNode, compiledArguments, position: position)
        case .index(let container, let key, let position):
            return IndexNode(try compileExpression(container), try compileExpression(key), position: position)
        case .slice(let container, let start, let end, let step, let position):
            return SliceNode(
                try compileExpression(container), try start.map { try compileExpression($0) },
                try end.map { try compileExpression($0) },
                try step.map { try compileExpression($0) }, position: position)
        case .dot(let target, let name, let position):
            return DotNode(try compileExpression(target), name.name, position: position)
        case .comprehension(let comprehension):
            return try compileComprehension(comprehension)
        }
    }

    private func constantValues(_ nodes: [ExpressionNode]) -> [Value]? {
        var values: [Value] = []
        for node in nodes {
            guard let constant = node as? ConstantNode else { return nil }
            switch constant.value {
            case .none, .bool, .int, .bigInt, .float, .string, .bytes, .tuple: values.append(constant.value)
            default: return nil
            }
        }
        return values
    }

    private mutating func compileArguments(_ arguments: [Argument]) throws -> CallArguments {
        var result = CallArguments()
        var seen: Set<String> = []
        for argument in arguments {
            switch argument.kind {
            case .positional:
                if !result.named.isEmpty || result.starStar != nil || result.star != nil {
                    let what = result.star != nil && result.named.isEmpty && result.starStar == nil ? "*args" : "named"
                    throw StarlarkSyntaxError(argument.position, "positional argument may not follow \(what)")
                }
                result.positional.append(try compileExpression(argument.value))
            case .keyword(let name):
                if result.starStar != nil {
                    throw StarlarkSyntaxError(argument.position, "keyword argument may not follow **kwargs")
                }
                guard seen.insert(name.name).inserted else {
                    throw StarlarkSyntaxError(argument.position, "keyword argument \(name.name) repeated")
                }
                result.named.append((name.name, try compileExpression(argument.value)))
            case .star:
                if result.star != nil { throw StarlarkSyntaxError(argument.position, "multiple *args not allowed") }
                if result.starStar != nil {
                    throw StarlarkSyntaxError(argument.position, "*args may not follow **kwargs")
                }
                result.star = try compileExpression(argument.value)
            case .starStar:
                if result.starStar != nil {
                    throw StarlarkSyntaxError(argument.position, "multiple **kwargs not allowed")
                }
                result.starStar = try compileExpression(argument.value)
            }
        }
        return result
    }

    private mutating func compileComprehension(_ comprehension: Comprehension) throws -> ExpressionNode {
        var clauses: [ComprehensionNode.Clause] = []
        // The first iterable is evaluated in the enclosing scope, before the comprehension's names exist.
        var firstIterable: ExpressionNode?
        if case .for(_, let iterable, _) = comprehension.clauses.first {
            firstIterable = try compileExpression(iterable)
        }
        var block: [String: LocalVariable] = [:]
        for clause in comprehension.clauses {
            guard case .for(let target, _, _) = clause else { continue }
            var names: [Identifier] = []
            BindingCollector.targets(target, into: &names)
            for name in names where block[name.name] == nil { block[name.name] = scope.newVariable(name.name) }
        }
        scope.blocks.append(block)
        defer { scope.blocks.removeLast() }
        let savedLoopDepth = loopDepth
        loopDepth = 0
        defer { loopDepth = savedLoopDepth }
        for (index, clause) in comprehension.clauses.enumerated() {
            switch clause {
            case .for(let target, let iterable, let position):
                let iterableNode: ExpressionNode
                if index == 0, let firstIterable {
                    iterableNode = firstIterable
                } else {
                    iterableNode = try compileExpression(iterable)
                }
                clauses.append(.loop(target: try compileTarget(target), iterable: iterableNode, position: position))
            case .if(let condition, _):
                clauses.append(.condition(try compileExpression(condition)))
            }
        }
        let body = try compileExpression(comprehension.body)
        let value = try comprehension.value.map { try compileExpression($0) }
        return ComprehensionNode(clauses: clauses, body: body, value: value, position: comprehension.position)
    }

    private mutating func compileFunction(_ function: FunctionSyntax) throws -> ExpressionNode {
        var positional: [Parameter] = []
        var keywordOnly: [Parameter] = []
        var varArgs: Parameter?
        var kwArgs: Parameter?
        var sawStar = false
        var sawOptional = false
        var names: Set<String> = []
        for parameter in function.parameters {
            if let name = parameter.name {
                guard names.insert(name.name).inserted else {
                    throw StarlarkSyntaxError(parameter.position, "duplicate parameter: \(name.name)")
                }
            }
            if kwArgs != nil {
                throw StarlarkSyntaxError(
                    parameter.position, "parameter may not follow **\(kwArgs?.name?.name ?? "kwargs")")
            }
            switch parameter.kind {
            case .required:
                if sawStar {
                    keywordOnly.append(parameter)
                } else {
                    if sawOptional {
                        throw StarlarkSyntaxError(parameter.position, "required parameter may not follow optional")
                    }
                    positional.append(parameter)
                }
            case .optional:
                if sawStar { keywordOnly.append(parameter) } else { positional.append(parameter) }
                sawOptional = true
            case .star:
                if sawStar { throw StarlarkSyntaxError(parameter.position, "multiple * parameters not allowed") }
                sawStar = true
                if parameter.name != nil { varArgs = parameter }
            case .starStar:
                kwArgs = parameter
            }
        }
        if sawStar && varArgs == nil && keywordOnly.isEmpty {
            throw StarlarkSyntaxError(function.position, "bare * must be followed by keyword-only parameters")
        }

        // Defaults are evaluated where the function is defined.
        var ordered: [Parameter] = positional
        if let varArgs { ordered.append(varArgs) }
        ordered += keywordOnly
        if let kwArgs { ordered.append(kwArgs) }
        var defaults: [ExpressionNode?] = []
        for parameter in ordered {
            if case .optional(let expression) = parameter.kind {
                defaults.append(try compileExpression(expression))
            } else {
                defaults.append(nil)
            }
        }

        let placeholder = FunctionCode(
            name: function.name, position: function.position, parameters: [], positionalCount: 0, requiredPositional: 0,
            keywordOnlyCount: 0, hasVarArgs: false, hasKwArgs: false, isModule: false)
        let inner = Scope(parent: scope, code: placeholder)
        var parameterVariables: [LocalVariable] = []
        for parameter in ordered {
            let variable = inner.newVariable(parameter.name?.name ?? "*")
            inner.locals[variable.name] = variable
            parameterVariables.append(variable)
        }
        let code = FunctionCode(
            name: function.name, position: function.position, parameters: parameterVariables,
            positionalCount: positional.count,
            requiredPositional: positional.filter { if case .required = $0.kind { true } else { false } }.count,
            keywordOnlyCount: keywordOnly.count, hasVarArgs: varArgs != nil, hasKwArgs: kwArgs != nil, isModule: false)
        code.slotCount = placeholder.slotCount
        let scopeForBody = Scope(parent: scope, code: code)
        scopeForBody.locals = inner.locals
        for id in BindingCollector.names(in: function.body) where scopeForBody.locals[id.name] == nil {
            scopeForBody.locals[id.name] = scopeForBody.newVariable(id.name)
        }

        let outerScope = scope
        let outerLoopDepth = loopDepth
        scope = scopeForBody
        loopDepth = 0
        defer {
            scope = outerScope
            loopDepth = outerLoopDepth
        }
        code.body = try compileBlock(function.body)
        code.finishLayout()
        return MakeFunctionNode(
            code: code, defaults: defaults, freeSources: scopeForBody.freeSources, position: function.position)
    }
}
