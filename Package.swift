// swift-tools-version:6.0
import PackageDescription

// The kernels are compiled for the machine that builds them (like llama.cpp's GGML_NATIVE):
// a plain build targets SSE2 only and runs the SIMD code 2-60x slower
// (../shared/reference/swift-simd-kernels.md). Set BORA_PORTABLE=1 to build without it.
import Foundation
let portable = ProcessInfo.processInfo.environment["BORA_PORTABLE"] == "1"
let cpuFlags: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"])]

let package = Package(
    name: "Bora",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bora", targets: ["bora"]),
        .library(name: "BoraEngine", targets: ["BoraEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "BoraKernelsC"),  // VNNI kernels, chosen at run time (no build flags needed)
        .target(name: "BoraKernels", dependencies: ["BoraKernelsC"], swiftSettings: cpuFlags),
        .target(name: "BoraFormats", dependencies: ["BoraKernels"], swiftSettings: cpuFlags),
        .target(
            name: "BoraTokenizers",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/sentencepiece_model.proto"],
            swiftSettings: cpuFlags),
        .target(name: "BoraModels", dependencies: ["BoraKernels", "BoraFormats"], swiftSettings: cpuFlags),
        .target(
            name: "BoraEngine",
            dependencies: ["BoraModels", "BoraFormats", "BoraTokenizers", "BoraKernels"],
            swiftSettings: cpuFlags),
        .target(
            name: "BoraServer",
            dependencies: [
                "BoraEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: cpuFlags),
        .executableTarget(
            name: "bora",
            dependencies: [
                "BoraEngine", "BoraServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: cpuFlags),
        .testTarget(name: "BoraKernelsTests", dependencies: ["BoraKernels"], swiftSettings: cpuFlags),
        .testTarget(name: "BoraFormatsTests", dependencies: ["BoraFormats"], swiftSettings: cpuFlags),
        .testTarget(name: "BoraTokenizersTests", dependencies: ["BoraTokenizers"], swiftSettings: cpuFlags),
        .testTarget(name: "BoraModelsTests", dependencies: ["BoraModels"], swiftSettings: cpuFlags),
        .testTarget(name: "BoraEngineTests", dependencies: ["BoraEngine"], swiftSettings: cpuFlags),
        .testTarget(
            name: "BoraServerTests",
            dependencies: ["BoraServer", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: cpuFlags),
    ],
    swiftLanguageModes: [.v6]
)
