import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// Selectors as dbt users write them, `run --plan` from the catalog's state alone, and the error
/// of a model whose upstream was never built.
@Suite struct SelectionAndPlanTests {
    let sandbox: TemporaryProject
    var project: Project { sandbox.project }

    /// raw.a → staging.b → mart.c, and mart.d on its own; raw.Orders has a capital letter.
    init() throws {
        sandbox = try TemporaryProject()
        try sandbox.write("models/raw/a.sql", "SELECT 1 AS id")
        try sandbox.write("models/staging/b.sql", "SELECT id FROM raw.a")
        try sandbox.write("models/mart/c.sql", "SELECT id FROM staging.b")
        try sandbox.write("models/mart/d.sql", "SELECT 2 AS x")
        try sandbox.write("models/raw/Orders.sql", "SELECT 3 AS n")
    }

    private func select(_ texts: [String], from directory: String = "") throws -> [String] {
        let session = try Session(project: project, environment: [:])
        let inspection = try ProjectInspection(project: project, session: session)
        let selectors = texts.compactMap(ModelSelector.init)
        #expect(selectors.count == texts.count)
        let picked = try ModelSelection.resolve(
            selectors, models: inspection.models, graph: inspection.graph, project: project,
            workingDirectory: project.url(directory))
        return picked.map(\.description).sorted()
    }

    private func run(_ texts: [String] = []) throws -> [String: ModelResult] {
        let session = try Session(project: project, environment: [:])
        let summary = try Runner(project: project, session: session).run(
            selecting: texts.compactMap(ModelSelector.init))
        return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
    }

    private func plan(_ texts: [String] = []) throws -> [String: PlannedModel] {
        let session = try Session(project: project, environment: [:])
        let planned = try Runner(project: project, session: session).plan(
            selecting: texts.compactMap(ModelSelector.init))
        return Dictionary(uniqueKeysWithValues: planned.map { ($0.target.description, $0) })
    }

    @Test func selectorsPickModelsUpstreamsDownstreamsSchemasAndFiles() throws {
        #expect(try select(["mart.c"]) == ["mart.c"])
        #expect(try select(["MART.C"]) == ["mart.c"])
        #expect(try select(["+mart.c"]) == ["mart.c", "raw.a", "staging.b"])
        #expect(try select(["raw.a+"]) == ["mart.c", "raw.a", "staging.b"])
        #expect(try select(["+staging.b+"]) == ["mart.c", "raw.a", "staging.b"])
        #expect(try select(["mart.*"]) == ["mart.c", "mart.d"])
        #expect(try select(["*"]).count == 5)
        #expect(try select(["raw.orders"]) == ["raw.Orders"])
        // A bare name: main.NAME, or the one model of any schema with that table name.
        #expect(try select(["d"]) == ["mart.d"])
        // Files and folders, relative to where the command was typed.
        #expect(try select(["models/staging/b.sql"]) == ["staging.b"])
        #expect(try select(["b.sql", "../mart/"], from: "models/staging") == ["mart.c", "mart.d", "staging.b"])
        #expect(try select([project.url("models/raw/a.sql").path + "+"]) == ["mart.c", "raw.a", "staging.b"])
    }

    @Test func aSelectorThatMatchesNothingListsTheModels() throws {
        let unknown = try #require(throws: OndatraError.self) { try select(["mart.nope"]) }
        #expect(unknown.message == "no model builds mart.nope (models: mart.c, mart.d, raw.Orders, raw.a, staging.b)")
        #expect(throws: OndatraError.self) { try select(["models/nowhere/"]) }
        #expect(throws: OndatraError.self) { try select(["nope.*"]) }
        try sandbox.write("models/staging/d.sql", "SELECT 4 AS x")
        let ambiguous = try #require(throws: OndatraError.self) { try select(["d"]) }
        #expect(ambiguous.message.contains("d names several models (mart.d, staging.d); write schema.table"))
        #expect(ModelSelector("+") == nil)
        #expect(ModelSelector("++") == nil)
    }

