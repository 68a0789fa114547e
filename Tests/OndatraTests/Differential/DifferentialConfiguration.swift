import Foundation

/// How many rounds and which seeds a differential test runs, from the environment:
///
/// - `ONDATRA_DIFFERENTIAL_ROUNDS`: rounds after the first run (default 10);
/// - `ONDATRA_DIFFERENTIAL_SEED`: the first seed, decimal or `0x…` hex, or `random` (default fixed,
///   so `scripts/test` is reproducible);
/// - `ONDATRA_DIFFERENTIAL_SEEDS`: how many consecutive seeds to run, each in a new project (default 1);
/// - `ONDATRA_DIFFERENTIAL_THREADS`: DuckDB threads of the project's sessions (default 1: with a few
///   hundred rows, more threads cost the default run about a third more CPU for nothing; `default`
///   keeps DuckDB's one per core, for soaks that should also see parallel plans).
///
/// A soak: `ONDATRA_DIFFERENTIAL_ROUNDS=200 ONDATRA_DIFFERENTIAL_SEEDS=5 ONDATRA_DIFFERENTIAL_SEED=random
/// swift test --skip-build --filter Differential`.
struct DifferentialConfiguration {
    static let defaultSeed: UInt64 = 0x0DA7_A5E1
    static let defaultRounds = 10

    var seeds: [UInt64]
    var rounds: Int
    /// nil: DuckDB's default.
    var threads: Int?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        rounds = environment["ONDATRA_DIFFERENTIAL_ROUNDS"].flatMap { Int($0) }.map { max(1, $0) } ?? Self.defaultRounds
        let first: UInt64
        switch environment["ONDATRA_DIFFERENTIAL_SEED"]?.lowercased() {
        case nil: first = Self.defaultSeed
        case "random": first = UInt64.random(in: 0...UInt64(UInt32.max))
        case let text?:
            let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            first = parsed ?? Self.defaultSeed
        }
        let count = environment["ONDATRA_DIFFERENTIAL_SEEDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 1
        seeds = (0..<count).map { first &+ UInt64($0) }
        switch environment["ONDATRA_DIFFERENTIAL_THREADS"]?.lowercased() {
        case nil: threads = 1
        case "default": threads = nil
        case let text?: threads = Int(text).map { max(1, $0) } ?? 1
        }
    }
}
