import Foundation
import Ondatra
import OndatraStarlark
import OndatraTesting
import Testing

/// The smaller host builtins, through a Starlark model: hashing, base64, env, save and sleep.
@Suite struct HostBuiltinsTests {
    @Test func hashingEncodingEnvSaveAndSleep() async throws {
        let sandbox = try TemporaryProject()
        try sandbox.write(".env", "REGION=eu-west\n")
        try sandbox.write(
            "models/raw/checks.star",
            """
            # @kind: table
            save.rows([
                {"name": "sha256", "value": sha256("abc")},
                {"name": "md5", "value": crypto.md5("abc")},
                {"name": "hmac", "value": hmac_sha256("key", "The quick brown fox jumps over the lazy dog")},
                {"name": "b64", "value": base64_encode("hello?")},
                {"name": "unb64", "value": base64_decode("aGVsbG8/")},
                {"name": "unpadded", "value": base64_decode("aGk")},
                {"name": "env", "value": env("REGION") + "," + env.get("MISSING", "none") + "," + str(env("MISSING"))},
            ])
            sleep(0.01)
            save.row({"name": "count", "value": str(save.count())})
            """)
        let (results, _) = try await runWithStarlarkHost(sandbox.project)
        #expect(results["raw.checks"]?.status == .ok, "\(results["raw.checks"]?.errors ?? [])")
        let rows = try Session(project: sandbox.project, environment: [:]).query(
            "SELECT name, value FROM raw.checks"
        ).allRows().map { ($0[0].description, $0[1].description) }
        let values = Dictionary(uniqueKeysWithValues: rows)
        #expect(values["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(values["md5"] == "900150983cd24fb0d6963f7d28e17f72")
        #expect(values["hmac"] == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        #expect(values["b64"] == "aGVsbG8/")
        #expect(values["unb64"] == "hello?")
        #expect(values["unpadded"] == "hi")
        #expect(values["env"] == "eu-west,none,None")
        #expect(values["count"] == "7")
    }
}
