import BigInt

/// The conversion builtins: `abs`, `bool`, `bytes`, `chr`, `float`, `hash`, `int`, `ord`, `str`.
extension Universe {
    /// `abs(x)`: the absolute value of an int or float.
    static func builtinAbs(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("abs", ["x"], positionalOnly: 1, allowNamed: false)
        switch bound[0] ?? .none {
        case .int(let i): return i >= 0 ? .int(i) : (i == Int.min ? .int(-BigInt(i)) : .int(-i))
        case .bigInt(let b): return .int(Swift.abs(b.value))
        case .float(let f): return .float(Swift.abs(f))
        case let other: throw StarlarkError("got \(other.typeName), want int or float")
        }
    }

    /// `bool(x=False)`: the truth of `x`.
    static func builtinBool(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("bool", ["x?"], positionalOnly: 1, allowNamed: false)
        return .bool(bound[0]?.truth ?? false)
    }

    /// `bytes(x)`: bytes from a string (UTF-8), bytes, or an iterable of ints in 0...255.
    static func builtinBytes(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let x = try single(arguments, "bytes", exactly: true)
        switch x {
        case .bytes: return x
        case .string(let s): return .bytes(Array(s.utf8))
        default:
            guard Operators.isIterable(x) else {
                throw StarlarkError("bytes: got \(x.typeName), want string, bytes, or iterable of ints")
            }
            var result: [UInt8] = []
            for (index, element) in try Operators.elements(x).enumerated() {
                guard case .int(let i) = element, let byte = UInt8(exactly: i) else {
                    let reason =
                        element.bigIntValue.map { "\($0) out of range (want value in unsigned 8-bit range)" }
                        ?? "got \(element.typeName), want int"
                    throw StarlarkError("bytes: at index \(index), \(reason)")
                }
                result.append(byte)
            }
            return .bytes(result)
        }
    }

    /// `chr(i)`: the string of the single code point `i`.
    static func builtinChr(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let x = try single(arguments, "chr", exactly: false)
        let code: Int
        switch x {
        case .int(let i) where Int32(exactly: i) != nil: code = i
        case .int, .bigInt: throw StarlarkError("chr: \(x.repr) out of range")
        default: throw StarlarkError("chr: got \(x.typeName), want int")
        }
        guard code >= 0 else { throw StarlarkError("chr: Unicode code point \(code) out of range (<0)") }
        guard code <= 0x10FFFF else {
            throw StarlarkError(
                "chr: Unicode code point U+\(String(code, radix: 16, uppercase: true)) out of range (>0x10FFFF)")
        }
        // Surrogate halves are not scalars; like Go, they become U+FFFD.
        let scalar = Unicode.Scalar(UInt32(code)) ?? "\u{FFFD}"
        return .string(String(Character(scalar)))
    }

    /// `ord(s)`: the code point of a one-code-point string, or the value of a one-byte bytes.
    static func builtinOrd(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let x = try single(arguments, "ord", exactly: false)
        switch x {
        case .string(let s):
            let scalars = s.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else {
                throw StarlarkError("ord: string encodes \(scalars.count) Unicode code points, want 1")
            }
            return .int(Int(scalar.value))
        case .bytes(let b):
            guard b.count == 1 else { throw StarlarkError("ord: bytes has length \(b.count), want 1") }
            return .int(Int(b[0]))
        default:
            throw StarlarkError("ord: got \(x.typeName), want string or bytes")
        }
    }

    /// `str(x)`: strings as they are, bytes decoded as UTF-8, everything else as `repr`.
    static func builtinStr(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let x = try single(arguments, "str", exactly: true)
        switch x {
        case .string: return x
        // Invalid UTF-8 becomes U+FFFD.
        case .bytes(let b): return .string(UTF8Text.decode(b))
        default: return .string(x.repr)
        }
    }

    /// `hash(x)`: a hash of a string or bytes that is the same in every run and matches starlark-go
    /// (Java's `String.hashCode` over UTF-16 for strings, 32-bit FNV-1a for bytes).
    static func builtinHash(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        let bound = try arguments.bind("hash", ["x"], positionalOnly: 1, allowNamed: false)
        switch bound[0] ?? .none {
        case .string(let s):
            var h: Int32 = 0
            for unit in s.utf16 { h = 31 &* h &+ Int32(unit) }
            return .int(Int(h))
        case .bytes(let b):
            var h: UInt32 = 2_166_136_261
            for byte in b {
                h ^= UInt32(byte)
                h = h &* 16_777_619
            }
            return .int(Int(h))
        case let other:
            throw StarlarkError("hash: got \(other.typeName), want string or bytes")
        }
    }

    // MARK: float

    /// `float(x=0.0)`: a float from a bool, int, float or string.
    static func builtinFloat(_ thread: StarlarkThread, _ builtin: Builtin, _ arguments: Arguments) throws -> Value {
        guard arguments.named.isEmpty else { throw StarlarkError("float does not accept keyword arguments") }
        guard let x = arguments.positional.first else { return .float(0) }
        guard arguments.positional.count == 1 else {
            throw StarlarkError("float got \(arguments.positional.count) arguments, wants 1")
        }
        switch x {
        case .bool(let b): return .float(b ? 1 : 0)
        case .int, .bigInt, .float: return .float(try Numeric.float(x))
        case .string(let s): return .float(try parseFloat(s))
        default: throw StarlarkError("float got \(x.typeName), want number or string")
        }
    }

    /// Parses a float literal: decimal or hexadecimal (`0x1.8p3`) notation, or inf, infinity and
    /// nan in any case, each with an optional sign.
    static func parseFloat(_ text: String) throws -> Double {
        guard !text.isEmpty else { throw StarlarkError("float: empty string") }
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: break
        }
        guard isDecimalFloat(body) || isHexFloat(body), let value = Double(text) else {
            throw StarlarkError("invalid float literal: \(text)")
        }
        guard value.isFinite else { throw StarlarkError("floating-point number too large") }
        return value
    }

    /// `digits[.digits][e[sign]digits]` with digits on at least one side of the point.
    private static func isDecimalFloat(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(hex: Bool = false) -> Int {
            let start = index
            while index < bytes.count, hex ? isHexDigit(bytes[index]) : isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        var mantissa = digits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }

    /// `0x hexdigits[.hexdigits] p [sign] digits`: Go requires the binary exponent.
    private static func isHexFloat(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count > 2, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") else { return false }
        var index = 2
        var mantissa = 0
        var sawPoint = false
        while index < bytes.count {
            if isHexDigit(bytes[index]) {
                mantissa += 1
            } else if bytes[index] == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard mantissa > 0, index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "p") else { return false }
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        let exponentStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index > exponentStart && index == bytes.count
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }
}
