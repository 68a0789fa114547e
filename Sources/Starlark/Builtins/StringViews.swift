/// The views `elems()` and `elem_ords()` return: a string's UTF-8 bytes as 1-byte strings or ints,
/// with a length and indexing.
final class StringElems: StarlarkIndexable, @unchecked Sendable {
    let text: String
    /// True for `elem_ords()` (ints), false for `elems()` (strings).
    let ords: Bool
    // The UTF-8 bytes, read once so that indexing is O(1).
    private let bytes: [UInt8]

    init(_ text: String, ords: Bool) {
        self.text = text
        self.ords = ords
        self.bytes = Array(text.utf8)
    }

    var typeName: String { "string.elems" }
    var description: String { Value.string(text).repr + (ords ? ".elem_ords()" : ".elems()") }
    var count: Int { bytes.count }

    func element(at index: Int) -> Value {
        let byte = bytes[index]
        // A lone non-ASCII byte is not valid text; Swift strings turn it into U+FFFD.
        return ords ? .int(Int(byte)) : .string(String(decoding: [byte], as: UTF8.self))
    }

    func iterate(_ body: (Value) throws -> Bool) throws {
        for index in bytes.indices where try !body(element(at: index)) { return }
    }
}

/// The views `codepoints()` and `codepoint_ords()` return: a string's Unicode code points as
/// 1-code-point strings or ints. They only iterate: no length, no indexing (as in starlark-go).
final class StringCodepoints: StarlarkIterable, @unchecked Sendable {
    let text: String
    /// True for `codepoint_ords()` (ints), false for `codepoints()` (strings).
    let ords: Bool

    init(_ text: String, ords: Bool) {
        self.text = text
        self.ords = ords
    }

    var typeName: String { "string.codepoints" }
    var description: String { Value.string(text).repr + (ords ? ".codepoint_ords()" : ".codepoints()") }

    func iterate(_ body: (Value) throws -> Bool) throws {
        for scalar in text.unicodeScalars {
            let element: Value = ords ? .int(Int(scalar.value)) : .string(String(scalar))
            if try !body(element) { return }
        }
    }
}

/// The view `bytes.elems()` returns: the byte values as ints, with a length and indexing.
final class BytesElems: StarlarkIndexable, @unchecked Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var typeName: String { "bytes.elems" }
    var description: String { Value.bytes(bytes).repr + ".elems()" }
    var count: Int { bytes.count }

    func element(at index: Int) -> Value { .int(Int(bytes[index])) }

    func iterate(_ body: (Value) throws -> Bool) throws {
        for byte in bytes where try !body(.int(Int(byte))) { return }
    }
}
