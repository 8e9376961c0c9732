// swift-tools-version: 6.0
// Vigil: threat hunting and detection engineering around MITRE ATT&CK.
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilCore", targets: ["VigilCore"]),
        .library(name: "VigilAttack", targets: ["VigilAttack"]),
        .library(name: "VigilEVTX", targets: ["VigilEVTX"]),
        .library(name: "VigilSigma", targets: ["VigilSigma"]),
        .library(name: "VigilLogs", targets: ["VigilLogs"]),
        .library(name: "VigilCoverage", targets: ["VigilCoverage"]),
        .library(name: "VigilStore", targets: ["VigilStore"]),
        .library(name: "VigilServer", targets: ["VigilServer"]),
        .library(name: "VigilConvert", targets: ["VigilConvert"]),
        .library(name: "VigilExport", targets: ["VigilExport"]),
        .library(name: "VigilEngines", targets: ["VigilEngines"]),
        .library(name: "VigilValidation", targets: ["VigilValidation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "VigilCore", dependencies: ["CZlib"]),
        .target(name: "VigilHTTP", dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]),
        .target(name: "VigilAttack", dependencies: ["VigilCore", "VigilHTTP", .product(name: "Yams", package: "Yams")]),
        .target(name: "CCRC32"),
        .target(name: "VigilEVTX", dependencies: ["VigilCore", "CCRC32"]),
        .target(name: "VigilSigma", dependencies: ["VigilCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "VigilLogs", dependencies: ["VigilCore", "VigilEVTX", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "VigilCoverage",
            dependencies: ["VigilCore", "VigilAttack", "VigilSigma", "VigilHTTP", .product(name: "Yams", package: "Yams")]),
        .target(name: "VigilHunt", dependencies: ["VigilCore", "VigilLogs", "VigilSigma"]),
        // Validated coverage: a coverage run's rules run over labelled attack simulations.
        .target(
            name: "VigilValidation", dependencies: ["VigilCore", "VigilAttack", "VigilCoverage", "VigilHunt", "VigilLogs", "VigilSigma"]),
        // Query printing needs only the Sigma model; exporting events and driving engines build on it.
        .target(name: "VigilConvert", dependencies: ["VigilCore", "VigilSigma", .product(name: "Yams", package: "Yams")]),
        .target(name: "VigilExport", dependencies: ["VigilCore", "CZlib", "VigilLogs", "VigilSigma", "VigilConvert"]),
        .target(name: "VigilEngines", dependencies: ["VigilCore", "VigilHTTP", "VigilLogs", "VigilSigma", "VigilConvert"]),
        .target(
            name: "VigilStore",
            dependencies: ["VigilCore", "VigilAttack", "VigilCoverage", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilCore", "VigilAttack", "VigilCoverage", "VigilStore", .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore", "VigilAttack", "VigilEVTX", "VigilSigma", "VigilLogs", "VigilCoverage", "VigilStore", "VigilServer",
                "VigilHunt", "VigilConvert", "VigilExport", "VigilEngines", "VigilValidation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Fixtures shared by the test targets (not part of any product).
        .target(
            name: "VigilTestSupport", dependencies: ["VigilCore", "VigilAttack", "VigilCoverage", "VigilStore"],
            path: "Tests/VigilTestSupport"),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore", "VigilTestSupport"]),
        .testTarget(name: "VigilAttackTests", dependencies: ["VigilAttack", "VigilTestSupport"]),
        .testTarget(name: "VigilEVTXTests", dependencies: ["VigilEVTX", "VigilTestSupport"]),
        .testTarget(name: "VigilSigmaTests", dependencies: ["VigilSigma", "VigilTestSupport"]),
        .testTarget(name: "VigilLogsTests", dependencies: ["VigilLogs", "VigilTestSupport"]),
        .testTarget(name: "VigilCoverageTests", dependencies: ["VigilCoverage", "VigilTestSupport"]),
        .testTarget(name: "VigilHuntTests", dependencies: ["VigilHunt", "VigilLogs", "VigilTestSupport", "vigil"]),
        .testTarget(
            name: "VigilConvertTests",
            dependencies: ["VigilConvert", "VigilExport", "VigilEngines", "VigilLogs", "VigilTestSupport", "vigil"]),
        .testTarget(name: "VigilCLITests", dependencies: ["VigilTestSupport", "vigil"]),
        .testTarget(name: "VigilValidationTests", dependencies: ["VigilValidation", "VigilCoverage", "VigilTestSupport", "vigil"]),
        .testTarget(name: "VigilHTTPTests", dependencies: ["VigilHTTP", "VigilTestSupport"]),
        .testTarget(name: "VigilStoreTests", dependencies: ["VigilStore", "VigilTestSupport", "vigil"]),
        .testTarget(name: "VigilServerTests", dependencies: ["VigilServer", "VigilTestSupport", "vigil"]),
    ]
)