    @Test func aModelWhoseUpstreamWasNeverBuiltSaysWhatToRun() throws {
        let results = try run(["mart.c"])
        let error = try #require(results["mart.c"]?.errors.first)
        #expect(
            error
                == "models/mart/c.sql: reads staging.b, which has not been built yet; run `ondatrasql run +mart.c` "
                + "to build it with everything it reads, or `ondatrasql run staging.b` first")
        #expect(try run(["+mart.c"]).values.allSatisfy { $0.status == .ok })
    }

    @Test func thePlanSaysWhatARunWouldDoAndWritesNothing() throws {
        let before = try Session(project: project, environment: [:]).snapshots().count
        let first = try plan()
        #expect(first.values.allSatisfy { $0.runType == .backfill && $0.reason == "first run" && $0.status == .ok })
        #expect(try Session(project: project, environment: [:]).snapshots().count == before)
        // Selecting a model whose upstream is not built and not selected: the run would fail it.
        let alone = try plan(["mart.c"])
        #expect(alone["mart.c"]?.status == .error)
        #expect(alone["mart.c"]?.error?.contains("run `ondatrasql run +mart.c`") == true)
        #expect(try plan(["+mart.c"])["mart.c"]?.status == .ok)

        _ = try run()
        let idle = try plan()
        #expect(idle["raw.a"]?.line == "[SKIP] raw.a (table, skip: no dependencies)")
        #expect(idle["mart.c"]?.line == "[SKIP] mart.c (table, skip: deps unchanged)")

        // A change upstream: the models downstream run after it, as the run will decide.
        try sandbox.write("models/raw/a.sql", "SELECT 5 AS id")
        let changed = try plan()
        #expect(changed["raw.a"]?.line == "[RUN] raw.a (table, backfill: sql changed)")
        #expect(changed["staging.b"]?.line == "[RUN] staging.b (table, full: dep changed: raw.a (runs first))")
        #expect(changed["mart.c"]?.runType == .full)
        #expect(changed["mart.d"]?.status == .skip)
        let ran = try run()
        for (target, planned) in changed {
            #expect(ran[target]?.runType == planned.runType, "\(target)")
        }
    }

    @Test func thePlanNamesAFailingUpstreamAndARefusal() throws {
        try sandbox.write("models/raw/a.sql", "SELEC 1")
        let planned = try plan()
        #expect(planned["raw.a"]?.status == .error)
        #expect(planned["staging.b"]?.line == "[SKIP] staging.b (table, skip: upstream model failed: raw.a)")
        #expect(planned["mart.c"]?.reason == "upstream model failed: raw.a")

        try sandbox.write("models/raw/a.sql", "SELECT 1 AS id")
        try sandbox.write("models/mart/d.sql", "-- @kind: merge\n-- @unique_key: x\nSELECT 2 AS x")
        _ = try run()
        try sandbox.write("models/mart/d.sql", "SELECT 2 AS x")
        let refused = try #require(try plan(["mart.d"])["mart.d"])
        #expect(refused.status == .error)
        #expect(refused.error?.contains("kind changed: merge → table") == true)
    }
}

/// An events model's mistakes fail that model only.
@Suite struct EventsModelMistakeTests {
    @Test(arguments: [
        ("-- @kind: events\n", "an events model declares at least one column"),
        (
            "-- @kind: events\n-- @sink: hubspot\nid INTEGER\n",
            "models/raw/clicks.sql:2: an events model allows only @description, not @sink; an events model collects"
        ),
    ])
    func aBadEventsModelFailsAloneAndTheOthersRun(header: String, says: String) throws {
        let sandbox = try TemporaryProject()
        try sandbox.write("models/raw/clicks.sql", header)
        try sandbox.write("models/raw/other.sql", "SELECT 1 AS id")
        try sandbox.write("models/mart/reads.sql", "SELECT * FROM raw.clicks")
        let session = try Session(project: sandbox.project, environment: [:])
        let results = Dictionary(
            uniqueKeysWithValues: try Runner(project: sandbox.project, session: session).run().results.map {
                ($0.target.description, $0)
            })
        #expect(results["raw.clicks"]?.status == .error)
        #expect(results["raw.clicks"]?.errors.first?.contains(says) == true, "\(results["raw.clicks"]?.errors ?? [])")
        #expect(results["raw.other"]?.status == .ok)
        #expect(results["mart.reads"]?.status == .skip)
    }
}

