/// A small seeded random generator (SplitMix64), so a differential run is reproduced exactly from
/// its seed on any machine and toolchain: no system randomness is involved.
struct SplitMix64 {
    /// The seed the generator started from, printed with every failure.
    let seed: UInt64
    private var state: UInt64

    /// Starts the sequence of `seed`.
    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range` (which must not be empty), without modulo bias worth caring about here.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % width)
    }

    /// True with the given chance, in percent.
    mutating func percent(_ chance: Int) -> Bool { int(in: 0...99) < chance }

    /// One element of a non-empty array.
    mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[int(in: 0...(elements.count - 1))]
    }

    /// The elements in a random order (Fisher–Yates).
    mutating func shuffled<Element>(_ elements: [Element]) -> [Element] {
        var result = elements
        guard result.count > 1 else { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, int(in: 0...index))
        }
        return result
    }
}
