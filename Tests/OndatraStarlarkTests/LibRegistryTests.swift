import Foundation
import Ondatra
import OndatraTesting
import Testing

@testable import OndatraStarlark

@Suite struct LibRegistryTests {
    @Test func readsTheSeedsAPIDict() throws {
        let api = try #require(
            try LibRegistry.parse(
                """
                API = {
                    "base_url": "https://api.hubapi.com",
                    "auth": {"env": "HUBSPOT_KEY"},
                    "retry": 3,
                    "rate_limit": {"requests": 100, "per": "10s"},
                    "push": {
                        "batch_size": 100,
                        "batch_mode": "sync",
                    },
                }

                def push(rows):
                    return {}
                """, file: "lib/hubspot_push.star"))
        #expect(api.baseURL == "https://api.hubapi.com")
        #expect(api.auth == .bearer(variable: "HUBSPOT_KEY"))
        #expect(api.retry == 3)
        #expect(api.rateLimit == LibAPI.RateLimitSettings(requests: 100, period: .seconds(10)))
        #expect(api.push?.batchSize == 100)
        #expect(api.push?.mode == .sync)
        #expect(api.timeout == 30)
    }

    @Test func everyAuthForm() throws {
        func auth(_ text: String) throws -> LibAPI.Auth? {
            try LibRegistry.parse("API = {\"auth\": \(text)}", file: "lib/a.star")?.auth
        }
        #expect(try auth(#"{"env": "K", "header": "X-Api-Key"}"#) == .header(name: "X-Api-Key", variable: "K"))
        #expect(try auth(#"{"env": "K", "param": "api_key"}"#) == .queryParameter(name: "api_key", variable: "K"))
        #expect(try auth(#"{"env_user": "U", "env_pass": "P"}"#) == .basic(userVariable: "U", passwordVariable: "P"))
        #expect(
            try auth(#"{"oauth": {"token_url": "https://x/token", "client_id_env": "ID", "client_secret_env": "S"}}"#)
                == .oauth(["token_url": "https://x/token", "client_id_env": "ID", "client_secret_env": "S"]))
    }

    @Test func fetchSettings() throws {
        let fetch = try #require(
            try LibRegistry.parse(
                #"API = {"fetch": {"args": ["region"], "page_size": 50, "dynamic_columns": True, "columns": {"id": "BIGINT", "name": "VARCHAR"}}}"#,
                file: "lib/countries.star")?.fetch)
        #expect(fetch.arguments == ["region"])
        #expect(fetch.pageSize == 50)
        #expect(fetch.dynamicColumns)
        #expect(fetch.columns.map(\.0) == ["id", "name"])
        #expect(fetch.maxPages == 10_000)
        let limited = try LibRegistry.parse(#"API = {"fetch": {"max_pages": 50}}"#, file: "lib/limited.star")
        #expect(limited?.fetch?.maxPages == 50)
    }

    @Test(arguments: [
        (#"API = {"base_ur": "https://x"}"#, "API.base_ur: unknown key (allowed: base_url, auth"),
        (#"API = {"base_url": "ftp://x"}"#, "API.base_url: must start with http:// or https://"),
        (#"API = {"retry": "3"}"#, "API.retry: must be an int, not string"),
        (#"API = {"retry": -1}"#, "API.retry: must be at least 0"),
        (#"API = {"backoff": 1e16}"#, "API.backoff: must be a number of seconds from 0 to 86400"),
        (#"API = {"timeout": 0}"#, "API.timeout: must be more than 0 seconds"),
        (
            #"API = {"rate_limit": {"requests": 10, "per": "10x"}}"#,
            "API.rate_limit.per: '10x' is not a positive duration"
        ),
        (#"API = {"rate_limit": {"requests": 1, "per": "0s"}}"#, "API.rate_limit.per: '0s' is not a positive duration"),
        (
            #"API = {"rate_limit": {"requests": 1, "per": "9999999999h"}}"#,
            "API.rate_limit.per: '9999999999h' is not a positive duration"
        ),
        (#"API = {"rate_limit": {"requests": 10}}"#, "API.rate_limit: needs requests and per"),
        (#"API = {"rate_limit": {"requests": 0, "per": "1s"}}"#, "API.rate_limit.requests: must be at least 1"),
        (#"API = {"auth": {"header": "X"}}"#, "API.auth: needs env"),
        (#"API = {"auth": {"env": "K", "token": "x"}}"#, "API.auth.token: unknown key"),
        (
            #"API = {"auth": {"oauth": {"token_url": "https://x", "client_id_env": "I"}}}"#,
            "API.auth.oauth: needs client_secret_env"
        ),
        (
            #"API = {"auth": {"oauth": {"token_url": "https://x", "secret": "s"}}}"#,
            "API.auth.oauth.secret: unknown key"
        ),
        (
            #"API = {"push": {"batch_mode": "parallel"}}"#,
            "API.push.batch_mode: 'parallel' is not a batch mode (allowed: sync, atomic, async)"
        ),
        (#"API = {"push": {"batch_size": 0}}"#, "API.push.batch_size: must be at least 1"),
        (#"API = {"fetch": {"page_size": 10, "pages": 2}}"#, "API.fetch.pages: unknown key"),
        (#"API = {"fetch": {"max_pages": 0}}"#, "API.fetch.max_pages: must be at least 1, not 0"),
        (#"API = {"fetch": {"max_pages": "100"}}"#, "API.fetch.max_pages: must be an int, not string"),
        (#"API = {"headers": {"X-Team": 7}}"#, "API.headers.X-Team: must be a string, not int"),
        (#"API = {"base_url": BASE}"#, "API.base_url must be a literal"),
        (#"API = {"retry": 1, "retry": 2}"#, "API.retry is given twice"),
        ("API = [1]", "API must be a dict literal"),
    ])
    func badDictsNameTheKey(source: String, message: String) {
        let error = #expect(throws: OndatraError.self) { try LibRegistry.parse(source, file: "lib/bad.star") }
        #expect(error?.description.hasPrefix("lib/bad.star:1: ") == true, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func projectsListOnlyFilesWithAnAPI() throws {
        let sandbox = try TemporaryProject()
        try sandbox.write(
            "lib/countries.star", #"API = {"fetch": {"page_size": 10}}"# + "\ndef fetch(page):\n    return {}\n")
        try sandbox.write("lib/helpers.star", "def clean(x):\n    return x\n")
        let functions = LibRegistry.load(sandbox.project).functions
        #expect(Array(functions.keys) == ["countries"])
        #expect(functions["countries"]?.path == "lib/countries.star")
        // A broken file is kept aside with its error; the others still load.
        try sandbox.write("lib/Broken.star", "API = {\n  \"retry\": None,\n}\n")
        let libraries = LibRegistry.load(sandbox.project)
        #expect(Array(libraries.functions.keys) == ["countries"])
        #expect(libraries.broken["broken"]?.file == "lib/Broken.star")
    }

    /// Regression: the first mistake stopped the check, so fixing a lib took one run per mistake.
    @Test func everyMistakeOfAnAPIDictIsListedAtOnce() {
        let source = #"""
            API = {
                "fetch": {"page_size": "x", "bogus": 1},
                "retry": "no",
                "timeout": 0,
                "colour": "red",
            }
            """#
        let error = #expect(throws: OndatraError.self) { try LibRegistry.parse(source, file: "lib/bad.star") }
        #expect(error?.file == "lib/bad.star")
        #expect(error?.line == 1)
        #expect(
            error?.message
                == "5 mistakes in the API dict: API.colour: unknown key (allowed: \(LibAPI.keys.joined(separator: ", "))); "
                + "API.fetch.bogus: unknown key (allowed: args, page_size, max_pages, dynamic_columns, columns); "
                + "API.fetch.page_size: must be an int, not string; API.retry: must be an int, not string; "
                + "API.timeout: must be more than 0 seconds")
    }
}

/// A lib file with mistakes fails the models that read it, and only those.
@Suite struct BrokenLibTests {
    @Test func aBrokenLibFailsOnlyTheModelsThatReadIt() async throws {
        let sandbox = try TemporaryProject()
        try sandbox.write(
            "lib/good.star",
            "API = {\"fetch\": {}}\ndef fetch(page):\n    return {\"rows\": [{\"x\": 1}], \"next\": None}\n")
        try sandbox.write("lib/syntax.star", "API = {\"fetch\": {}}\ndef fetch(:\n    pass\n")
        try sandbox.write("lib/keys.star", "API = {\"fetch\": {\"page_size\": \"x\"}, \"retry\": \"no\"}\n")
        try sandbox.write("models/raw/good.sql", "SELECT * FROM good()")
        try sandbox.write("models/raw/syntax.sql", "SELECT * FROM syntax()")
        try sandbox.write("models/raw/keys.sql", "SELECT * FROM keys()")
        try sandbox.write("models/mart/downstream.sql", "SELECT * FROM raw.keys")
        try Data(Array("API = {\"fetch\": {}}\n# caf".utf8) + [0xE9, 0x0A]).write(
            to: sandbox.project.url("lib/latin.star"))
        try sandbox.write("models/raw/latin.sql", "SELECT * FROM latin()")
        let results = try await runWithStarlarkHost(sandbox.project).results
        #expect(results["raw.good"]?.status == .ok)
        #expect(results["raw.syntax"]?.errors == ["lib/syntax.star:2: got :, want parameter"])
        #expect(
            results["raw.keys"]?.errors.first
                == "lib/keys.star:1: 2 mistakes in the API dict: API.fetch.page_size: must be an int, not string; "
                + "API.retry: must be an int, not string")
        #expect(results["mart.downstream"]?.status == .skip)
        #expect(
            results["raw.latin"]?.errors.first
                == "lib/latin.star: is not UTF-8 text (byte 0xE9 at offset 25 is not valid UTF-8); save the file as UTF-8"
        )
    }
}

/// Regression: a script that failed after an HTTP error (reading a key of the error page) said
/// only what Starlark saw, not that the server had answered 500.
@Suite struct FetchFailureTests {
    @Test func aFetchThatFailsAfterAnHTTPErrorNamesTheLastStatus() async throws {
        let server = try await TestHTTPServer.start { _ in .json(#"{"error": "boom"}"#, status: 500) }
        defer { server.stop() }
        let sandbox = try TemporaryProject()
        try sandbox.write(
            "lib/items.star",
            """
            API = {"base_url": "\(server.baseURL)", "fetch": {}}
            def fetch(page):
                body = http.get("/items", params = {"key": "s3cret"}).json
                return {"rows": body["items"], "next": None}
            """)
        try sandbox.write("models/raw/items.sql", "SELECT * FROM items()")
        let results = try await runWithStarlarkHost(sandbox.project).results
        let error = try #require(results["raw.items"]?.errors.first)
        #expect(
            error.hasSuffix("(the last HTTP error it got: HTTP 500 from GET \(server.baseURL)/items)"), "\(error)")
        #expect(!error.contains("s3cret"))
    }
}