/// Regression: a model reading the table of a deleted model kept its frozen rows silently.
@Suite struct LeftOverTableTests {
    @Test func readingATableNoModelBuildsAnyMoreWarns() throws {
        let sandbox = try TemporaryProject()
        try sandbox.write("models/raw/customers.sql", "SELECT 1 AS id")
        try sandbox.write("models/staging/orders.sql", "SELECT id FROM raw.customers")
        func run() throws -> [String: ModelResult] {
            let session = try Session(project: sandbox.project, environment: [:])
            return Dictionary(
                uniqueKeysWithValues: try Runner(project: sandbox.project, session: session).run().results.map {
                    ($0.target.description, $0)
                })
        }
        #expect(try run()["staging.orders"]?.warnings == [])
        try FileManager.default.removeItem(at: sandbox.project.url("models/raw/customers.sql"))
        let after = try #require(try run()["staging.orders"])
        #expect(after.status == .skip)
        #expect(after.warnings.count == 1)
        #expect(after.warnings.first?.hasPrefix("reads raw.customers, which no model builds any more") == true)
    }
}

/// Regression: only the first model file's mistake was shown, so a project with several took one
/// run per mistake to fix.
@Suite struct DiscoveryMistakesTests {
    @Test func everyModelFilesMistakeIsListedAtOnce() throws {
        let sandbox = try TemporaryProject()
        try sandbox.write("models/raw/ok.sql", "SELECT 1 AS id")
        try sandbox.write("models/raw/kind.sql", "-- @kind: tabel\nSELECT 1")
        try sandbox.write("models/mart/twice.sql", "-- @kind: table\n-- @kind: append\nSELECT 1")
        try Data([0x53, 0xFF]).write(to: sandbox.project.url("models/mart/binary.sql"))
        let error = try #require(throws: OndatraError.self) { try ModelDiscovery.models(in: sandbox.project) }
        #expect(error.code == .project)
        let lines = error.message.split(separator: "\n").map(String.init)
        #expect(lines.first == "3 model files have mistakes:")
        #expect(
            lines.dropFirst().map { String($0.prefix(30)) } == [
                "  models/mart/binary.sql: is n", "  models/mart/twice.sql:2: @ki", "  models/raw/kind.sql:1: unkno",
            ])
        try FileManager.default.removeItem(at: sandbox.project.url("models/mart/binary.sql"))
        try FileManager.default.removeItem(at: sandbox.project.url("models/mart/twice.sql"))
        let one = try #require(throws: OndatraError.self) { try ModelDiscovery.models(in: sandbox.project) }
        #expect(one.description.hasPrefix("models/raw/kind.sql:1: unknown kind 'tabel'"))
    }
}

/// Regression: `models/raw/up.SQL` was ignored without a word.
@Suite struct UpperCaseExtensionTests {
    @Test func aModelFileMayEndInUpperCase() throws {
        let sandbox = try TemporaryProject()
        try sandbox.write("models/raw/up.SQL", "SELECT 1 AS id")
        try sandbox.write("models/raw/st.STAR", "save.row({\"id\": 2})\n")
        try sandbox.write("models/raw/backup.sql~", "SELECT 3 AS id")
        let models = try ModelDiscovery.models(in: sandbox.project)
        #expect(models.map(\.target.description) == ["raw.st", "raw.up"])
        #expect(models.map(\.language) == [.starlark, .sql])
    }
}
