extension Parser {
    // MARK: Expressions

    /// `Test {, Test}`: a bare tuple when there are commas.
    mutating func parseExpression() throws -> Expression {
        let start = position
        let first = try parseTest()
        guard kind == .comma else { return first }
        var items = [first]
        while kind == .comma {
            advance()
            if isExpressionEnd { break }
            items.append(try parseTest())
        }
        return .tuple(items, start)
    }

    private var isExpressionEnd: Bool {
        switch kind {
        case .newline, .eof, .equal, .rparen, .rbracket, .rbrace, .semicolon, .colon, .in: true
        default: augmentedOperator(kind) != nil
        }
    }

    /// A single expression without bare-tuple commas: lambda, conditional, or binary.
    mutating func parseTest() throws -> Expression {
        if kind == .lambda { return try parseLambda(allowConditional: true) }
        let start = position
        let condition = try parseBinary(precedence: 0)
        guard kind == .if else { return condition }
        let ifPosition = position
        advance()
        let test = try parseBinary(precedence: 0)
        guard kind == .else else {
            throw StarlarkSyntaxError(position, "conditional expression without else clause")
        }
        advance()
        let otherwise = try parseTest()
        _ = start
        return .conditional(condition: test, then: condition, else: otherwise, ifPosition)
    }

    private mutating func parseTestNoConditional() throws -> Expression {
        if kind == .lambda { return try parseLambda(allowConditional: false) }
        return try parseBinary(precedence: 0)
    }

    private mutating func parseLambda(allowConditional: Bool) throws -> Expression {
        let start = try expect(.lambda)
        let parameters = try parseParameters(closing: .colon)
        try expect(.colon)
        let bodyPosition = position
        let body = allowConditional ? try parseTest() : try parseTestNoConditional()
        return .lambda(
            FunctionSyntax(
                name: "lambda", parameters: parameters, body: [.return(body, bodyPosition)], position: start,
                isLambda: true))
    }

    /// Binary operator precedence, lowest first; comparisons do not associate.
    private static func precedence(of kind: TokenKind) -> Int? {
        switch kind {
        case .or: 1
        case .and: 2
        case .equalEqual, .notEqual, .less, .greater, .lessEqual, .greaterEqual, .in, .not: 4
        case .pipe: 5
        case .caret: 6
        case .ampersand: 7
        case .lessLess, .greaterGreater: 8
        case .plus, .minus: 9
        case .star, .slash, .slashSlash, .percent: 10
        default: nil
        }
    }

    private static func binaryOperator(_ kind: TokenKind) -> BinaryOperator? {
        switch kind {
        case .or: .or
        case .and: .and
        case .equalEqual: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .greater: .greater
        case .lessEqual: .lessEqual
        case .greaterEqual: .greaterEqual
        case .in: .in
        case .pipe: .pipe
        case .caret: .caret
        case .ampersand: .ampersand
        case .lessLess: .lessLess
        case .greaterGreater: .greaterGreater
        case .plus: .plus
        case .minus: .minus
        case .star: .star
        case .slash: .slash
        case .slashSlash: .slashSlash
        case .percent: .percent
        default: nil
        }
    }

    private mutating func parseBinary(precedence minimum: Int) throws -> Expression {
        var left: Expression
        if kind == .not, minimum <= 3 {
            // `not` binds looser than comparisons: `not a == b` is `not (a == b)`.
            let here = position
            try enterNesting()
            defer { depth -= 1 }
            advance()
            left = .unary(.not, try parseBinary(precedence: 3), here)
        } else {
            left = try parseUnary()
        }
        var lastComparison: Position?
        while let level = Self.precedence(of: kind), level >= minimum {
            let here = position
            var op: BinaryOperator
            if kind == .not {
                // `not in`
                advance()
                guard kind == .in else { throw unexpected("in") }
                op = .notIn
            } else {
                guard let found = Self.binaryOperator(kind) else { break }
                op = found
            }
            advance()
            if level == 4 {
                if lastComparison != nil {
                    throw StarlarkSyntaxError(
                        here, "\(op.rawValue) does not associate with \(describeComparison(left))")
                }
                lastComparison = here
            }
            let right = try parseBinary(precedence: level + 1)
            left = .binary(op, left, right, here)
        }
        return left
    }

    private func describeComparison(_ expression: Expression) -> String {
        if case .binary(let op, _, _, _) = expression { return op.rawValue }
        return "comparison"
    }

    mutating func enterNesting() throws {
        depth += 1
        if depth > Self.maximumNesting {
            throw StarlarkSyntaxError(
                position, "expression nested too deeply (more than \(Self.maximumNesting) levels)")
        }
    }

    private mutating func parseUnary() throws -> Expression {
        let here = position
        try enterNesting()
        defer { depth -= 1 }
        switch kind {
        case .plus:
            advance()
            return .unary(.plus, try parseUnary(), here)
        case .minus:
            advance()
            return .unary(.minus, try parseUnary(), here)
        case .tilde:
            advance()
            return .unary(.tilde, try parseUnary(), here)
        default:
            return try parsePrimary()
        }
    }

