/// The kinds of token the Starlark lexer produces.
enum TokenKind: Hashable, Sendable {
    case eof, newline, indent, outdent
    case identifier(String)
    case int(IntLiteral)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    // Punctuation and operators.
    case plus, minus, star, slash, slashSlash, percent, ampersand, pipe, caret, lessLess, greaterGreater, tilde
    case dot, comma, equal, semicolon, colon, lparen, rparen, lbracket, rbracket, lbrace, rbrace
    case less, greater, greaterEqual, lessEqual, equalEqual, notEqual
    case plusEqual, minusEqual, starEqual, slashEqual, slashSlashEqual, percentEqual
    case ampersandEqual, pipeEqual, caretEqual, lessLessEqual, greaterGreaterEqual
    case starStar
    // Keywords.
    case and, `break`, `continue`, def, elif, `else`, `for`, `if`, `in`, lambda, load, not, or, pass, `return`, `while`

    static let keywords: [String: TokenKind] = [
        "and": .and, "break": .break, "continue": .continue, "def": .def, "elif": .elif, "else": .else,
        "for": .for, "if": .if, "in": .in, "lambda": .lambda, "load": .load, "not": .not, "or": .or,
        "pass": .pass, "return": .return, "while": .while,
    ]

    /// Words Python reserves that Starlark rejects, so programs stay forward-compatible.
    static let reserved: Set<String> = [
        "as", "async", "await", "class", "del", "except", "finally", "from", "global", "import",
        "is", "nonlocal", "raise", "try", "with", "yield",
    ]

    /// How the token reads in an error message.
    var display: String {
        switch self {
        case .eof: "end of file"
        case .newline: "newline"
        case .indent: "indent"
        case .outdent: "outdent"
        case .identifier(let name): name
        case .int(let literal): literal.text
        case .float(let value): "\(value)"
        case .string(let text): "\"\(text)\""
        case .bytes: "bytes literal"
        case .plus: "+"
        case .minus: "-"
        case .star: "*"
        case .slash: "/"
        case .slashSlash: "//"
        case .percent: "%"
        case .ampersand: "&"
        case .pipe: "|"
        case .caret: "^"
        case .lessLess: "<<"
        case .greaterGreater: ">>"
        case .tilde: "~"
        case .dot: "."
        case .comma: ","
        case .equal: "="
        case .semicolon: ";"
        case .colon: ":"
        case .lparen: "("
        case .rparen: ")"
        case .lbracket: "["
        case .rbracket: "]"
        case .lbrace: "{"
        case .rbrace: "}"
        case .less: "<"
        case .greater: ">"
        case .greaterEqual: ">="
        case .lessEqual: "<="
        case .equalEqual: "=="
        case .notEqual: "!="
        case .plusEqual: "+="
        case .minusEqual: "-="
        case .starEqual: "*="
        case .slashEqual: "/="
        case .slashSlashEqual: "//="
        case .percentEqual: "%="
        case .ampersandEqual: "&="
        case .pipeEqual: "|="
        case .caretEqual: "^="
        case .lessLessEqual: "<<="
        case .greaterGreaterEqual: ">>="
        case .starStar: "**"
        case .and: "and"
        case .break: "break"
        case .continue: "continue"
        case .def: "def"
        case .elif: "elif"
        case .else: "else"
        case .for: "for"
        case .if: "if"
        case .in: "in"
        case .lambda: "lambda"
        case .load: "load"
        case .not: "not"
        case .or: "or"
        case .pass: "pass"
        case .return: "return"
        case .while: "while"
        }
    }
}

/// An integer literal: its text and value (values beyond 64 bits keep only the text).
public struct IntLiteral: Hashable, Sendable {
    /// The literal as written.
    public let text: String
    /// The digits without prefix, and their radix.
    public let digits: String
    /// The base of digits.
    public let radix: Int
}

/// One token and where it starts.
struct Token: Sendable {
    let kind: TokenKind
    let position: Position
}
