import Foundation
import Testing

@testable import Ondatra

@Suite struct ModelParserTests {
    /// Regression: a byte-order mark hid the first directive (`@kind: merge` built a table).
    @Test func aByteOrderMarkDoesNotHideTheFirstDirective() throws {
        let model = try ModelParser.parse(
            path: "models/raw/a.sql", text: "\u{FEFF}-- @kind: merge\n-- @unique_key: id\r\nSELECT 1 AS id\r\n")
        #expect(model.kind == .merge)
        #expect(model.directives.uniqueKey == ["id"])
        let events = try ModelParser.parse(path: "models/raw/e.sql", text: "\u{FEFF}-- @kind: events\nname VARCHAR\n")
        #expect(events.kind == .events)
        #expect(events.bodyLine == 2)
    }

    @Test func kindsAreReadWithoutRegardToCase() throws {
        let model = try ModelParser.parse(
            path: "models/raw/a.sql", text: "-- @kind: MERGE\n-- @unique_key: id\nSELECT 1 AS id\n")
        #expect(model.kind == .merge)
    }

    @Test func pathsMapToTargets() throws {
        #expect(try ModelParser.target(forPath: "models/orders.sql") == Target(schema: "main", table: "orders"))
        #expect(
            try ModelParser.target(forPath: "models/staging/orders.sql") == Target(schema: "staging", table: "orders"))
        #expect(
            try ModelParser.target(forPath: "models/raw/api/orders.star") == Target(schema: "raw", table: "api__orders")
        )
        #expect(throws: OndatraError.self) { try ModelParser.target(forPath: "models/raw/my-orders.sql") }
        #expect(throws: OndatraError.self) { try ModelParser.target(forPath: "models/raw/a__b.sql") }
        #expect(throws: OndatraError.self) { try ModelParser.target(forPath: "models/9raw/x.sql") }
    }

    /// DuckDB matches names without regard to case, and so do targets; each keeps its spelling.
    @Test func targetsMatchWithoutRegardToCase() {
        let lower = Target(schema: "staging", table: "orders")
        let mixed = Target(schema: "Staging", table: "ORDERS")
        #expect(lower == mixed)
        #expect(Set([lower, mixed]).count == 1)
        #expect(!(lower < mixed) && !(mixed < lower))
        #expect(mixed.description == "Staging.ORDERS")
        #expect(Target(schema: "a", table: "B") < Target(schema: "a", table: "c"))
        #expect(Target(schema: "a", table: "x") != Target(schema: "b", table: "x"))
    }

    @Test func headersAndBodies() throws {
        let model = try ModelParser.parse(
            path: "models/mart/customers.sql",
            text: """
                -- Customers, one row each.
                -- @kind: merge
                -- @unique_key: customer_id, region
                -- @sink: crm_push('contacts', 2)
                -- @constraint: not_null(email)
                -- @column: email = contact address | mask_email

                SELECT * FROM staging.customers -- trailing comment
                WHERE active;
                """)
        #expect(model.kind == .merge)
        #expect(model.directives.uniqueKey == ["customer_id", "region"])
        #expect(model.directives.sink == "crm_push('contacts', 2)")
        #expect(model.directives.constraints.map(\.call) == ["not_null(email)"])
        #expect(
            model.directives.columns == [
                ColumnNote(
                    column: "email", description: "contact address", mask: "mask_email", tags: ["mask_email"], line: 6)
            ])
        #expect(model.body.hasPrefix("SELECT * FROM staging.customers"))
        #expect(model.bodyLine == 8)
    }

    /// Headers once kept the `\r` of Windows line ends, so `@kind: merge\r` was an unknown kind.
    @Test(arguments: ["\r\n", "\r"])
    func windowsAndClassicMacLineEndings(ending: String) throws {
        let sql = try ModelParser.parse(
            path: "models/staging/orders.sql",
            text: ["-- Orders.", "-- @kind: merge", "-- @unique_key: id", "", "SELECT 1 AS id", "-- end", ""]
                .joined(separator: ending))
        #expect(sql.kind == .merge)
        #expect(sql.directives.uniqueKey == ["id"])
        #expect(sql.body == "SELECT 1 AS id\n-- end")
        #expect(sql.bodyLine == 5)
        let star = try ModelParser.parse(
            path: "models/raw/items.star",
            text: ["# @kind: tracked", "# @unique_key: id", "save.row({\"id\": 1})", ""].joined(separator: ending))
        #expect(star.kind == .tracked)
        #expect(star.directives.uniqueKey == ["id"])
        #expect(star.body == "save.row({\"id\": 1})\n")
        #expect(star.bodyLine == 3)
        let twice = #expect(throws: OndatraError.self) {
            try ModelParser.parse(path: "models/x.sql", text: "SELECT 1;\(ending)\(ending)SELECT 2")
        }
        #expect(twice?.line == 3)
    }

    @Test(arguments: [
        ("-- @kind: tabel\nSELECT 1", "unknown kind 'tabel'", 1),
        ("-- @materialized: table\nSELECT 1", "unknown directive @materialized", 1),
        ("-- @kind table\nSELECT 1", "@kind needs a value", 1),
        ("-- @kind: merge\nSELECT 1", "needs @unique_key", 1),
        ("-- @kind: table\n-- @kind: append\nSELECT 1", "@kind is given twice", 2),
        ("-- @unique_key: id, 2x\nSELECT 1", "'2x' is not a column name", 1),
        ("SELECT 1;\nSELECT 2", "exactly one SQL statement", 2),
        ("-- only a comment\n", "no SQL statement", 2),
    ])
    func badHeadersNameTheLine(text: String, message: String, line: Int) {
        let error = #expect(throws: OndatraError.self) { try ModelParser.parse(path: "models/x.sql", text: text) }
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "no error")")
        #expect(error?.line == line)
        #expect(error?.file == "models/x.sql")
    }

    /// An events model's extra directive is kept as the model's problem (it fails that model
    /// only), with its line.
    @Test func anEventsModelsExtraDirectiveIsItsOwnProblem() throws {
        let model = try ModelParser.parse(
            path: "models/x.sql", text: "-- @kind: events\n-- @description: clicks\n-- @sink: x\nid INTEGER")
        #expect(model.problem?.message.contains("events model allows only @description, not @sink") == true)
        #expect(model.problem?.line == 3)
        #expect(try ModelParser.parse(path: "models/x.sql", text: "-- @kind: events\nid INTEGER").problem == nil)
    }

    @Test func hashIgnoresCommentsWhitespaceAndCaseOutsideLiterals() throws {
        func hash(_ body: String) throws -> String {
            ModelHash.of(try ModelParser.parse(path: "models/x.sql", text: body), configText: "")
        }
        #expect(try hash("SELECT a  FROM t -- note\nWHERE x = 'Y'") == hash("select a from t where x = 'Y'"))
        #expect(try hash("SELECT a FROM t WHERE x = 'Y'") != hash("SELECT a FROM t WHERE x = 'y'"))
        #expect(try hash("-- @kind: append\nSELECT 1") != hash("SELECT 1"))
        // Line endings do not count, not even after a comment or inside a literal.
        let unix = "SELECT a -- note\nFROM t WHERE x = 'Y\nZ'"
        #expect(try hash(unix.replacingOccurrences(of: "\n", with: "\r\n")) == hash(unix))
        #expect(try hash(unix.replacingOccurrences(of: "\n", with: "\r")) == hash(unix))
        #expect(
            ModelHash.normalize("a = 1  \r\nb = 2\r", language: .starlark)
                == ModelHash.normalize("a = 1\nb = 2\n", language: .starlark))
    }
}

