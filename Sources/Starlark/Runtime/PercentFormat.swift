import BigInt
import Foundation

/// String interpolation, `"format" % operand`, with starlark-go's conversions and messages.
///
/// The operand is a tuple of arguments, a dict for `%(name)s` fields, or any other value as the
/// only argument. Flags, widths and precisions are not supported.
enum PercentFormat {
    /// Formats `operand` into `format`.
    /// - Throws: for too few or too many arguments, bad conversions and arguments of the wrong type.
    static func format(_ format: String, _ operand: Value) throws -> String {
        let bytes = Array(format.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var tuple: [Value]?
        if case .tuple(let items) = operand { tuple = items }
        let argumentCount = tuple?.count ?? 1
        var index = 0
        var offset = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "%") {
                output.append(byte)
                offset += 1
                continue
            }
            let argument: Value
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "(") {
                argument = try keyed(bytes, &offset, operand)
            } else {
                guard index < argumentCount else { throw StarlarkError("not enough arguments for format string") }
                argument = tuple?[index] ?? operand
            }
            guard offset < bytes.count else { throw StarlarkError("incomplete format") }
            let (conversion, length) = ByteText.scalar(in: bytes, at: offset)
            output += Array(try convert(argument, conversion).utf8)
            offset += length
            index += 1
        }
        if index < argumentCount, !isMapping(operand) {
            throw StarlarkError("too many arguments for format string")
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The value of a `%(name)` field; `offset` is at the "(" and moves past the ")".
    private static func keyed(_ bytes: [UInt8], _ offset: inout Int, _ operand: Value) throws -> Value {
        guard let close = bytes[offset...].firstIndex(of: UInt8(ascii: ")")) else {
            throw StarlarkError("incomplete format key")
        }
        let key = ByteText.string(bytes[(offset + 1)..<close])
        offset = close + 1
        guard case .dict(let dict) = operand else { throw StarlarkError("format requires a mapping") }
        guard let value = try dict.get(.string(key)) else { throw StarlarkError("key not found: \(key)") }
        return value
    }

    private static func isMapping(_ value: Value) -> Bool {
        if case .dict = value { return true }
        return false
    }

    /// One conversion (`s`, `r`, `d`, …) applied to its argument.
    private static func convert(_ argument: Value, _ conversion: Unicode.Scalar) throws -> String {
        switch conversion {
        case "s": return argument.str
        case "r": return argument.repr
        case "d", "i", "o", "x", "X":
            let number: BigInt
            do {
                number = try integer(argument)
            } catch let error as StarlarkError {
                throw StarlarkError("%\(conversion) format requires integer: \(error.message)")
            }
            switch conversion {
            case "o": return String(number, radix: 8)
            case "x": return String(number, radix: 16)
            case "X": return String(number, radix: 16, uppercase: true)
            default: return String(number)
            }
        case "e", "E", "f", "F", "g", "G":
            guard let value = float(argument) else {
                throw StarlarkError("%\(conversion) format requires float, not \(argument.typeName)")
            }
            return formatFloat(value, conversion)
        case "c": return try character(argument)
        case "%": return "%"
        default: throw StarlarkError("unknown conversion %\(conversion)")
        }
    }

    /// An int operand for `%d` and friends: ints as they are, floats truncated toward zero.
    private static func integer(_ value: Value) throws -> BigInt {
        switch value {
        case .int(let i): return BigInt(i)
        case .bigInt(let big): return big.value
        case .float(let f):
            if f.isNaN { throw StarlarkError("cannot convert float NaN to integer") }
            if f.isInfinite { throw StarlarkError("cannot convert float infinity to integer") }
            return BigInt(exactly: f.rounded(.towardZero)) ?? 0
        default: throw StarlarkError("cannot convert \(value.typeName) to int")
        }
    }

    /// A float operand for `%e` and friends: floats, or ints converted.
    private static func float(_ value: Value) -> Double? {
        switch value {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .bigInt(let big): return Double(big.value)
        default: return nil
        }
    }

    /// `%e`/`%f` with 6 digits after the point, `%g` with the shortest round-trip digits.
    static func formatFloat(_ value: Double, _ conversion: Unicode.Scalar) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "+inf" : "-inf" }
        switch conversion {
        case "g": return FloatFormat.g(value)
        case "G": return FloatFormat.g(value).uppercased()
        case "e": return String(format: "%.6e", value)
        case "E": return String(format: "%.6E", value)
        default: return String(format: "%.6f", value)
        }
    }

    /// `%c`: an int code point, or a string of exactly one code point.
    private static func character(_ argument: Value) throws -> String {
        switch argument {
        case .int, .bigInt:
            guard case .int(let code) = argument, code >= 0, code <= 0x10FFFF else {
                throw StarlarkError("%c format requires a valid Unicode code point, got \(argument.str)")
            }
            // Surrogates are not scalars; Go writes U+FFFD for them too.
            return String(Unicode.Scalar(UInt32(code)) ?? "\u{FFFD}")
        case .string(let text):
            var scalars = text.unicodeScalars.makeIterator()
            guard scalars.next() != nil, scalars.next() == nil else {
                throw StarlarkError("%c format requires a single-character string")
            }
            return text
        default:
            throw StarlarkError("%c format requires int or single-character string, not \(argument.typeName)")
        }
    }
}
