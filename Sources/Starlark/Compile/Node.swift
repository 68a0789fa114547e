/// An executable expression: the compiler turns the syntax tree into these, with every name
/// already resolved to a slot, a cell, a global index or a constant.
class ExpressionNode {
    let position: Position

    init(position: Position) { self.position = position }

    /// Evaluates the expression in `frame`.
    func eval(_ frame: Frame) throws -> Value {
        throw StarlarkError("internal error: unevaluable expression")
    }
}

/// What a statement tells the enclosing block to do next.
enum Flow {
    case normal, breakLoop, continueLoop, returned
}

/// An executable statement.
class StatementNode {
    let position: Position

    init(position: Position) { self.position = position }

    /// Executes the statement.
    func exec(_ frame: Frame) throws -> Flow { .normal }
}

extension Error {
    /// The error with `position` recorded as where it happened, unless a deeper node already did.
    @inline(never)
    func located(at position: Position) -> Error {
        guard var error = self as? StarlarkError else { return self }
        if error.position == nil { error.position = position }
        if error.pendingPosition == nil { error.pendingPosition = position }
        return error
    }
}

/// Runs a block of statements, stopping at break, continue or return.
@inline(__always)
func execBlock(_ statements: [StatementNode], _ frame: Frame) throws -> Flow {
    for statement in statements {
        let flow = try statement.exec(frame)
        if case .normal = flow { continue }
        return flow
    }
    return .normal
}