@Suite struct DependencyGraphTests {
    let a = Target(schema: "raw", table: "a")
    let b = Target(schema: "staging", table: "b")
    let c = Target(schema: "staging", table: "c")
    let d = Target(schema: "mart", table: "d")

    @Test func ordersDependenciesFirstWithNameTieBreaks() throws {
        let graph = try DependencyGraph(dependencies: [d: [b, c], c: [a], b: [a], a: []])
        #expect(graph.order == [a, b, c, d])
        #expect(graph.downstream(of: a) == [b, c, d])
    }

    @Test func cyclesAreNamed() {
        let error = #expect(throws: OndatraError.self) {
            try DependencyGraph(dependencies: [a: [c], b: [a], c: [b], d: []])
        }
        #expect(error?.message == "dependency cycle: raw.a → staging.c → staging.b → raw.a")
    }
}

@Suite struct RunPlannerTests {
    let dep = Target(schema: "raw", table: "x")
    let model = Target(schema: "mart", table: "m")
    let recorded = RunPlanner.Recorded(snapshot: 5, modelHash: "h")

    private func decide(
        _ kind: ModelKind, hash: String = "h", exists: Bool = true, recorded: RunPlanner.Recorded?,
        deps: [(Target, Int64?)] = [], outside: Bool = false, files: String? = nil, fullRefresh: Bool = false,
        key: [String] = ["id"]
    ) throws -> RunDecision {
        var inputs = RunPlanner.Inputs(kind: kind, uniqueKey: key, hash: hash, targetExists: exists)
        inputs.dependencySnapshots = deps
        inputs.readsOutsideCatalog = outside
        inputs.filesFingerprint = files
        inputs.fullRefresh = fullRefresh
        return try RunPlanner.decide(inputs, recorded: recorded, target: model)
    }

