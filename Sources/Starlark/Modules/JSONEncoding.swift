/// Compact JSON text for a Starlark value, following starlark-go's `json.encode`.
struct JSONEncoding {
    /// An encoding error; the caller adds the function name.
    struct Failure: Error {
        let message: String
    }

    /// The UTF-8 text written so far.
    private(set) var bytes: [UInt8] = []
    /// The text written so far.
    var output: String { String(decoding: bytes, as: UTF8.self) }
    /// Identities of the containers being encoded, to report cycles.
    private var path: [Int] = []
    /// The keys of the last dict written, and their positions in sorted order.
    private var lastKeys: [String] = []
    private var lastOrder: [Int] = []

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
        case .none: write("null")
        case .bool(let b): write(b ? "true" : "false")
        case .int(let i): write(String(i))
        case .bigInt(let b): write(String(b.value))
        case .float(let f):
            guard f.isFinite else { throw Failure(message: "cannot encode non-finite float \(FloatFormat.g(f))") }
            write(FloatFormat.g(f))
        case .string(let s): Self.quote(s, into: &bytes)
        case .dict(let dict): try emitDict(dict)
        case .list, .tuple, .range, .set: try emitArray(value, Operators.elements(value))
        case .object(let object as any StarlarkIterable): try emitArray(value, Operators.elements(.object(object)))
        case .object(let object as any StarlarkAttributes): try emitFields(object)
        default: throw Failure(message: "cannot encode \(value.typeName) as JSON")
        }
    }

    /// A dict as an object with keys sorted, as starlark-go does; every key must be a string.
    private mutating func emitDict(_ dict: StarlarkDict) throws {
        let entries = dict.entries
        var keys: [String] = []
        keys.reserveCapacity(entries.count)
        for (key, _) in entries {
            guard case .string(let text) = key else {
                throw Failure(message: "dict has \(key.typeName) key, want string")
            }
            keys.append(text)
        }
        // Rows of a list usually share their keys, in the same order: sort them once.
        if keys != lastKeys {
            lastOrder = keys.indices.sorted { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }
            lastKeys = keys
        }
        bytes.append(UInt8(ascii: "{"))
        for (index, position) in lastOrder.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.quote(keys[position], into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            do {
                try emit(entries[position].value)
            } catch let failure as Failure {
                throw Failure(message: "in dict key \(Value.string(keys[position]).repr): \(failure.message)")
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func emitArray(_ container: Value, _ elements: [Value]) throws {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            do {
                try emit(element)
            } catch let failure as Failure {
                throw Failure(message: "at \(container.typeName) index \(index): \(failure.message)")
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A host value with attributes (e.g. a struct) as an object with sorted field names.
    private mutating func emitFields(_ object: any StarlarkAttributes) throws {
        bytes.append(UInt8(ascii: "{"))
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
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.quote(name, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            do {
                try emit(field)
            } catch let failure as Failure {
                throw Failure(message: "in field .\(name): \(failure.message)")
            }
        }
        bytes.append(UInt8(ascii: "}"))
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

    /// Appends `text`'s UTF-8 bytes.
    private mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Writes a JSON string literal.
    ///
    /// Like starlark-go, strings of printable ASCII get only `"` and `\` escaped; any other string is
    /// escaped as Go's `json.Marshal` does (control characters, `<`, `>`, `&`, U+2028 and U+2029).
    static func quote(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            output.append(UInt8(ascii: "\""))
            // Most strings are printable ASCII with nothing to escape: copied as they are.
            if !utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
            ) {
                output.append(contentsOf: utf8)
                output.append(UInt8(ascii: "\""))
                return
            }
            let marshalStyle = utf8.contains { $0 < 0x20 || $0 >= 0x80 }
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
                case UInt8(ascii: "\n"): output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    if marshalStyle { escape(UInt32(byte), into: &output) } else { output.append(byte) }
                case 0xE2
                where marshalStyle && index + 1 < utf8.count && utf8[index] == 0x80
                    && (utf8[index + 1] == 0xA8 || utf8[index + 1] == 0xA9):
                    // U+2028 and U+2029 (E2 80 A8, E2 80 A9).
                    escape(utf8[index + 1] == 0xA8 ? 0x2028 : 0x2029, into: &output)
                    index += 2
                default:
                    // DEL is written as an escape too (starlark-go writes Go's `\x7f`, which is not JSON).
                    if byte < 0x20 || (byte == 0x7F && !marshalStyle) {
                        escape(UInt32(byte), into: &output)
                    } else {
                        output.append(byte)
                    }
                }
            }
            output.append(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `\uXXXX` with lowercase hex digits.
    private static func escape(_ value: UInt32, into output: inout [UInt8]) {
        output.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift: UInt32 in [12, 8, 4, 0] { output.append(hexDigits[Int((value >> shift) & 0xF)]) }
    }
}
