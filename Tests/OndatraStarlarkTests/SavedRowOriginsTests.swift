import Starlark
import Testing

@testable import OndatraStarlark

/// Tracing saved rows to the `query()` calls they came from (which queries a tracked model filters).
@Suite struct SavedRowOriginsTests {
    private func row(_ fields: [(String, Starlark.Value)]) throws -> Starlark.Value {
        try .dict(fields.map { (.string($0.0), $0.1) })
    }

    @Test func fingerprintsIgnoreLayoutOnly() {
        let one = SavedRowOrigins.fingerprint("SELECT id, name\n    FROM t\n  WHERE x = 1;")
        #expect(one == SavedRowOrigins.fingerprint("SELECT id, name FROM t WHERE x = 1"))
        #expect(one != SavedRowOrigins.fingerprint("SELECT id, name FROM t WHERE x = 2"))
        #expect(one.count == 64)
    }

    @Test func aSavedRowComesFromTheQueryThatReturnedIt() throws {
        let origins = SavedRowOrigins(keys: ["ID"])
        let lookup = try row([("id", .int(1)), ("plan", .string("pro"))])
        let main = try row([("id", .int(1)), ("plan", .string("pro"))])
        origins.returned(.list([lookup]), fingerprint: "lookup")
        origins.returned(.list([main]), fingerprint: "main")
        // The same dict, even changed after query() returned it.
        if case .dict(let dict) = main { try dict.set(.string("sent"), .bool(true)) }
        origins.saved(main)
        #expect(origins.fingerprints == ["main"])
        #expect(origins.ambiguous == 0)
    }

    @Test func aBuiltRowComesFromTheOneQueryItAgreesWith() throws {
        let origins = SavedRowOrigins(keys: ["id"])
        origins.returned(
            .list([try row([("id", .int(1)), ("remote_id", .string("r1"))])]), fingerprint: "lookup")
        origins.returned(
            .list([
                try row([("id", .int(1)), ("email", .string("a@x"))]),
                try row([("id", .int(2)), ("email", .string("b@x"))]),
            ]), fingerprint: "main")
        // Id 2 only the main query returned; id 1 agrees with both, explained by the main query.
        origins.saved(try row([("ID", .int(2)), ("email", .string("b@x")), ("sent", .bool(true))]))
        origins.saved(try row([("id", .int(1)), ("email", .string("a@x")), ("remote_id", .string("r1"))]))
        // Another value than the query returned, or no key: from no query.
        origins.saved(try row([("id", .int(2)), ("email", .string("changed@x"))]))
        origins.saved(try row([("email", .string("b@x"))]))
        #expect(origins.fingerprints == ["main"])
        #expect(origins.ambiguous == 0)
    }

    @Test func aRowMatchingSeveralQueriesAloneIsAmbiguous() throws {
        let origins = SavedRowOrigins(keys: ["id"])
        origins.returned(.list([try row([("id", .int(1)), ("a", .int(5))])]), fingerprint: "first")
        origins.returned(.list([try row([("id", .int(1)), ("b", .int(6))])]), fingerprint: "second")
        origins.saved(try row([("id", .int(1)), ("a", .int(5)), ("b", .int(6))]))
        #expect(origins.fingerprints.isEmpty)
        #expect(origins.ambiguous == 1)
    }
}
