// swift-tools-version: 6.0
// dmfsweep — sweeps of gradient descent on deep matrix factorizations.
//
// Dependencies point one way:
//   dmfsweep (CLI) → Cluster → (SummaryStore, Sweeps, ZeroMQ) → Factorization → C libraries.
// C libraries enter only through the `systemLibrary` targets below (Debian -dev packages).
import PackageDescription

let strict: [SwiftSetting] = []

let package = Package(
    name: "dmfsweep",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dmfsweep", targets: ["dmfsweep"]),
        .library(name: "Factorization", targets: ["Factorization"]),
    ],
    targets: [
        // MARK: C libraries (Debian packages; see .ci/install-deps)
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CYAML", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSupport"),

        // MARK: Modules
        .target(name: "Factorization", dependencies: ["CBLAS"], swiftSettings: strict),
        .target(name: "Sweeps", dependencies: ["Factorization", "CYAML", "CCrypto"], swiftSettings: strict),
        .target(
            name: "SummaryStore", dependencies: ["Sweeps", "Factorization", "CSQLite", "CPostgres"],
            swiftSettings: strict),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], swiftSettings: strict),
        .target(
            name: "Cluster", dependencies: ["CSupport", "ZeroMQ", "SummaryStore", "Sweeps", "Factorization"],
            swiftSettings: strict),
        .target(name: "Reports", dependencies: ["SummaryStore", "Sweeps", "Factorization"], swiftSettings: strict),
        .executableTarget(
            name: "dmfsweep",
            dependencies: [
                "CSupport", "Factorization", "Sweeps", "SummaryStore", "ZeroMQ", "Cluster", "Reports",
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "dmfsweep-bench",
            dependencies: ["CBLAS", "Factorization", "Sweeps", "SummaryStore", "Cluster"],
            path: "Benchmarks/dmfsweep-bench", swiftSettings: strict),
        .executableTarget(name: "zmq-raw", dependencies: ["ZeroMQ"], path: "Benchmarks/zmq-raw", swiftSettings: strict),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["CSupport"], path: "Tests/TestSupport"),
        .testTarget(
            name: "FactorizationTests", dependencies: ["TestSupport", "Factorization", "CBLAS"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "SweepsTests", dependencies: ["TestSupport", "Sweeps", "Factorization"], exclude: ["Fixtures"]),
        // A child process for the store's crash test (killed with SIGKILL mid-write).
        .executableTarget(
            name: "dmfsweep-store-writer", dependencies: ["SummaryStore", "Sweeps", "Factorization"],
            path: "Tests/StoreWriter", swiftSettings: strict),
        .testTarget(
            name: "SummaryStoreTests",
            dependencies: [
                "TestSupport", "SummaryStore", "Sweeps", "Factorization", "CSQLite", "dmfsweep-store-writer",
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["TestSupport", "ZeroMQ", "CZeroMQ"]),
        .testTarget(
            name: "ClusterTests",
            dependencies: ["TestSupport", "Cluster", "ZeroMQ", "SummaryStore", "Sweeps", "Factorization"]),
        .testTarget(
            name: "ReportsTests", dependencies: ["TestSupport", "Reports", "SummaryStore", "Sweeps", "Factorization"]),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "TestSupport", "dmfsweep", "SummaryStore", "Sweeps", "Factorization", "dmfsweep-store-writer", "CYAML",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
