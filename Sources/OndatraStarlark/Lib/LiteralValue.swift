import Ondatra
import Starlark

/// A Starlark literal read from source without running it: what an `API` dict may contain.
indirect enum LiteralValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([LiteralValue])
    case dict([(String, LiteralValue)])

    static func == (lhs: LiteralValue, rhs: LiteralValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.float(let a), .float(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.dict(let a), .dict(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// What the value is, for messages.
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .list: "list"
        case .dict: "dict"
        }
    }

    /// Reads a literal expression.
    /// - Throws: ``OndatraError`` naming `file`, the line and `path` when the expression is not a literal.
    static func read(_ expression: Expression, file: String, path: String) throws -> LiteralValue {
        switch expression {
        case .string(let text, _): return .string(text)
        case .int(let literal, let position):
            guard let value = Int(literal.digits, radix: literal.radix) else {
                throw OndatraError(.project, "\(path): \(literal.text) is too large", file: file, line: position.line)
            }
            return .int(value)
        case .float(let value, _): return .float(value)
        case .identifier(let id) where id.name == "True": return .bool(true)
        case .identifier(let id) where id.name == "False": return .bool(false)
        case .identifier(let id) where id.name == "None": return .none
        case .unary(.minus, .int(let literal, _), let position):
            guard let value = Int(literal.digits, radix: literal.radix) else {
                throw OndatraError(.project, "\(path): -\(literal.text) is too large", file: file, line: position.line)
            }
            return .int(-value)
        case .unary(.minus, .float(let value, _), _): return .float(-value)
        case .list(let items, _), .tuple(let items, _):
            return .list(try items.enumerated().map { try read($1, file: file, path: "\(path)[\($0)]") })
        case .dict(let entries, _):
            var members: [(String, LiteralValue)] = []
            for entry in entries {
                guard case .string(let key, let position) = entry.key else {
                    throw OndatraError(
                        .project, "\(path): keys must be string literals", file: file, line: entry.key.position.line)
                }
                if members.contains(where: { $0.0 == key }) {
                    throw OndatraError(.project, "\(path).\(key) is given twice", file: file, line: position.line)
                }
                members.append((key, try read(entry.value, file: file, path: "\(path).\(key)")))
            }
            return .dict(members)
        case .parenthesized(let inner, _): return try read(inner, file: file, path: path)
        default:
            throw OndatraError(
                .project,
                "\(path) must be a literal (string, number, bool, None, list or dict), so it can be read without running the file",
                file: file, line: expression.position.line)
        }
    }
}
