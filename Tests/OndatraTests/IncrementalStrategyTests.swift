import DuckDB
import Testing

@testable import Ondatra

/// The strategy rules as a pure function of a query's shape and the changed upstreams.
@Suite struct IncrementalStrategyTests {
    let orders = Target(schema: "raw", table: "orders")
    let customers = Target(schema: "raw", table: "customers")

    private func shape(linear: [Target: Bool], grouping: QueryShape.Grouping? = nil) -> QueryShape {
        QueryShape(
            references: linear.sorted { $0.key < $1.key }.map { .init(target: $0.key, linear: $0.value) },
            grouping: grouping)
    }

    @Test func nothingChangedRunsNothing() {
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["id"], shape: shape(linear: [orders: true]), changed: [])
                == .nothing)
    }

    @Test func deltaOnlyForOneLinearUpstream() {
        let both = shape(linear: [orders: true, customers: true])
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["id"], shape: both, changed: [orders]) == .delta(orders))
        #expect(
            IncrementalStrategy.choose(kind: .append, keys: [], shape: both, changed: [customers]) == .delta(customers))
        // Two changed upstreams: neither delta alone equals the full query.
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["id"], shape: both, changed: [orders, customers])
                == .full(reason: "2 upstreams changed"))
        // The nullable side of an outer join is not linear.
        let outer = shape(linear: [orders: true, customers: false])
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["id"], shape: outer, changed: [customers])
                == .full(reason: "query is not row by row in raw.customers"))
    }

    @Test func affectedKeysWhenTheGroupingCoversTheKey() {
        let grouped = shape(
            linear: [orders: false],
            grouping: .init(groupColumns: ["customer_id"], fromTables: [orders: false]))
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["customer_id"], shape: grouped, changed: [orders])
                == .affectedKeys([orders]))
        #expect(
            IncrementalStrategy.choose(kind: .partition, keys: ["customer_id"], shape: grouped, changed: [orders])
                == .affectedKeys([orders]))
        // A key the grouping does not cover, or append (which has no key), runs the full query.
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["total"], shape: grouped, changed: [orders])
                == .full(reason: "query is not row by row in raw.orders"))
        #expect(
            IncrementalStrategy.choose(kind: .append, keys: [], shape: grouped, changed: [orders])
                == .full(reason: "query is not row by row in raw.orders"))
        // A changed table read outside the aggregate's FROM (a subquery) cannot be followed.
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["customer_id"], shape: grouped, changed: [customers])
                == .full(reason: "query is not row by row in raw.customers"))
    }

    @Test func kindsThatCompareAlwaysRunTheFullQuery() {
        let linear = shape(linear: [orders: true])
        #expect(
            IncrementalStrategy.choose(kind: .tracked, keys: ["id"], shape: linear, changed: [orders])
                == .full(reason: "tracked compares"))
        #expect(
            IncrementalStrategy.choose(kind: .merge, keys: ["id"], shape: nil, changed: [orders])
                == .full(reason: "query shape not understood"))
    }
}

/// Shapes read from DuckDB's parser for the queries users write.
@Suite struct QueryShapeTests {
    let connection: Connection
    let rowWise: Set<String>
    let models: Set<Target> = [
        Target(schema: "raw", table: "orders"), Target(schema: "raw", table: "customers"),
        Target(schema: "raw", table: "refunds"),
    ]

    init() throws {
        connection = try Database().connect()
        rowWise = Set(
            try connection.rows("SELECT lower(function_name) FROM duckdb_functions() WHERE function_type = 'scalar'")
                .compactMap { $0.first?.string })
    }

    private func shape(_ sql: String) throws -> QueryShape? {
        let references = try TableReferences.of(sql, on: connection)
        let plan = try #require(references.plan)
        return QueryShape.analyze(plan, rowWise: rowWise) {
            references.modelTarget($0, catalog: "lake", models: models)
        }
    }

    private func linear(_ sql: String, _ table: String) throws -> Bool {
        try #require(try shape(sql)).isLinear(in: Target(schema: "raw", table: table))
    }

    @Test func rowByRowQueriesAreLinear() throws {
        #expect(try linear("SELECT id, amount * 2 AS a FROM raw.orders WHERE amount > 0", "orders"))
        #expect(
            try linear("SELECT o.id, c.plan FROM raw.orders o JOIN raw.customers c USING (customer_id)", "customers"))
        #expect(try linear("SELECT id FROM raw.orders UNION ALL SELECT id FROM raw.refunds", "refunds"))
        #expect(try linear("WITH o AS (SELECT * FROM raw.orders) SELECT id FROM o WHERE id > 1", "orders"))
        #expect(
            try linear(
                "SELECT id FROM raw.orders WHERE customer_id IN (SELECT customer_id FROM raw.customers)", "orders"))
    }

    @Test func aggregatesWindowsAndSetOperationsAreNot() throws {
        #expect(try !linear("SELECT customer_id, sum(amount) FROM raw.orders GROUP BY customer_id", "orders"))
        #expect(try !linear("SELECT count(*) AS n FROM raw.orders", "orders"))
        #expect(try !linear("SELECT DISTINCT customer_id FROM raw.orders", "orders"))
        #expect(try !linear("SELECT id, row_number() OVER (ORDER BY id) FROM raw.orders", "orders"))
        #expect(try !linear("SELECT id FROM raw.orders LIMIT 5", "orders"))
        #expect(try !linear("SELECT id FROM raw.orders UNION SELECT id FROM raw.refunds", "orders"))
        #expect(try !linear("SELECT o.id FROM raw.orders o LEFT JOIN raw.customers c USING (customer_id)", "customers"))
        #expect(try linear("SELECT o.id FROM raw.orders o LEFT JOIN raw.customers c USING (customer_id)", "orders"))
        #expect(
            try !linear(
                "SELECT id FROM raw.orders WHERE customer_id IN (SELECT customer_id FROM raw.customers)", "customers"))
        #expect(try !linear("SELECT a.id FROM raw.orders a JOIN raw.orders b USING (id)", "orders"))
        #expect(
            try !linear("WITH o AS (SELECT * FROM raw.orders) SELECT * FROM o UNION ALL SELECT * FROM o", "orders"))
    }

    @Test func groupingCoversKeysItOutputs() throws {
        let grouped = try #require(
            try shape(
                "SELECT o.customer_id, c.plan, sum(amount) AS total FROM raw.orders o JOIN raw.customers c USING (customer_id) GROUP BY 1, c.plan"
            )?.grouping)
        #expect(grouped.groupColumns == ["customer_id", "plan"])
        #expect(grouped.fromTables.count == 2)
        let all = try #require(
            try shape("SELECT customer_id AS k, count(*) AS n FROM raw.orders GROUP BY ALL")?.grouping)
        #expect(all.groupColumns == ["k"])
        // A window over the groups mixes them: no grouping to restrict.
        #expect(
            try shape("SELECT customer_id, rank() OVER (ORDER BY sum(amount)) FROM raw.orders GROUP BY 1")?.grouping
                == nil)
    }
}
