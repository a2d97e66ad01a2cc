import Foundation
import GRDB
import Ingestion
import Logging
import Pipeline
import Vendors
import VendorSandbox
import Warehouse

/// A fixed "today" so the generated history and the windows are reproducible.
let today = CalendarDate(year: 2026, month: 11, day: 23)!
let history = DateWindow(start: CalendarDate(year: 2023, month: 10, day: 1)!, end: today)!

/// Collects log lines so tests can look for leaked secrets and for messages.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(capture: self) }
    }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { capture.append("\(event.level) \(event.message)") }
    }
}

/// A sandbox on an ephemeral loopback port plus a fresh warehouse file in a temp folder.
struct Harness {
    let sandbox: VendorSandbox
    let directory: URL
    let databasePath: String
    let logs = LogCapture()
    var apiKey: String
    /// Whether 2tCloud takes part (Copaco always does, unless `copaco` is false).
    var twotcloud = false
    var copaco = true
    var twotcloudKey: String
    var includeConsolidated = false
    /// Copper CRM settings when it takes part (see `withCopper`).
    var copperSettings: CopperSettings?

    static func start(seed: UInt64 = 42, twotcloud: Bool = false,
                      configure: (inout SandboxConfiguration) -> Void = { _ in }) async throws -> Harness {
        var configuration = SandboxConfiguration.demo(today: today.description, seed: seed)
        configure(&configuration)
        let sandbox = VendorSandbox(configuration: configuration)
        _ = try await sandbox.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return Harness(sandbox: sandbox, directory: directory, databasePath: directory.appendingPathComponent("w.sqlite").path,
                       apiKey: sandbox.configuration.copacoAPIKey, twotcloud: twotcloud,
                       twotcloudKey: sandbox.configuration.twotcloudAPIKey)
    }

    func stop() async {
        await sandbox.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var settings: Settings {
        var settings = Settings(copaco: copaco ? CopacoConnector.Settings(baseURL: sandbox.baseURL, apiKey: Secret(apiKey)) : nil)
        settings.copper = copperSettings
        if twotcloud {
            settings.twotcloud = TwoTCloudConnector.Settings(
                baseURL: sandbox.baseURL, accountID: sandbox.configuration.twotcloudAccountID, apiKey: Secret(twotcloudKey),
                includeConsolidated: includeConsolidated)
        }
        // Fast retries: the sandbox's faults are immediate.
        settings.retryPolicy = RetryPolicy(baseDelay: .milliseconds(10), maxDelay: .milliseconds(100),
                                           maxTotal: .seconds(20), requestTimeout: .seconds(2))
        return settings
    }

    var runner: PipelineRunner {
        PipelineRunner(databasePath: databasePath, settings: settings, logger: logs.logger, today: today)
    }

    func backfillAndReconcile() async throws -> RunSummary {
        try await runner.nightly(window: history)
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try WarehouseDatabase.openReadOnly(path: databasePath).read(body)
    }

    /// Copper takes part, paced at `perWindow` requests per `window` (the sandbox's limit is set
    /// by the test), publishing both monthly fields and a note.
    func withCopper(perWindow: Int = 160, window: Duration = .seconds(60), maxRecordsPerSearch: Int = 100_000) -> Harness {
        var copy = self
        copy.copperSettings = CopperSettings(
            baseURL: sandbox.copperBaseURL, accessToken: Secret(sandbox.configuration.copperAccessToken),
            userEmail: sandbox.configuration.copperUserEmail, billedField: "Monthly Billed", marginField: "Monthly Margin",
            publishNote: true, requestsPerWindow: perWindow, window: window, maxRecordsPerSearch: maxRecordsPerSearch)
        return copy
    }

    /// The environment that points the `billwh` binary at this sandbox (both vendors when 2tCloud takes part).
    var environment: [String: String] {
        var env = ["BILLWH_COPACO_BASE_URL": sandbox.baseURL, "BILLWH_COPACO_API_KEY": apiKey, "BILLWH_LOOKBACK_DAYS": "400"]
        if twotcloud {
            env["BILLWH_TWOTCLOUD_BASE_URL"] = sandbox.baseURL
            env["BILLWH_TWOTCLOUD_ACCOUNT_ID"] = sandbox.configuration.twotcloudAccountID
            env["BILLWH_TWOTCLOUD_API_KEY"] = twotcloudKey
        }
        if let copper = copperSettings {
            env["BILLWH_COPPER_BASE_URL"] = copper.baseURL
            env["BILLWH_COPPER_ACCESS_TOKEN"] = copper.accessToken.reveal()
            env["BILLWH_COPPER_USER_EMAIL"] = copper.userEmail
            env["BILLWH_COPPER_PUBLISH_BILLED_FIELD"] = copper.billedField
            env["BILLWH_COPPER_PUBLISH_MARGIN_FIELD"] = copper.marginField
            env["BILLWH_COPPER_PUBLISH_NOTE"] = copper.publishNote ? "true" : "false"
        }
        return env
    }

    func scalar(_ sql: String) throws -> Int64 {
        try read { try Int64.fetchOne($0, sql: sql) ?? 0 }
    }

    /// The whole purchases table, ordered, every column: equal dumps mean an identical table.
    func purchasesDump() throws -> String {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM purchases ORDER BY purchase_id").map(\.description).joined(separator: "\n")
        }
    }
}

