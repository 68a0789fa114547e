/// A recursive-descent parser for the Starlark grammar.
public struct Parser {
    let tokens: [Token]
    var index = 0
    /// How deeply brackets and unary operators nest; bounded so hostile input cannot exhaust the stack.
    var depth = 0
    static let maximumNesting = 200

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses a whole file.
    /// - Throws: ``StarlarkSyntaxError`` with the position of the first problem.
    public static func parse(_ source: String, file: String) throws -> FileSyntax {
        var parser = Parser(tokens: try Lexer.tokenize(source, file: file))
        var statements: [Statement] = []
        while parser.kind != .eof {
            if parser.kind == .newline {
                parser.advance()
                continue
            }
            statements.append(contentsOf: try parser.parseStatement())
        }
        return FileSyntax(file: file, statements: statements)
    }

    /// Parses a single expression (for hosts that evaluate expressions).
    public static func parseExpression(_ source: String, file: String) throws -> Expression {
        var parser = Parser(tokens: try Lexer.tokenize(source, file: file))
        let expression = try parser.parseExpression()
        while parser.kind == .newline { parser.advance() }
        guard parser.kind == .eof else { throw parser.unexpected("after expression") }
        return expression
    }

    // MARK: Token access

    var kind: TokenKind { tokens[index].kind }
    var position: Position { tokens[index].position }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func unexpected(_ context: String) -> StarlarkSyntaxError {
        StarlarkSyntaxError(position, "got \(kind.display), want \(context)")
    }

    @discardableResult
    mutating func expect(_ expected: TokenKind, _ context: String? = nil) throws -> Position {
        guard kind == expected else { throw unexpected(context ?? expected.display) }
        let here = position
        advance()
        return here
    }

    mutating func identifier(_ context: String) throws -> Identifier {
        guard case .identifier(let name) = kind else { throw unexpected(context) }
        let id = Identifier(name: name, position: position)
        advance()
        return id
    }

    // MARK: Statements

    private mutating func parseStatement() throws -> [Statement] {
        switch kind {
        case .def: return [try parseDef()]
        case .if: return [try parseIf()]
        case .for: return [try parseFor()]
        case .while: return [try parseWhile()]
        default: return try parseSimpleStatements()
        }
    }

    private mutating func parseDef() throws -> Statement {
        let start = try expect(.def)
        let name = try identifier("function name")
        try expect(.lparen)
        let parameters = try parseParameters(closing: .rparen)
        try expect(.rparen)
        try expect(.colon)
        let body = try parseSuite()
        return .def(
            FunctionSyntax(name: name.name, parameters: parameters, body: body, position: start, isLambda: false))
    }

    mutating func parseParameters(closing: TokenKind) throws -> [Parameter] {
        var parameters: [Parameter] = []
        while kind != closing {
            let here = position
            if kind == .star {
                advance()
                if case .identifier = kind {
                    parameters.append(Parameter(name: try identifier("parameter"), kind: .star, position: here))
                } else {
                    parameters.append(Parameter(name: nil, kind: .star, position: here))
                }
            } else if kind == .starStar {
                advance()
                parameters.append(Parameter(name: try identifier("parameter name"), kind: .starStar, position: here))
            } else {
                let name = try identifier("parameter")
                if kind == .equal {
                    advance()
                    parameters.append(Parameter(name: name, kind: .optional(try parseTest()), position: here))
                } else {
                    parameters.append(Parameter(name: name, kind: .required, position: here))
                }
            }
            guard kind == .comma else { break }
            advance()
        }
        return parameters
    }

    private mutating func parseSuite() throws -> [Statement] {
        try enterNesting()
        defer { depth -= 1 }
        guard kind == .newline else { return try parseSimpleStatements() }
        advance()
        guard kind == .indent else { throw unexpected("indent") }
        advance()
        var body: [Statement] = []
        while kind != .outdent && kind != .eof {
            if kind == .newline {
                advance()
                continue
            }
            body.append(contentsOf: try parseStatement())
        }
        if kind == .outdent { advance() }
        return body
    }

