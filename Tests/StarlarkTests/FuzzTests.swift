import Foundation
import Testing

@testable import Starlark

/// Random bytes and random mutations of valid programs go through the lexer, parser and
/// resolver: every case must end with a program or a syntax error, never a crash or a hang.
@Suite struct FuzzTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments = [
        "(", ")", "[", "]", "{", "}", ":", ",", ";", ".", "=", "==", "+=", "**", "*", "-", "not ", " in ", "if ",
        "else ",
        "for ", "def ", "lambda ", "return ", "load(", "\"", "'", "\"\"\"", "\\", "\n", "\n    ", "#", "0x", "1e", "é",
        "\t",
        "while ", "break", "pass", "x", "f(", "[x for x in y]", "\u{0}", "\r\n",
    ]

    static func corpus() throws -> [String] {
        let folder = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "testdata")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".star") }
            .sorted()
        return try files.map { try String(contentsOf: folder.appending(path: $0), encoding: .utf8) }
    }

    private func compiles(_ source: String) {
        _ = try? StarlarkProgram(source: source, file: "fuzz.star", options: .all)
    }

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(state: 1)
        for _ in 0..<50_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...127, using: &generator) }
            compiles(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func mutatedProgramsNeverCrash() throws {
        var generator = SplitMix64(state: 2)
        let sources = try Self.corpus().flatMap { $0.components(separatedBy: "\n---\n") }
        #expect(!sources.isEmpty)
        for _ in 0..<50_000 {
            guard var bytes = sources.randomElement(using: &generator).map({ Array($0.utf8) }) else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where !bytes.isEmpty:
                    bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &generator)))
                case 1:
                    let fragment = Self.fragments.randomElement(using: &generator) ?? "("
                    bytes.insert(contentsOf: Array(fragment.utf8), at: at)
                default:
                    if !bytes.isEmpty { bytes[at] = UInt8.random(in: 0...127, using: &generator) }
                }
            }
            compiles(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        for opener in ["(", "[", "-", "not ", "{1: "] {
            let source = "x = " + String(repeating: opener, count: 100_000) + "1"
            #expect(throws: StarlarkSyntaxError.self) { try StarlarkProgram(source: source, file: "deep.star") }
        }
    }
}
