// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "BillingWarehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "billwh", targets: ["billwh"]),
        .library(name: "Warehouse", targets: ["Warehouse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Already in the graph through AsyncHTTPClient/Hummingbird: SHA-256 content hashes.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The HTML report's templates (escapes every value by default).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The Prometheus text format of the nightly metrics file (swift-metrics is already in the graph).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // JSON that keeps numbers' exact text: the parser (whole, streamed or skipped), values,
        // the string escaper and the writer; and the UTF-8 well-formedness check.
        .target(name: "JSON"),
        // sqlite3_config (variadic, so not callable from Swift) before the first connection.
        .target(name: "CSQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Money, dates, the SQLite file and its migrations, the reconcile queue.
        .target(name: "Warehouse", dependencies: [
            "JSON", "CSQLiteSettings",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], plugins: ["EmbedMigrations"]),
        // migrations/*.sql compiled into Warehouse at build time: the folder is the one copy.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["MigrationEmbedder"], path: "Sources/EmbedMigrations"),
        // glibc's memmem (a GNU extension Swift's Glibc hides): finding a credential in a document.
        .target(name: "CByteSearch"),
        // Vendor-independent fetching: HTTP with retries, windows, runs, raw + staging writers.
        .target(name: "Ingestion", dependencies: [
            "JSON", "Warehouse", "CByteSearch",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // One folder per vendor: endpoints, auth, decoding raw into staging lines.
        // Copper's sync links purchases to CRM companies through Reconciliation's CRMLinks.
        .target(name: "Vendors", dependencies: ["JSON", "Warehouse", "Ingestion", "Reconciliation"]),
        .target(name: "Reconciliation", dependencies: [
            "Warehouse",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // zlib (Debian's zlib1g-dev): the deflate of the xlsx zip container.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Export", dependencies: [
            "JSON", "Warehouse",
            .product(name: "GRDB", package: "GRDB.swift"),
            "CZlib",
        ]),
        .target(name: "VendorSandbox", dependencies: [
            "JSON", "Warehouse",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A PostgreSQL copy of the warehouse, kept equal to it incrementally.
        .target(name: "Replica", dependencies: [
            "Warehouse", "Ingestion", "Export",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What the commands do: configuration, the nightly job, lock, status, demo.
        .target(name: "Pipeline", dependencies: [
            "JSON", "Warehouse", "Ingestion", "Vendors", "Reconciliation", "Export", "Replica",
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // `billwh demo`: the sandbox in-process and a nightly against it; the product library
        // does not link the fake vendors.
        .target(name: "Demo", dependencies: [
            "Pipeline", "VendorSandbox", "Warehouse", "Ingestion", "Vendors", "Reconciliation", "Export",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `billwh report html`: one self-contained page of charts and tables from the report queries.
        .target(name: "HTMLReport", dependencies: [
            "Pipeline", "Warehouse", "Reconciliation", "Export",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "billwh", dependencies: [
            "Pipeline", "Demo", "HTMLReport", "Warehouse", "Export", "VendorSandbox", "Replica", "Vendors", "Reconciliation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Helpers the test targets share.
        .target(name: "TestSupport", dependencies: ["Warehouse", .product(name: "GRDB", package: "GRDB.swift")], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "WarehouseTests", dependencies: ["Warehouse", "JSON", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Warehouse", "Ingestion", "TestSupport"]),
        .testTarget(name: "IngestionTests", dependencies: ["JSON", "Ingestion", "Warehouse", "VendorSandbox", "TestSupport"]),
        .testTarget(name: "VendorsTests", dependencies: ["JSON", "Vendors", "Warehouse", "Ingestion", "VendorSandbox", "TestSupport"]),
        .testTarget(name: "ReconciliationTests", dependencies: ["Reconciliation", "Warehouse", "Ingestion", "VendorSandbox", "TestSupport"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Warehouse", "TestSupport"]),
        .testTarget(name: "VendorSandboxTests", dependencies: [
            "VendorSandbox", "JSON", "Warehouse",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "Pipeline", "Demo", "JSON", "Warehouse", "VendorSandbox", "Vendors", "Export", "Reconciliation", "billwh", "Replica", "HTMLReport",
            "TestSupport",
        ]),
    ]
)
