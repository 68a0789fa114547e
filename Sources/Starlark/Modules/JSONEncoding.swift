/// Compact JSON text for a Starlark value, following starlark-go's `json.encode`.
struct JSONEncoding {
    /// An encoding error; the caller adds the function name.
    struct Failure: Error {
        let message: String
    }

    /// The text written so far.
    private(set) var output = ""
    /// Identities of the containers being encoded, to report cycles.
    private var path: [Int] = []

    /// Deep nesting would exhaust the stack; well-formed data never gets near this.
    private static let maxDepth = 1000

    /// Appends `value`'s encoding.
    mutating func emit(_ value: Value) throws {
        let identity = Self.identity(value)
        if let identity {
            if path.contains(identity) { throw Failure(message: "cycle in JSON structure") }
            if path.count >= Self.maxDepth { throw Failure(message: "nesting depth exceeds \(Self.maxDepth)") }
            path.append(identity)
        }
        defer { if identity != nil { path.removeLast() } }

        switch value {
        case .none: output += "null"
        case .bool(let b): output += b ? "true" : "false"
        case .int(let i): output += String(i)
        case .bigInt(let b): output += String(b.value)
        case .float(let f):
            guard f.isFinite else { throw Failure(message: "cannot encode non-finite float \(FloatFormat.g(f))") }
            output += FloatFormat.g(f)
        case .string(let s): Self.quote(s, into: &output)
        case .dict(let dict): try emitDict(dict)
        case .list, .tuple, .range, .set: try emitArray(value, Operators.elements(value))
        case .object(let object as any StarlarkIterable): try emitArray(value, Operators.elements(.object(object)))
        case .object(let object as any StarlarkAttributes): try emitFields(object)
        default: throw Failure(message: "cannot encode \(value.typeName) as JSON")
        }
    }

    /// A dict as an object with keys sorted, as starlark-go does; every key must be a string.
    private mutating func emitDict(_ dict: StarlarkDict) throws {
        var items: [(key: String, value: Value)] = []
        for (key, value) in dict.entries {
            guard case .string(let text) = key else {
                throw Failure(message: "dict has \(key.typeName) key, want string")
            }
            items.append((text, value))
        }
        items.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        output += "{"
        for (index, item) in items.enumerated() {
            if index > 0 { output += "," }
            Self.quote(item.key, into: &output)
            output += ":"
            do {
                try emit(item.value)
            } catch let failure as Failure {
                throw Failure(message: "in dict key \(Value.string(item.key).repr): \(failure.message)")
            }
        }
        output += "}"
    }

    private mutating func emitArray(_ container: Value, _ elements: [Value]) throws {
        output += "["
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            do {
                try emit(element)
            } catch let failure as Failure {
                throw Failure(message: "at \(container.typeName) index \(index): \(failure.message)")
            }
        }
        output += "]"
    }

    /// A host value with attributes (e.g. a struct) as an object with sorted field names.
    private mutating func emitFields(_ object: any StarlarkAttributes) throws {
        output += "{"
        for (index, name) in object.attributeNames.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            .enumerated()
        {
            let field: Value?
            do {
                field = try object.attribute(name)
            } catch {
                throw Failure(message: "cannot access attribute \(object.typeName).\(name): \(Self.message(of: error))")
            }
            guard let field else {
                throw Failure(
                    message: "missing attribute \(object.typeName).\(name) (despite \"\(name)\" appearing in dir()")
            }
            if index > 0 { output += "," }
            Self.quote(name, into: &output)
            output += ":"
            do {
                try emit(field)
            } catch let failure as Failure {
                throw Failure(message: "in field .\(name): \(failure.message)")
            }
        }
        output += "}"
    }

    private static func message(of error: any Error) -> String {
        (error as? StarlarkError)?.message ?? "\(error)"
    }

    /// The identity of a value that could contain itself (through a list, if it is a tuple).
    private static func identity(_ value: Value) -> Int? {
        switch value {
        case .list(let l): return Int(bitPattern: ObjectIdentifier(l))
        case .dict(let d): return Int(bitPattern: ObjectIdentifier(d))
        case .set(let s): return Int(bitPattern: ObjectIdentifier(s))
        case .object(let o): return Int(bitPattern: ObjectIdentifier(o))
        case .tuple(let items) where !items.isEmpty:
            // Copies of a tuple share their storage, so its address identifies it (as starlark-go's slice does).
            return items.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { Int(bitPattern: $0) } }
        default: return nil
        }
    }

    /// Writes a JSON string literal.
    ///
    /// Like starlark-go, strings of printable ASCII get only `"` and `\` escaped; any other string is
    /// escaped as Go's `json.Marshal` does (control characters, `<`, `>`, `&`, U+2028 and U+2029).
    static func quote(_ text: String, into output: inout String) {
        let marshalStyle = !text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x80 }
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                if marshalStyle {
                    output += "\\u" + StringQuoting.hex(scalar.value, 4)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            default:
                // DEL is written as an escape too (starlark-go writes Go's `\x7f`, which is not JSON).
                if scalar.value < 0x20 || (scalar.value == 0x7F && !marshalStyle) {
                    output += "\\u" + StringQuoting.hex(scalar.value, 4)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
