import Starlark
import StarlarkHTTP
import Testing

@Suite struct URLModuleTests {
    @Test func encodesBuildsAndParses() throws {
        let globals = try StarlarkThread().exec(
            """
            e = url.encode("a b/ü&")
            p = url.encode_params({"q": "x y", "n": 3, "t": [True, False]})
            b = url.build("https://h/x?a=1", {"b": "2"})
            plain = url.build("https://h/x")
            parts = url.parse("https://api.example.com:8443/v1/items?page=2&q=a%20b#top")
            """, file: "t.star", predeclared: ["url": .object(URLModule.module)])
        #expect(globals["e"] == .string("a%20b%2F%C3%BC%26"))
        #expect(globals["p"] == .string("q=x%20y&n=3&t=true&t=false"))
        #expect(globals["b"] == .string("https://h/x?a=1&b=2"))
        #expect(globals["plain"] == .string("https://h/x"))
        let parts = try #require(globals["parts"])
        #expect(parts.dictLookup("host") == .string("api.example.com"))
        #expect(parts.dictLookup("port") == .int(8443))
        #expect(parts.dictLookup("path") == .string("/v1/items"))
        #expect(parts.dictLookup("fragment") == .string("top"))
        #expect(parts.dictLookup("query")?.dictLookup("q") == .string("a b"))
    }
}
