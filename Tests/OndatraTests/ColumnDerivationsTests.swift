import DuckDB
import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

/// Column lineage read from DuckDB's parse tree: aliases, joins, CTEs, subqueries, stars and
/// set operations, with how each column is made.
@Suite struct ColumnDerivationsTests {
    let sandbox: TemporaryProject
    let session: Session

    init() throws {
        sandbox = try TemporaryProject()
        session = try Session(project: sandbox.project, environment: [:])
    }

    /// `name: transform ← sources` per output column.
    private func lineage(_ sql: String, tables: [String: [String]] = [:]) throws -> [String] {
        let text = try #require(
            try session.connection.rows("SELECT json_serialize_sql(\(SQLLiteral.quote(sql)))").first?.first?.string)
        let tree = try JSONValue.parse(text)
        return ColumnDerivations.of(tree: tree) { tables[$0] }.map {
            "\($0.name): \($0.transform.rawValue) ← \($0.sources.map(\.description).joined(separator: ", "))"
        }
    }

    @Test func aliasesJoinsAndCTEsLeadToTheTableColumns() throws {
        let found = try lineage(
            """
            WITH c AS (SELECT id AS cid, name FROM raw.customers)
            SELECT o.id, o.amount * 1.2 AS gross, upper(c.name) AS customer, note
            FROM raw.orders o JOIN c ON o.customer_id = c.cid
            """, tables: ["raw.orders": ["id", "customer_id", "amount", "note"]])
        #expect(
            found == [
                "id: direct ← raw.orders.id", "gross: expression ← raw.orders.amount",
                "customer: expression ← raw.customers.name", "note: direct ← raw.orders.note",
            ])
    }

    @Test func aggregatesSubqueriesStarsAndUnions() throws {
        #expect(
            try lineage("SELECT region, sum(amount) AS total FROM sales GROUP BY region")
                == ["region: direct ← main.sales.region", "total: aggregate ← main.sales.amount"])
        #expect(
            try lineage("SELECT s.x AS y FROM (SELECT a + b AS x FROM raw.t) s")
                == ["y: expression ← raw.t.a, raw.t.b"])
        #expect(
            try lineage("SELECT * FROM raw.t", tables: ["raw.t": ["a", "b"]])
                == ["a: direct ← raw.t.a", "b: direct ← raw.t.b"])
        #expect(
            try lineage("SELECT id FROM raw.a UNION ALL SELECT max(id) FROM raw.b")
                == ["id: aggregate ← raw.a.id, raw.b.id"])
        // A window function counts as an aggregate of what it reads.
        #expect(
            try lineage("SELECT row_number() OVER (PARTITION BY k ORDER BY v) AS n FROM raw.t")
                == ["n: aggregate ← raw.t.k, raw.t.v"])
        // A column of a join is found in the table whose columns the catalog knows.
        #expect(
            try lineage(
                "SELECT name FROM raw.a JOIN raw.b USING (id)", tables: ["raw.a": ["id"], "raw.b": ["id", "name"]])
                == ["name: direct ← raw.b.name"])
        #expect(try lineage("CREATE TABLE x (a INT)").isEmpty)
    }
}
