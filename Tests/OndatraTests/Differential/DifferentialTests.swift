import Testing

/// Proof that incremental runs give exactly what full recomputes give: every kind in many model
/// shapes over sources that receive seeded random changes, checked after every run (see
/// ``DifferentialHarness`` and ``ModelOracle``). Longer soaks: ``DifferentialConfiguration``.
@Suite struct DifferentialTests {
    @Test func incrementalRunsEqualFullRecomputes() throws {
        let configuration = DifferentialConfiguration()
        for seed in configuration.seeds {
            let report: DifferentialHarness.Report
            do {
                report = try DifferentialHarness(
                    seed: seed, rounds: configuration.rounds, threads: configuration.threads
                ).run()
            } catch {
                Issue.record("differential seed \(DifferentialHarness.hex(seed)) stopped: \(error)")
                continue
            }
            print(report.summary)
            for failure in report.failures {
                Issue.record(Comment(rawValue: failure.text))
            }
        }
    }
}
