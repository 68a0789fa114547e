// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "OndatraSQL",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ondatrasql", targets: ["ondatrasql"]),
        .executable(name: "ondatra-bench", targets: ["OndatraBench"]),
        .executable(name: "duckdb-leak-workload", targets: ["DuckDBLeakWorkload"]),
        .executable(name: "starlark", targets: ["StarlarkCLI"]),
        .library(name: "DuckDB", targets: ["DuckDB"]),
        .library(name: "Ondatra", targets: ["Ondatra"]),
        .library(name: "OndatraTesting", targets: ["OndatraTesting"]),
        .library(name: "Starlark", targets: ["Starlark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SHA-256 for model hashes.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Arbitrary-precision integers for Starlark's int (values beyond 64 bits only).
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        // The HTTP client behind Starlark's `http` module (one pooled client per process).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The test HTTP server in OndatraTesting (and, later, the events endpoint).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The sync delivery store: SQLite, many small durable transactions (docs/sync.md says why).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // DuckDB 1.5.5's C API, found with pkg-config (`duckdb.pc` written by scripts/bootstrap).
        .systemLibrary(name: "CDuckDB", pkgConfig: "duckdb"),
        .target(name: "DuckDB", dependencies: ["CDuckDB"]),
        // Request rate limiting shared by a lib function's fetch and push calls; no dependencies.
        .target(name: "RateLimit"),
        // The Starlark language: depends on nothing else of ours so it can ship on its own.
        .target(name: "Starlark", dependencies: [.product(name: "BigInt", package: "BigInt")]),
        // `starlark FILE` runs a program; `starlark --test FILE…` runs chunked conformance files.
        .executableTarget(name: "StarlarkCLI", dependencies: ["Starlark"]),
        // Outbound sync's delivery state and drain logic: knows nothing of DuckDB or Starlark.
        .target(name: "OndatraSync", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The events kind's parts with no I/O but files: column declarations, validation at the
        // door, the durable buffer the collector appends to and `run` flushes.
        .target(name: "OndatraEvents"),
        // A helper process for OndatraEventsTests (kill and file-size tests) and the buffer's benchmark.
        .executableTarget(name: "OndatraEventsFixture", dependencies: ["OndatraEvents"]),
        .target(
            name: "Ondatra",
            dependencies: [
                "DuckDB", "OndatraEvents", "OndatraSync", "RateLimit",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // `ondatrasql events PORT`: the HTTP collection endpoint (Hummingbird) for events models.
        .target(
            name: "OndatraCollector",
            dependencies: [
                "DuckDB", "Ondatra", "OndatraEvents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Starlark's `http` and `url` modules over AsyncHTTPClient: retries, backoff, rate limits.
        .target(
            name: "StarlarkHTTP",
            dependencies: [
                "Starlark", "RateLimit", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // Where Starlark meets the pipeline: lib functions, their API dicts, the host modules, Starlark models.
        .target(
            name: "OndatraStarlark",
            dependencies: [
                "Ondatra", "Starlark", "StarlarkHTTP", "RateLimit", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "OndatraCLI",
            dependencies: [
                "Ondatra", "OndatraCollector", "OndatraStarlark", "OndatraSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ondatrasql", dependencies: ["OndatraCLI"]),
        .executableTarget(
            name: "OndatraBench",
            dependencies: [
                "DuckDB", "Starlark", "StarlarkHTTP", "OndatraTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The sync benchmark's counting server.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What scripts/leakcheck runs under valgrind: the DuckDB module alone, in a small binary.
        .executableTarget(name: "DuckDBLeakWorkload", dependencies: ["DuckDB"]),
        .testTarget(name: "DuckDBTests", dependencies: ["DuckDB"]),
        .testTarget(name: "RateLimitTests", dependencies: ["RateLimit"]),
        // GRDB directly only to write a store file as an older version left it (the migration tests).
        .testTarget(
            name: "OndatraSyncTests", dependencies: ["OndatraSync", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "StarlarkHTTPTests", dependencies: ["StarlarkHTTP", "OndatraTesting"]),
        .testTarget(name: "OndatraStarlarkTests", dependencies: ["OndatraStarlark", "OndatraTesting"]),
        .testTarget(name: "StarlarkTests", dependencies: ["Starlark"], exclude: ["testdata"]),
        // Helpers for testing projects and lib functions, shipped so users can test theirs the same way.
        .target(
            name: "OndatraTesting",
            dependencies: [
                "Ondatra", "RateLimit", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Graceful shutdown of the test server, so a request still in flight ends cleanly.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "OndatraTests", dependencies: ["Ondatra", "OndatraTesting"]),
        .testTarget(name: "OndatraEventsTests", dependencies: ["OndatraEvents"]),
        // The collector over real HTTP on loopback, flushed by real runs.
        .testTarget(
            name: "OndatraCollectorTests",
            dependencies: [
                "OndatraCollector", "OndatraEvents", "OndatraTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .testTarget(
            name: "OndatraCLITests",
            dependencies: [
                "OndatraTesting", "OndatraCLI", "Ondatra", "DuckDB",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
    ]
)