    private mutating func parseIf() throws -> Statement {
        let start = position
        advance()  // `if` or `elif`
        let condition = try parseTest()
        try expect(.colon)
        let then = try parseSuite()
        var otherwise: [Statement] = []
        if kind == .elif {
            otherwise = [try parseIf()]
        } else if kind == .else {
            advance()
            try expect(.colon)
            otherwise = try parseSuite()
        }
        return .if(condition: condition, then: then, else: otherwise, start)
    }

    private mutating func parseFor() throws -> Statement {
        let start = try expect(.for)
        let target = try parseLoopVariables()
        try expect(.in)
        let iterable = try parseExpression()
        try expect(.colon)
        return .for(target: target, iterable: iterable, body: try parseSuite(), start)
    }

    private mutating func parseWhile() throws -> Statement {
        let start = try expect(.while)
        let condition = try parseTest()
        try expect(.colon)
        return .while(condition: condition, body: try parseSuite(), start)
    }

    /// `x` or `x, y` or `(x, y)`: the target of a `for`.
    mutating func parseLoopVariables() throws -> Expression {
        let start = position
        let first = try parsePrimary()
        guard kind == .comma else { return first }
        var items = [first]
        while kind == .comma {
            advance()
            if kind == .in { break }
            items.append(try parsePrimary())
        }
        return .tuple(items, start)
    }

    private mutating func parseSimpleStatements() throws -> [Statement] {
        var statements: [Statement] = []
        while true {
            statements.append(try parseSmallStatement())
            if kind == .semicolon {
                advance()
                if kind == .newline || kind == .eof { break }
                continue
            }
            break
        }
        if kind == .newline {
            advance()
        } else if kind != .eof {
            throw unexpected("newline")
        }
        return statements
    }

    private mutating func parseSmallStatement() throws -> Statement {
        let start = position
        switch kind {
        case .return:
            advance()
            if kind == .newline || kind == .semicolon || kind == .eof { return .return(nil, start) }
            return .return(try parseExpression(), start)
        case .break:
            advance()
            return .break(start)
        case .continue:
            advance()
            return .continue(start)
        case .pass:
            advance()
            return .pass(start)
        case .load:
            return try parseLoad()
        default:
            let expression = try parseExpression()
            let operatorPosition = position
            if kind == .equal {
                advance()
                return .assign(target: expression, value: try parseExpression(), operatorPosition)
            }
            if let op = augmentedOperator(kind) {
                advance()
                return .augmentedAssign(op, target: expression, value: try parseExpression(), operatorPosition)
            }
            return .expression(expression, start)
        }
    }

    func augmentedOperator(_ kind: TokenKind) -> BinaryOperator? {
        switch kind {
        case .plusEqual: .plus
        case .minusEqual: .minus
        case .starEqual: .star
        case .slashEqual: .slash
        case .slashSlashEqual: .slashSlash
        case .percentEqual: .percent
        case .ampersandEqual: .ampersand
        case .pipeEqual: .pipe
        case .caretEqual: .caret
        case .lessLessEqual: .lessLess
        case .greaterGreaterEqual: .greaterGreater
        default: nil
        }
    }

    private mutating func parseLoad() throws -> Statement {
        let start = try expect(.load)
        try expect(.lparen, "(")
        guard case .string(let module) = kind else { throw unexpected("string literal") }
        advance()
        var bindings: [(local: Identifier, remote: String)] = []
        while kind == .comma {
            advance()
            if kind == .rparen { break }
            if case .identifier(let name) = kind {
                let local = Identifier(name: name, position: position)
                advance()
                try expect(.equal, "=")
                guard case .string(let remote) = kind else { throw unexpected("string") }
                advance()
                bindings.append((local, remote))
            } else if case .string(let name) = kind {
                let here = position
                advance()
                bindings.append((Identifier(name: name, position: here), name))
            } else {
                throw unexpected("string or identifier")
            }
        }
        let close = position
        try expect(.rparen, ")")
        if bindings.isEmpty {
            throw StarlarkSyntaxError(close, "load statement must import at least 1 symbol")
        }
        return .load(module: module, bindings: bindings, start)
    }
}
