import Foundation
import Starlark

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The `xml` module, in the shape most XML-to-dict tools use: `decode(text)` gives
/// `{root: value}`, where an element without attributes or children is its text (None when
/// empty), and otherwise a dict of `"@attribute"` values, child elements by name (a list when a
/// name repeats) and `"#text"`. `encode(dict)` turns such a dict back into a document.
enum XMLModule {
    static let module = StarlarkModuleValue.builtins("xml", ["decode": decode, "encode": encode])

    @Sendable static func decode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["text"])
        guard case .string(let text) = bound[0] ?? .none else {
            throw StarlarkError("\(builtin.name): text must be a string, got \(bound[0]?.typeName ?? "NoneType")")
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = builder
        guard parser.parse(), parser.parserError == nil, builder.stack.isEmpty, let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "not a document"
            throw StarlarkError("\(builtin.name): line \(parser.lineNumber): \(reason)")
        }
        return try Value.dict([(.string(root.name), try root.value())])
    }

    @Sendable static func encode(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind(builtin.name, ["value"])
        guard let entries = bound[0]?.dictEntries, entries.count == 1, case .string(let root) = entries[0].key else {
            throw StarlarkError("\(builtin.name): value must be a dict with one key, the root element's name")
        }
        var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        try element(root, entries[0].value, into: &output, function: builtin.name)
        return .string(output)
    }

    private static func element(_ name: String, _ value: Value, into output: inout String, function: String) throws {
        guard isName(name) else { throw StarlarkError("\(function): \(name.debugDescription) is not an element name") }
        if let items = value.arrayValue, case .list = value {
            for item in items { try element(name, item, into: &output, function: function) }
            return
        }
        var attributes = ""
        var body = ""
        switch value {
        case .none: break
        case .string(let text): body = escape(text)
        case .int, .bigInt, .float, .bool: body = escape(value.str)
        default:
            guard let entries = value.dictEntries else {
                throw StarlarkError("\(function): <\(name)> cannot hold a \(value.typeName)")
            }
            for (key, member) in entries {
                guard case .string(let field) = key else {
                    throw StarlarkError("\(function): keys must be strings, got \(key.typeName)")
                }
                if field.hasPrefix("@") {
                    let attribute = String(field.dropFirst())
                    guard isName(attribute) else {
                        throw StarlarkError("\(function): \(field) is not an attribute name")
                    }
                    let text = member.stringValue ?? member.str
                    attributes += " \(attribute)=\"\(escape(text, quotes: true))\""
                } else if field == "#text" {
                    body += escape(member.stringValue ?? member.str)
                } else {
                    try element(field, member, into: &body, function: function)
                }
            }
        }
        output += body.isEmpty ? "<\(name)\(attributes)/>" : "<\(name)\(attributes)>\(body)</\(name)>"
    }

    private static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || $0.properties.numericType != nil || "_-.:".unicodeScalars.contains($0)
        }
    }

    private static func escape(_ text: String, quotes: Bool = false) -> String {
        var escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        if quotes { escaped = escaped.replacingOccurrences(of: "\"", with: "&quot;") }
        return escaped
    }

    /// One element as it is parsed.
    final class Node {
        let name: String
        let attributes: [String: String]
        var children: [Node] = []
        var text = ""

        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        func value() throws -> Value {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if attributes.isEmpty && children.isEmpty { return trimmed.isEmpty ? .none : .string(trimmed) }
            var entries: [(Value, Value)] = attributes.sorted { $0.key < $1.key }.map {
                (.string("@" + $0.key), .string($0.value))
            }
            var order: [String] = []
            var byName: [String: [Value]] = [:]
            for child in children {
                if byName[child.name] == nil { order.append(child.name) }
                byName[child.name, default: []].append(try child.value())
            }
            for name in order {
                let values = byName[name] ?? []
                entries.append((.string(name), values.count == 1 ? values[0] : .list(values)))
            }
            if !trimmed.isEmpty { entries.append((.string("#text"), .string(trimmed))) }
            return try Value.dict(entries)
        }
    }

    /// Builds the tree from the parser's events.
    final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: Node?
        private(set) var stack: [Node] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let node = Node(name: name, attributes: attributes)
            stack.last?.children.append(node)
            if stack.isEmpty { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            stack.last?.text += String(decoding: block, as: UTF8.self)
        }
    }
}
