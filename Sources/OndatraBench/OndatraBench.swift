import ArgumentParser

/// `ondatra-bench`: measurements that compare OndatraSQL with the tools its users know.
/// Not run by the tests; each suite prints its figures and the ratios between them.
@main
struct OndatraBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ondatra-bench",
        abstract: "Benchmarks for OndatraSQL, each beside the peer it is compared with.",
        subcommands: [
            ReadBenchmark.self, StarlarkBenchmark.self, DAGBenchmark.self, IngestBenchmark.self, SyncBenchmark.self,
            EventsBenchmark.self,
        ]
    )
}