/// The built `billwh` binary next to the test bundle.
func billwhBinary() throws -> URL {
    var candidates: [URL] = []
    let bundle = Bundle.main.bundleURL
    candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("billwh"))
    candidates.append(bundle.appendingPathComponent("billwh"))
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("billwh"))
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/billwh"))
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
        return candidate
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates.map(\.path).joined(separator: ", ")])
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the real CLI with only the given environment (plus PATH), capturing its output.
func runBillwh(_ arguments: [String], environment: [String: String] = [:], stdoutFile: URL? = nil) async throws -> ProcessResult {
    var env = environment
    env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
    return try await runCapturing(try billwhBinary(), arguments, environment: env, stdoutFile: stdoutFile)
}

struct ProcessTimedOut: Error, CustomStringConvertible {
    let command: String
    var description: String { "\(command) did not end in time and was killed" }
}

/// Waits for `process` to end, killing it at `timeout` or when the test is cancelled (its time
/// limit: a cancelled sleep returns at once, and the loop would spin); false if it had to be
/// killed. Polls with `Task.sleep`: a blocking wait would hold one of the few cooperative
/// threads, and with two such waits the in-process sandbox the children talk to could not run.
func awaitExit(_ process: Process, timeout: Duration) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    let ended = !process.isRunning
    if !ended { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return ended
}

/// Runs a program to its end with its output in files (a pipe left unread can block it).
func runCapturing(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdoutFile: URL? = nil,
                  timeout: Duration = .seconds(600)) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = stdoutFile ?? directory.appendingPathComponent("stdout")
    let err = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    guard await awaitExit(process, timeout: timeout) else {
        throw ProcessTimedOut(command: ([executable.lastPathComponent] + arguments).joined(separator: " "))
    }
    return ProcessResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Runs python3 with a script, returning its stdout.
func python(_ script: String, arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return String(decoding: data, as: UTF8.self)
}

/// What a test starts and must have stopped before it ends.
protocol Stoppable {
    func stop() async
}

extension Harness: Stoppable {}
extension ReplicaEndToEndTests.Fixture: Stoppable {}

/// Runs `body`, then stops `server` and waits for it, whether `body` threw or not: the next
/// test never starts beside a server that is still shutting down (which `defer { Task { … } }`
/// allowed, and which leaked the server when the test process ended first).
func stopping<Result>(_ server: some Stoppable, _ body: () async throws -> Result) async throws -> Result {
    let result: Result
    do {
        result = try await body()
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
    return result
}

/// Every sample of a Prometheus textfile as `name{label=value,…}` (labels sorted) → value,
/// read by the reference parser (prometheus_client).
func prometheusSamples(_ path: String) throws -> [String: Double] {
    let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(open(sys.argv[1]).read()):
            for s in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                out[s.name + ("{" + labels + "}" if labels else "")] = s.value
        print(json.dumps(out))
        """
    // `python` throws when the script fails: scripts/setup installs prometheus_client.
    let output = try python(script, arguments: [path])
    return try JSONDecoder().decode([String: Double].self, from: Data(output.utf8))
}
