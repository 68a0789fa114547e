import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// `@constraint`, `@warning` and `@audit` with the built-in checks and a project's own.
@Suite struct CheckTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func run() throws -> [String: ModelResult] {
        let session = try Session(project: sandbox.project, environment: [:])
        let summary = try Runner(project: sandbox.project, session: session).run()
        return Dictionary(uniqueKeysWithValues: summary.results.map { ($0.target.description, $0) })
    }

    private func tableExists(_ name: String) throws -> Bool {
        let session = try Session(project: sandbox.project, environment: [:])
        return try CatalogState.load(session).tables.contains { $0.description == name }
    }

    @Test func constraintsStopTheWriteAndNameTheCheck() throws {
        try sandbox.write(
            "models/raw/people.sql",
            """
            -- @constraint: not_null(email)
            -- @constraint: unique(id)
            SELECT * FROM (VALUES (1, 'a@x'), (2, NULL)) v(id, email)
            """)
        let result = try run()["raw.people"]
        #expect(result?.status == .error)
        #expect(
            result?.errors.first?.contains(
                "constraint not_null(email) failed: 1 row(s) violate it (models/raw/people.sql:1)") == true)
        // The offending rows are shown, a few of them.
        #expect(result?.errors.first?.hasSuffix("; for example id=2, email=NULL") == true, "\(result?.errors ?? [])")
        #expect(try !tableExists("raw.people"))
    }

    @Test func everyBuiltInCheck() throws {
        try sandbox.write(
            "models/raw/orders.sql",
            """
            -- @constraint: not_null(id)
            -- @constraint: unique(id)
            -- @constraint: accepted_values(status, 'paid', 'refunded')
            -- @constraint: compare(amount, '>=', 0)
            -- @constraint: row_count('>', 1)
            -- @constraint: freshness(placed_at, '1 day')
            SELECT * FROM (VALUES (1, 'paid', 10, now()), (2, 'refunded', 0, now())) v(id, status, amount, placed_at)
            """)
        #expect(try run()["raw.orders"]?.status == .ok)
        try sandbox.write(
            "models/raw/bad.sql",
            "-- @warning: accepted_values(status, 'paid')\n-- @warning: row_count('>', 5)\nSELECT 'lost' AS status")
        let bad = try run()["raw.bad"]
        #expect(bad?.status == .ok)
        #expect(bad?.warnings.count == 2)
    }

    @Test func auditsRollBack() throws {
        try sandbox.write("models/raw/v.sql", "-- @audit: compare(x, '<', 10)\nSELECT 1 AS x")
        #expect(try run()["raw.v"]?.status == .ok)
        try sandbox.write("models/raw/v.sql", "-- @audit: compare(x, '<', 10)\nSELECT 50 AS x")
        let failed = try run()["raw.v"]
        #expect(failed?.errors.first?.contains("rolled back") == true)
        let session = try Session(project: sandbox.project, environment: [:])
        #expect(try session.query("SELECT x FROM raw.v").allRows() == [[.integer(1)]])
    }

    /// As docs/project.md says: a plain `CREATE OR REPLACE MACRO` in config/macros replaces a
    /// built-in check (it once went into the catalog, where the built-in one hid it).
    @Test func projectsReplaceBuiltInChecks() throws {
        try sandbox.write(
            "config/macros/not_null.sql",
            "CREATE OR REPLACE MACRO not_null(t, col) AS TABLE SELECT * FROM query_table(t) WHERE false;")
        try sandbox.write("models/raw/n.sql", "-- @constraint: not_null(n)\nSELECT NULL::INTEGER AS n")
        #expect(try run()["raw.n"]?.status == .ok)
        try sandbox.write("models/raw/n.sql", "-- @constraint: not_null(n)\nSELECT NULL::BIGINT AS n")
        #expect(try run()["raw.n"]?.status == .ok)
    }

    /// The docs' macro example, used by a model on two runs in a row.
    @Test func aConfigMacroWorksOnEveryRun() throws {
        try sandbox.write(
            "config/macros/cents.sql", "CREATE MACRO cents(amount) AS CAST(round(amount * 100) AS BIGINT);")
        try sandbox.write("models/raw/prices.sql", "SELECT cents(1.5) AS price")
        #expect(try run()["raw.prices"]?.status == .ok)
        try sandbox.write("models/raw/prices.sql", "SELECT cents(2.5) AS price")
        #expect(try run()["raw.prices"]?.status == .ok)
        let session = try Session(project: sandbox.project, environment: [:])
        #expect(try session.query("SELECT price FROM raw.prices").allRows() == [[.bigint(250)]])
    }

    @Test func projectsAddTheirOwnChecks() throws {
        try sandbox.write(
            "config/macros/positive.sql",
            "CREATE OR REPLACE TEMP MACRO positive(t, col) AS TABLE SELECT * FROM query_table(t) WHERE COLUMNS(col) <= 0;"
        )
        try sandbox.write("models/raw/n.sql", "-- @constraint: positive(n)\nSELECT -1 AS n")
        #expect(try run()["raw.n"]?.errors.first?.contains("positive(n) failed") == true)
        try sandbox.write("models/raw/n.sql", "-- @constraint: no_such_check(n)\nSELECT 1 AS n")
        #expect(try run()["raw.n"]?.errors.first?.contains("no_such_check(n) could not run") == true)
    }
}

