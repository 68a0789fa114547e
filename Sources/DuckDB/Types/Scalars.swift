/// A `DECIMAL(width, scale)` value: an integer ``value`` scaled by 10^-``scale``.
public struct DecimalValue: Hashable, Sendable, CustomStringConvertible {
    /// The unscaled integer (`12345` with scale 2 is `123.45`).
    public var value: Int128
    /// Total digits, 1–38.
    public var width: UInt8
    /// Digits after the decimal point.
    public var scale: UInt8

    /// Creates a decimal.
    public init(value: Int128, width: UInt8, scale: UInt8) {
        self.value = value
        self.width = width
        self.scale = scale
    }

    /// The exact decimal text, e.g. `-0.05`.
    public var description: String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded =
            digits.count > Int(scale) ? digits : String(repeating: "0", count: Int(scale) + 1 - digits.count) + digits
        let split = padded.index(padded.endIndex, offsetBy: -Int(scale))
        return sign + padded[..<split] + "." + padded[split...]
    }

    /// The nearest `Double` (may lose precision beyond 15–17 significant digits).
    public var doubleValue: Double {
        Double(value) / Self.powerOfTen(Int(scale))
    }

    /// Whether the value survives a round trip through `Double`: any decimal with at most 15
    /// significant digits does, so JSON output may write it as a number.
    public var roundTripsThroughDouble: Bool {
        value.magnitude < 1_000_000_000_000_000
    }

    private static func powerOfTen(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= 10 }
        return result
    }
}

/// A `UUID`, as its 128 bits in the usual (big-endian, text) order.
public struct UUIDValue: Hashable, Sendable, CustomStringConvertible {
    /// The 128 bits, most significant first as in the text form.
    public var bits: UInt128

    /// Creates a UUID from its bits.
    public init(bits: UInt128) { self.bits = bits }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hyphens optional, case-insensitive).
    public init?(_ text: String) {
        let hex = text.filter { $0 != "-" }
        guard hex.count == 32, let bits = UInt128(hex, radix: 16) else { return nil }
        self.bits = bits
    }

    /// DuckDB stores a UUID as a HUGEINT with the top bit flipped so that it sorts as text does.
    init(storage: Int128) { bits = UInt128(bitPattern: storage) ^ (1 << 127) }

    /// The stored HUGEINT form.
    var storage: Int128 { Int128(bitPattern: bits ^ (1 << 127)) }

    /// Lower-case `8-4-4-4-12` text.
    public var description: String {
        let hex = String(bits, radix: 16)
        let full = String(repeating: "0", count: 32 - hex.count) + hex
        var output = ""
        for (offset, character) in full.enumerated() {
            if [8, 12, 16, 20].contains(offset) { output.append("-") }
            output.append(character)
        }
        return output
    }
}
