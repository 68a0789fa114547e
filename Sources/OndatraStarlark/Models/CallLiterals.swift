import Starlark

/// String literals passed as the first argument of calls to a global function, found in the syntax
/// tree without running anything: `query("SELECT …")` → `SELECT …`.
enum CallLiterals {
    static func strings(calling function: String, in syntax: FileSyntax) -> [String] {
        var found: [String] = []
        for statement in syntax.statements { visit(statement, function, &found) }
        return found
    }

    private static func visit(_ statement: Statement, _ function: String, _ found: inout [String]) {
        switch statement {
        case .expression(let expression, _), .return(let expression?, _): visit(expression, function, &found)
        case .assign(let target, let value, _), .augmentedAssign(_, let target, let value, _):
            visit(target, function, &found)
            visit(value, function, &found)
        case .def(let syntax): visit(syntax, function, &found)
        case .if(let condition, let then, let otherwise, _):
            visit(condition, function, &found)
            for inner in then + otherwise { visit(inner, function, &found) }
        case .for(let target, let iterable, let body, _):
            visit(target, function, &found)
            visit(iterable, function, &found)
            for inner in body { visit(inner, function, &found) }
        case .while(let condition, let body, _):
            visit(condition, function, &found)
            for inner in body { visit(inner, function, &found) }
        case .return(nil, _), .break, .continue, .pass, .load: break
        }
    }

    private static func visit(_ syntax: FunctionSyntax, _ function: String, _ found: inout [String]) {
        for parameter in syntax.parameters {
            if case .optional(let value) = parameter.kind { visit(value, function, &found) }
        }
        for statement in syntax.body { visit(statement, function, &found) }
    }

    private static func visit(_ expression: Expression, _ function: String, _ found: inout [String]) {
        switch expression {
        case .call(let callee, let arguments, _):
            if case .identifier(let name) = callee, name.name == function, let first = arguments.first,
                case .positional = first.kind, case .string(let text, _) = first.value
            {
                found.append(text)
            }
            visit(callee, function, &found)
            for argument in arguments { visit(argument.value, function, &found) }
        case .identifier, .int, .float, .string, .bytes: break
        case .list(let items, _), .tuple(let items, _): for item in items { visit(item, function, &found) }
        case .dict(let entries, _):
            for entry in entries {
                visit(entry.key, function, &found)
                visit(entry.value, function, &found)
            }
        case .unary(_, let operand, _), .parenthesized(let operand, _), .dot(let operand, _, _):
            visit(operand, function, &found)
        case .binary(_, let left, let right, _), .index(let left, let right, _):
            visit(left, function, &found)
            visit(right, function, &found)
        case .conditional(let condition, let then, let otherwise, _):
            for part in [condition, then, otherwise] { visit(part, function, &found) }
        case .lambda(let syntax): visit(syntax, function, &found)
        case .slice(let base, let start, let end, let step, _):
            for part in [base, start, end, step].compactMap({ $0 }) { visit(part, function, &found) }
        case .comprehension(let comprehension):
            visit(comprehension.body, function, &found)
            if let value = comprehension.value { visit(value, function, &found) }
            for clause in comprehension.clauses {
                switch clause {
                case .for(let target, let iterable, _):
                    visit(target, function, &found)
                    visit(iterable, function, &found)
                case .if(let condition, _): visit(condition, function, &found)
                }
            }
        }
    }
}