/// A check that names another model makes that model run first.
@Suite struct CheckDependencyTests {
    let sandbox: TemporaryProject

    init() throws {
        sandbox = try TemporaryProject()
    }

    private func run() throws -> [ModelResult] {
        let session = try Session(project: sandbox.project, environment: [:])
        return try Runner(project: sandbox.project, session: session).run().results
    }

    @Test func relationshipsReadsTheParentModelWhichRunsFirst() throws {
        // By name alone a_orders would run before z_customers.
        try sandbox.write(
            "models/mart/a_orders.sql",
            """
            -- @constraint: relationships(customer_id, mart.z_customers, id)
            SELECT * FROM (VALUES (1, 10), (2, 20), (3, NULL)) v(id, customer_id)
            """)
        try sandbox.write("models/mart/z_customers.sql", "SELECT * FROM (VALUES (10), (20), (NULL)) v(id)")
        let first = try run()
        #expect(first.map(\.target.description) == ["mart.z_customers", "mart.a_orders"])
        #expect(first.allSatisfy { $0.status == .ok }, "\(first.flatMap(\.errors))")

        // A customer that does not exist is a violation, with the row shown.
        try sandbox.write("models/mart/z_customers.sql", "SELECT * FROM (VALUES (10)) v(id)")
        try sandbox.write(
            "models/mart/a_orders.sql",
            """
            -- @constraint: relationships(customer_id, 'mart.z_customers', id)
            SELECT * FROM (VALUES (1, 10), (2, 20), (3, NULL), (4, 10)) v(id, customer_id)
            """)
        let second = try run()
        let orders = try #require(second.first { $0.target.description == "mart.a_orders" })
        #expect(orders.status == .error)
        #expect(orders.errors.first?.hasSuffix("; for example id=2, customer_id=20") == true, "\(orders.errors)")
    }

    @Test func aCheckDependencyOrdersButDoesNotMakeTheModelRunAgain() throws {
        try sandbox.write(
            "models/mart/a_orders.sql",
            """
            -- @kind: merge
            -- @unique_key: id
            -- @audit: relationships(customer_id, mart.z_customers, id)
            SELECT * FROM (VALUES (1, 10)) v(id, customer_id)
            """)
        try sandbox.write("models/mart/z_customers.sql", "SELECT * FROM (VALUES (10)) v(id)")
        #expect(try run().allSatisfy { $0.status == .ok })
        // The customers change; the orders' query does not read them, so it reads no change.
        try sandbox.write("models/mart/z_customers.sql", "SELECT * FROM (VALUES (10), (11)) v(id)")
        let again = try run()
        let orders = try #require(again.first { $0.target.description == "mart.a_orders" })
        #expect(orders.reason == "no dependencies", "\(orders)")
        // A failed parent skips the model whose check reads it.
        try sandbox.write("models/mart/z_customers.sql", "SELECT nope FROM nowhere")
        let failed = try run()
        #expect(failed.first { $0.target.description == "mart.a_orders" }?.status == .skip)
    }
}