    mutating func parsePrimary() throws -> Expression {
        var expression = try parseOperand()
        while true {
            let here = position
            switch kind {
            case .dot:
                advance()
                expression = .dot(expression, try identifier("field name"), here)
            case .lparen:
                advance()
                expression = .call(expression, try parseArguments(), here)
                try expect(.rparen, ")")
            case .lbracket:
                advance()
                expression = try parseIndexOrSlice(expression, here)
            default:
                return expression
            }
        }
    }

    private mutating func parseIndexOrSlice(_ target: Expression, _ here: Position) throws -> Expression {
        var start: Expression?
        if kind != .colon {
            let index = try parseExpression()
            if kind == .rbracket {
                advance()
                return .index(target, index, here)
            }
            start = index
        }
        try expect(.colon, ":")
        var end: Expression?
        var step: Expression?
        if kind != .colon && kind != .rbracket { end = try parseTest() }
        if kind == .colon {
            advance()
            if kind != .rbracket { step = try parseTest() }
        }
        try expect(.rbracket, "]")
        return .slice(target, start: start, end: end, step: step, here)
    }

    private mutating func parseArguments() throws -> [Argument] {
        var arguments: [Argument] = []
        while kind != .rparen {
            let here = position
            if kind == .star {
                advance()
                arguments.append(Argument(kind: .star, value: try parseTest(), position: here))
            } else if kind == .starStar {
                advance()
                arguments.append(Argument(kind: .starStar, value: try parseTest(), position: here))
            } else if case .identifier(let name) = kind, tokens[index + 1].kind == .equal {
                let id = Identifier(name: name, position: here)
                advance()
                advance()
                arguments.append(Argument(kind: .keyword(id), value: try parseTest(), position: here))
            } else {
                arguments.append(Argument(kind: .positional, value: try parseTest(), position: here))
            }
            guard kind == .comma else { break }
            advance()
        }
        return arguments
    }

    private mutating func parseOperand() throws -> Expression {
        let here = position
        try enterNesting()
        defer { depth -= 1 }
        switch kind {
        case .identifier(let name):
            advance()
            return .identifier(Identifier(name: name, position: here))
        case .int(let literal):
            advance()
            return .int(literal, here)
        case .float(let value):
            advance()
            return .float(value, here)
        case .string(let text):
            advance()
            return .string(text, here)
        case .bytes(let value):
            advance()
            return .bytes(value, here)
        case .lparen:
            advance()
            if kind == .rparen {
                advance()
                return .tuple([], here)
            }
            let first = try parseTest()
            if kind == .rparen {
                advance()
                return .parenthesized(first, here)
            }
            var items = [first]
            while kind == .comma {
                advance()
                if kind == .rparen { break }
                items.append(try parseTest())
            }
            try expect(.rparen, ")")
            return .tuple(items, here)
        case .lbracket:
            advance()
            if kind == .rbracket {
                advance()
                return .list([], here)
            }
            let first = try parseTest()
            if kind == .for {
                let clauses = try parseComprehensionClauses(closing: .rbracket)
                try expect(.rbracket, "]")
                return .comprehension(
                    Comprehension(isDict: false, body: first, value: nil, clauses: clauses, position: here))
            }
            var items = [first]
            while kind == .comma {
                advance()
                if kind == .rbracket { break }
                items.append(try parseTest())
            }
            try expect(.rbracket, "]")
            return .list(items, here)
        case .lbrace:
            advance()
            if kind == .rbrace {
                advance()
                return .dict([], here)
            }
            let key = try parseTest()
            try expect(.colon, ":")
            let value = try parseTest()
            if kind == .for {
                let clauses = try parseComprehensionClauses(closing: .rbrace)
                try expect(.rbrace, "}")
                return .comprehension(
                    Comprehension(isDict: true, body: key, value: value, clauses: clauses, position: here))
            }
            var entries = [DictEntry(key: key, value: value)]
            while kind == .comma {
                advance()
                if kind == .rbrace { break }
                let key = try parseTest()
                try expect(.colon, ":")
                entries.append(DictEntry(key: key, value: try parseTest()))
            }
            try expect(.rbrace, "}")
            return .dict(entries, here)
        default:
            throw unexpected("primary expression")
        }
    }

    private mutating func parseComprehensionClauses(closing: TokenKind) throws -> [Comprehension.Clause] {
        var clauses: [Comprehension.Clause] = []
        while kind != closing {
            let here = position
            if kind == .for {
                advance()
                let target = try parseLoopVariables()
                try expect(.in)
                clauses.append(.for(target: target, iterable: try parseTestNoConditional(), here))
            } else if kind == .if {
                advance()
                clauses.append(.if(try parseTestNoConditional(), here))
            } else {
                throw unexpected("for, if or \(closing.display)")
            }
        }
        return clauses
    }
}
