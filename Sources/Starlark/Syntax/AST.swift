/// The syntax tree of a Starlark file, as the parser builds it.
public struct FileSyntax: Sendable {
    /// The file name used in positions.
    public let file: String
    /// The top-level statements.
    public let statements: [Statement]
}

/// A name in the source.
public struct Identifier: Sendable {
    /// The name.
    public let name: String
    /// Where it starts in the source.
    public let position: Position
}

/// Operators of binary expressions and augmented assignments.
public enum BinaryOperator: String, Sendable {
    case plus = "+", minus = "-", star = "*", slash = "/", slashSlash = "//", percent = "%"
    case ampersand = "&", pipe = "|", caret = "^", lessLess = "<<", greaterGreater = ">>"
    case equal = "==", notEqual = "!=", less = "<", greater = ">", lessEqual = "<=", greaterEqual = ">="
    case `in` = "in", notIn = "not in", and = "and", or = "or"
}

/// Operators of unary expressions.
public enum UnaryOperator: String, Sendable {
    case plus = "+", minus = "-", tilde = "~", not = "not"
}

/// An expression.
public indirect enum Expression: Sendable {
    case identifier(Identifier)
    case int(IntLiteral, Position)
    case float(Double, Position)
    case string(String, Position)
    case bytes([UInt8], Position)
    case list([Expression], Position)
    case tuple([Expression], Position)
    case dict([DictEntry], Position)
    case unary(UnaryOperator, Expression, Position)
    case binary(BinaryOperator, Expression, Expression, Position)
    case conditional(condition: Expression, then: Expression, else: Expression, Position)
    case lambda(FunctionSyntax)
    case call(Expression, [Argument], Position)
    case index(Expression, Expression, Position)
    case slice(Expression, start: Expression?, end: Expression?, step: Expression?, Position)
    case dot(Expression, Identifier, Position)
    case comprehension(Comprehension)
    /// A parenthesized expression, kept so `(x)` is not mistaken for a tuple target.
    case parenthesized(Expression, Position)

    /// Where the expression starts (for operators, where the operator is).
    public var position: Position {
        switch self {
        case .identifier(let id): id.position
        case .int(_, let p), .float(_, let p), .string(_, let p), .bytes(_, let p), .list(_, let p), .tuple(_, let p),
            .dict(_, let p), .unary(_, _, let p), .binary(_, _, _, let p), .conditional(_, _, _, let p),
            .call(_, _, let p),
            .index(_, _, let p), .slice(_, _, _, _, let p), .dot(_, _, let p), .parenthesized(_, let p):
            p
        case .lambda(let function): function.position
        case .comprehension(let comprehension): comprehension.position
        }
    }
}

/// One `key: value` of a dict literal.
public struct DictEntry: Sendable {
    /// The key.
    public let key: Expression
    /// The value.
    public let value: Expression
}

/// One argument of a call.
public struct Argument: Sendable {
    /// How the argument is passed.
    public enum Kind: Sendable {
        case positional
        case keyword(Identifier)
        case star
        case starStar
    }

    /// How it is written.
    public let kind: Kind
    /// The value.
    public let value: Expression
    /// Where it starts in the source.
    public let position: Position
}

/// A list or dict comprehension.
public struct Comprehension: Sendable {
    /// One `for … in …` or `if …` clause.
    public enum Clause: Sendable {
        case `for`(target: Expression, iterable: Expression, Position)
        case `if`(Expression, Position)
    }

    /// Whether this is `{k: v for …}` (else `[e for …]`).
    public let isDict: Bool
    /// The element (list) or key (dict).
    public let body: Expression
    /// The value (dict comprehensions only).
    public let value: Expression?
    /// The for and if clauses, in order.
    public let clauses: [Clause]
    /// Where it starts in the source.
    public let position: Position
}

/// A parameter of a `def` or `lambda`.
public struct Parameter: Sendable {
    /// The parameter's form.
    public enum Kind: Sendable {
        case required
        case optional(Expression)
        /// `*args`, or a bare `*` (name nil) that starts keyword-only parameters.
        case star
        case starStar
    }

    /// The name.
    public let name: Identifier?
    /// How it is written.
    public let kind: Kind
    /// Where it starts in the source.
    public let position: Position
}

/// A function: a `def` statement or a `lambda` expression.
public struct FunctionSyntax: Sendable {
    /// The name.
    public let name: String
    /// The parameters in order.
    public let parameters: [Parameter]
    /// The statements of the body.
    public let body: [Statement]
    /// Where it starts in the source.
    public let position: Position
    /// Whether this is a lambda expression.
    public let isLambda: Bool
}

/// A statement.
public indirect enum Statement: Sendable {
    case expression(Expression, Position)
    case assign(target: Expression, value: Expression, Position)
    case augmentedAssign(BinaryOperator, target: Expression, value: Expression, Position)
    case def(FunctionSyntax)
    case `if`(condition: Expression, then: [Statement], else: [Statement], Position)
    case `for`(target: Expression, iterable: Expression, body: [Statement], Position)
    case `while`(condition: Expression, body: [Statement], Position)
    case `return`(Expression?, Position)
    case `break`(Position)
    case `continue`(Position)
    case pass(Position)
    /// `load("module", "a", b="c")`: each binding is (local name, name in the module).
    case load(module: String, bindings: [(local: Identifier, remote: String)], Position)

    /// Where the statement starts.
    public var position: Position {
        switch self {
        case .expression(_, let p), .assign(_, _, let p), .augmentedAssign(_, _, _, let p), .if(_, _, _, let p),
            .for(_, _, _, let p), .while(_, _, let p), .return(_, let p), .break(let p), .continue(let p), .pass(let p),
            .load(_, _, let p):
            p
        case .def(let function): function.position
        }
    }
}
