import Ondatra
import Testing

@Suite struct CallRewriterTests {
    private func arguments(_ sql: String) -> [String]? {
        guard let start = sql.range(of: "f(") ?? sql.range(of: "\"my fn\"(") else { return nil }
        return CallRewriter.call(in: sql, at: sql.utf8.distance(from: sql.startIndex, to: start.lowerBound))?.arguments
    }

    @Test func splitsArgumentsRespectingQuotesBracketsAndComments() {
        #expect(arguments("SELECT * FROM f('a)b', 2)") == ["'a)b'", "2"])
        #expect(arguments("SELECT * FROM f('it''s', 2)") == ["'it''s'", "2"])
        #expect(arguments(#"SELECT * FROM "my fn"(1)"#) == ["1"])
        #expect(arguments("SELECT * FROM f( (1+2), [1,2] ) AS x") == ["(1+2)", "[1,2]"])
        #expect(arguments("SELECT * FROM f()") == [])
        #expect(arguments("SELECT * FROM f(1 /* ) */, 2)") == ["1 /* ) */", "2"])
        #expect(arguments("SELECT * FROM f('EU' /* it's /* nested */ */)") == ["'EU' /* it's /* nested */ */"])
        #expect(arguments("SELECT * FROM f('EU' -- the region, )\n, 2)") == ["'EU' -- the region, )", "2"])
    }

    @Test func replacesCallsByTheirTables() throws {
        let sql = "SELECT * FROM f('a') AS x JOIN f(2) y USING (id)"
        let first = try #require(CallRewriter.call(in: sql, at: 14))
        let second = try #require(CallRewriter.call(in: sql, at: 31))
        #expect(
            CallRewriter.replacing(sql, [(first.range, "t0"), (second.range, "t1")])
                == "SELECT * FROM t0 AS x JOIN t1 y USING (id)")
    }
}