    @Test func followsTheSpecTable() throws {
        #expect(
            try decide(.table, exists: false, recorded: nil) == RunDecision(runType: .backfill, reason: "first run"))
        #expect(
            try decide(.partition, hash: "other", recorded: recorded)
                == RunDecision(runType: .backfill, reason: "sql changed"))
        #expect(
            try decide(.table, recorded: recorded, deps: [(dep, 7)])
                == RunDecision(runType: .full, reason: "dep changed: raw.x"))
        #expect(
            try decide(.table, recorded: recorded, deps: [(dep, 3)])
                == RunDecision(runType: .skip, reason: "deps unchanged"))
        #expect(try decide(.table, recorded: recorded) == RunDecision(runType: .skip, reason: "no dependencies"))
        #expect(
            try decide(.append, recorded: recorded, deps: [(dep, 3)])
                == RunDecision(runType: .skip, reason: "deps unchanged"))
        #expect(try decide(.append, recorded: recorded, deps: [(dep, 7)]).runType == .incremental)
        #expect(try decide(.events, recorded: recorded).runType == .flush)
        #expect(try decide(.table, recorded: recorded, outside: true).runType == .full)
        #expect(try decide(.merge, recorded: recorded, outside: true).reads == .everything)
    }

    @Test func aSQLChangeKeepsHistoryOfKindsThatHaveIt() throws {
        for kind in [ModelKind.merge, .scd2, .tracked, .append] {
            #expect(
                try decide(kind, hash: "other", recorded: recorded)
                    == RunDecision(runType: .full, reason: "sql changed"))
        }
        #expect(try decide(.table, hash: "other", recorded: recorded).runType == .backfill)
    }

    @Test func kindAndKeyChangesOfHistoryKindsAreRefused() throws {
        var merge = recorded
        merge.kind = .merge
        merge.uniqueKey = ["id"]
        #expect(throws: RunPlanner.Refusal.self) { try decide(.table, recorded: merge) }
        #expect(throws: RunPlanner.Refusal.self) { try decide(.merge, recorded: merge, key: ["id", "day"]) }
        #expect(throws: RunPlanner.Refusal.self) { try decide(.scd2, recorded: merge) }
        var table = recorded
        table.kind = .table
        #expect(throws: RunPlanner.Refusal.self) { try decide(.merge, recorded: table) }
        #expect(
            try decide(.partition, recorded: table)
                == RunDecision(runType: .backfill, reason: "kind changed: table → partition"))
        #expect(
            try decide(.table, recorded: merge, fullRefresh: true)
                == RunDecision(runType: .backfill, reason: "full refresh"))
        // Case does not make a key change.
        #expect(try decide(.merge, recorded: merge, key: ["ID"]).runType == .skip)
    }

    @Test func fileSourcesRunOnlyWhenTheirFilesChange() throws {
        let withFiles = RunPlanner.Recorded(snapshot: 5, modelHash: "h", filesFingerprint: "f1")
        #expect(
            try decide(.table, recorded: withFiles, files: "f1")
                == RunDecision(runType: .skip, reason: "no dependencies"))
        #expect(
            try decide(.table, recorded: withFiles, files: "f2")
                == RunDecision(runType: .full, reason: "source files changed"))
        #expect(
            try decide(.merge, recorded: withFiles, files: "f1")
                == RunDecision(runType: .skip, reason: "no dependencies"))
        #expect(
            try decide(.merge, recorded: withFiles, files: "f2")
                == RunDecision(runType: .incremental, reason: "source files changed", reads: .everything))
        #expect(try decide(.merge, recorded: withFiles, deps: [(dep, 7)], files: "f1").reads == .changes)
    }
}

/// `@column` tags: masking tags choose a macro, other tags label the column.
@Suite struct ColumnNoteTests {
    @Test func tagsLabelOrMask() throws {
        let note = try ColumnNote.parse(" email = the contact | pii | hash ", line: 3, path: "models/x.sql")
        #expect(note.column == "email")
        #expect(note.description == "the contact")
        #expect(note.tags == ["pii", "hash"])
        #expect(note.mask == "hash_pii")
        // Regression: a column with spaces or non-ASCII letters could not be described or masked.
        let quoted = try ColumnNote.parse(#""E-mail Address" = work mail | mask_email"#, line: 2, path: "models/x.sql")
        #expect(quoted.column == "E-mail Address" && quoted.mask == "mask_email")
        #expect(try ColumnNote.parse(#""größe" = size"#, line: 2, path: "models/x.sql").column == "größe")
        let bare = try ColumnNote.parse("id = | finance", line: 1, path: "models/x.sql")
        #expect(bare.description.isEmpty && bare.mask == nil && bare.tags == ["finance"])
    }
}
