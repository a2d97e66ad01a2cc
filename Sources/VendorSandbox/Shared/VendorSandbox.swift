import Hummingbird
import JSON
import Logging
import Synchronization
import Warehouse

/// What the sandbox answers, before it is put on the wire.
struct SandboxReply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var chunks: [[UInt8]]
    var truncation: SandboxFaults.TruncationMode?
    /// Half of the body, then this pause, then the rest.
    var stall: Duration?

    init(status: Int, headers: [(String, String)], chunks: [[UInt8]], truncation: SandboxFaults.TruncationMode? = nil) {
        self.status = status
        self.headers = headers
        self.chunks = chunks
        self.truncation = truncation
    }

    /// `{"message": "..."}` with that status.
    static func message(_ status: Int, _ text: String) -> SandboxReply {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("message")
        writer.string(text)
        writer.endObject()
        return SandboxReply(status: status, headers: [("Content-Type", "application/json")], chunks: [writer.bytes])
    }

    var bodyCount: Int { chunks.reduce(0) { $0 + $1.count } }
}

/// A local fake of the vendor APIs (Copaco Cloud Billing API v1 under `/api/v1/...`, the
/// 2tCloud Billing API under `/v1`…`/v4`, Copper CRM under `/developer_api/v1`), on 127.0.0.1, from generated data, with switchable
/// faults. See `describe()` for how to point `billwh` at it.
package final class VendorSandbox: Sendable {
    package let configuration: SandboxConfiguration
    /// Runtime-switchable faults; see `SandboxFaults` for the order they apply in.
    package let faults: SandboxFaults
    let core: SandboxCore

    private struct Lifecycle: Sendable {
        var port: Int?
        var task: Task<Void, Never>?
        var pauseAccepting: (@Sendable () async -> Void)?
    }

    /// What the server reports once it listens.
    private struct Listening: Sendable {
        let port: Int
        let pauseAccepting: @Sendable () async -> Void
    }

    /// How long `stop()` lets in-flight requests finish before it cancels them.
    package static let shutdownGracePeriod: Duration = .seconds(5)
    private let lifecycle = Mutex(Lifecycle())

    package init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        self.faults = SandboxFaults()
        self.core = SandboxCore(configuration: configuration, faults: faults)
    }

    deinit {
        lifecycle.withLock { $0.task?.cancel() }
    }

    /// Binds 127.0.0.1 on `configuration.port` (0: a free port), starts serving in the
    /// background and returns the bound port. Calling it again while running returns the port.
    package func start() async throws -> Int {
        if let port = lifecycle.withLock({ $0.port }) { return port }
        let (events, continuation) = AsyncThrowingStream<Listening, any Error>.makeStream()
        let logger = configuration.logger ?? Logger(label: "billwh.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
        let app = Application(
            router: core.makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                // Stops `accept()` on the listening socket (NIO's autoRead), used by stop().
                let pause: @Sendable () async -> Void = { try? await channel.setOption(.autoRead, value: false).get() }
                continuation.yield(Listening(port: channel.localAddress?.port ?? 0, pauseAccepting: pause))
            },
            logger: logger)
        let task = Task {
            do {
                try await app.run()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        var iterator = events.makeAsyncIterator()
        let listening: Listening?
        do {
            listening = try await iterator.next()
        } catch {
            task.cancel()
            throw SandboxError.couldNotStart("\(error)")
        }
        guard let listening, listening.port > 0 else {
            task.cancel()
            await task.value
            throw SandboxError.couldNotStart("the server stopped before it was listening")
        }
        lifecycle.withLock {
            $0.port = listening.port
            $0.task = task
            $0.pauseAccepting = listening.pauseAccepting
        }
        return listening.port
    }

    /// Stops serving: stops accepting connections, lets in-flight requests finish (at most
    /// `shutdownGracePeriod`), then closes every connection and the listening socket; the port
    /// is released when this returns. Calling it again, or before `start()`, does nothing.
    ///
    /// (Why not just cancel the server task: a connection accepted while the server's accept
    /// loop is being torn down is a dropped NIO child channel, and NIO traps on that. So
    /// accepting stops first, and the loop gets a moment to hand over what it accepted.)
    package func stop() async {
        let (task, pause) = lifecycle.withLock { state -> (Task<Void, Never>?, (@Sendable () async -> Void)?) in
            defer { state.task = nil; state.pauseAccepting = nil; state.port = nil }
            return (state.task, state.pauseAccepting)
        }
        guard let task else { return }
        await pause?()
        let clock = ContinuousClock()
        let deadline = clock.now + VendorSandbox.shutdownGracePeriod
        while core.inFlight > 0 && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        // A connection the server's shutdown waits on forever must not hold the caller (a
        // test, the demo) forever too: past the limit it is said, and left behind.
        if !(await Self.ended(task, within: VendorSandbox.shutdownGracePeriod * 2)) {
            (configuration.logger ?? Logger(label: "billwh.sandbox")).warning(
                "sandbox: the server did not stop within \(VendorSandbox.shutdownGracePeriod * 2); left running")
        }
    }

    /// Whether `task` ended within `limit` (awaiting a task's value cannot be cancelled, so the
    /// wait is raced against a timer).
    package static func ended(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
        let outcome = Mutex<(decided: Bool, continuation: CheckedContinuation<Bool, Never>?)>((false, nil))
        let decide = { @Sendable (ended: Bool) in
            let continuation = outcome.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard !state.decided else { return nil }
                state.decided = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(returning: ended)
        }
        return await withCheckedContinuation { continuation in
            outcome.withLock { $0.continuation = continuation }
            Task { await task.value; decide(true) }
            Task { try? await Task.sleep(for: limit); decide(false) }
        }
    }

    /// The bound port while running.
    package var port: Int? { lifecycle.withLock { $0.port } }

    /// `http://127.0.0.1:PORT` (the configured port until `start()` returned).
    package var baseURL: String { "http://127.0.0.1:\(port ?? configuration.port)" }

    /// Every request answered, oldest first (the last 100 000). Never holds an API key value.
    package var requestLog: [SandboxRequest] { core.state.withLock { $0.log } }

    package func clearRequestLog() { core.state.withLock { $0.log.removeAll() } }

    /// The data currently served (re-issues included).
    package var copacoData: CopacoSandboxData { core.state.withLock { $0.copacoData } }

    /// Re-issues a document: same `InvoiceID`, changed content (one line's quantity and
    /// `ExtendedPrice` changed, one line added). Returns false if no document has that ID.
    @discardableResult
    package func reissue(invoiceID: String) -> Bool {
        core.state.withLock { $0.copacoData.reissue(invoiceID: invoiceID) }
    }

    /// The 2tCloud data currently served (re-issues included).
    package var twotcloudData: TwoTCloudSandboxData { core.state.withLock { $0.twotcloudData } }

    /// Re-issues a 2tCloud document (any endpoint): same `InvoiceID` and date, changed content
    /// (first line's quantity and `ExtendedPrice` changed, one line added). False if no document has that ID.
    @discardableResult
    package func reissueTwoTCloud(invoiceID: String) -> Bool {
        core.state.withLock { $0.twotcloudData.reissue(invoiceID: invoiceID) }
    }

    /// Binds the 2tCloud key to one caller IP: a request from any other address answers `403`
    /// (the same answer as for wrong credentials). nil (the default): any caller is allowed.
    /// The caller's address is the TCP peer of the connection (`127.0.0.1` for local clients).
    package func setTwoTCloudAllowedIP(_ ip: String?) {
        core.state.withLock { $0.twotcloudAllowedIP = ip }
    }

    /// The caller IP the 2tCloud key is bound to; nil: any.
    package var twotcloudAllowedIP: String? { core.state.withLock { $0.twotcloudAllowedIP } }

    /// What `billwh sandbox` prints: where it listens, the endpoints, the keys and the
    /// environment variables to point `billwh` at it. (The keys are fake; printing them is fine.)
    package func describe() -> String {
        let data = copacoData
        let base = port == nil ? "\(baseURL) (not started)" : baseURL
        let today = configuration.today
        let window = CalendarDate(iso: today).map { (from: $0.adding(months: -3).compact, to: $0.compact) }
        var lines: [String] = []
        lines.append("Copaco Cloud Billing API v1 sandbox — generated data, seed \(data.seed), documents \(data.firstDate) … \(data.today)")
        lines.append("  base URL   \(base)")
        for endpoint in CopacoEndpoint.allCases {
            let documents = data.documents(endpoint)
            let lineCount = documents.reduce(0) { $0 + $1.lineCount }
            let path = "GET " + endpoint.path()
            lines.append("  \(path.padded(to: 38))\(documents.count) documents, \(lineCount) price lines")
        }
        lines.append("  API key    header \(configuration.copacoAPIKeyHeader): \(configuration.copacoAPIKey)")
        lines.append("             (\(configuration.copacoLimitedAPIKey) may read example-invoices only: 403 elsewhere)")
        lines.append("  query      startDate=YYYYMMDD&endDate=YYYYMMDD, both inclusive, on Header.Date;")
        lines.append("             without them: the last 3 months up to \(today)")
        let anomalies = Dictionary(grouping: data.anomalies, by: \.kind)
        let summary = CopacoSandboxAnomaly.Kind.allCases.map { "\(anomalies[$0]?.count ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        lines.append("  built in   \(summary)")
        lines.append("")
        lines.append("Point billwh at it:")
        lines.append("  export BILLWH_COPACO_BASE_URL=\(baseURL)")
        lines.append("  export BILLWH_COPACO_API_KEY=\(configuration.copacoAPIKey)")
        if let window {
            lines.append("Try:")
            lines.append("  curl -s -H '\(configuration.copacoAPIKeyHeader): \(configuration.copacoAPIKey)' '\(baseURL)\(CopacoEndpoint.invoices.path())?startDate=\(window.from)&endDate=\(window.to)'")
        }
        lines.append("")
        lines.append(contentsOf: describeTwoTCloud(base: base, window: window))
        lines.append("")
        lines.append(contentsOf: describeCopper(base: base))
        return lines.joined(separator: "\n")
    }

    private func describeTwoTCloud(base: String, window: (from: String, to: String)?) -> [String] {
        let data = twotcloudData
        let version = configuration.twotcloudVersion
        let account = configuration.twotcloudAccountID
        let key = configuration.twotcloudAPIKey
        var lines: [String] = []
        if TwoTCloudEndpoint.allCases.allSatisfy({ data.documents($0).isEmpty }) {
            lines.append("2tCloud Billing API sandbox — no documents (SandboxConfiguration.twotcloudData is empty)")
        } else {
            lines.append("2tCloud Billing API sandbox — generated data, seed \(data.seed), documents \(data.firstDate) … \(data.today)")
        }
        lines.append("  base URL   \(base)")
        for endpoint in TwoTCloudEndpoint.allCases {
            let documents = data.documents(endpoint)
            let lineCount = documents.reduce(0) { $0 + $1.lineCount }
            let path = "GET " + endpoint.path(version: version)
            lines.append("  \(path.padded(to: 38))\(documents.count) documents, \(lineCount) price lines")
        }
        lines.append("  versions   \(configuration.twotcloudServedVersions.joined(separator: ", ")) (use one version for every endpoint)")
        lines.append("  auth       HTTP Basic, account ID \(account), API key \(key)")
        let allowed = twotcloudAllowedIP.map { "only \($0)" } ?? "any caller"
        lines.append("             403 for wrong credentials or a caller IP the key is not bound to (now: \(allowed))")
        lines.append("  format     Accept: application/json gives JSON; without it (or anything else) XML")
        lines.append("  query      startDate=YYYYMMDD&endDate=YYYYMMDD, both inclusive, on Header.Date;")
        lines.append("             without them: the last 3 months up to \(configuration.today)")
        lines.append("  built in   \(data.expectations)")
        lines.append("")
        lines.append("Point billwh at it:")
        lines.append("  export BILLWH_TWOTCLOUD_BASE_URL=\(baseURL)")
        lines.append("  export BILLWH_TWOTCLOUD_ACCOUNT_ID=\(account)")
        lines.append("  export BILLWH_TWOTCLOUD_API_KEY=\(key)")
        if let window {
            lines.append("Try:")
            lines.append("  curl -s -u '\(account):\(key)' -H 'Accept: application/json' '\(baseURL)\(TwoTCloudEndpoint.invoices.path(version: version))?startDate=\(window.from)&endDate=\(window.to)'")
        }
        return lines
    }
}

package enum SandboxError: Error, CustomStringConvertible {
    case couldNotStart(String)

    package var description: String {
        switch self {
        case .couldNotStart(let reason): "the sandbox could not start on 127.0.0.1: \(reason)"
        }
    }
}

extension String {
    func padded(to length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}

/// State shared with the request handlers (kept apart from `VendorSandbox` so that the
/// server task does not keep the sandbox object alive).
final class SandboxCore: Sendable {
    struct State: Sendable {
        var copacoData: CopacoSandboxData
        var twotcloudData: TwoTCloudSandboxData
        var twotcloudAllowedIP: String?
        var log: [SandboxRequest] = []
    }

    static let logLimit = 100_000
    /// Request bodies are read up to this many bytes; a bigger one is answered `413`.
    static let bodyLimit = 1 << 20

    private let inFlightCount = Mutex(0)
    /// Requests being answered right now.
    var inFlight: Int { inFlightCount.withLock { $0 } }
    func requestStarted() { inFlightCount.withLock { $0 += 1 } }
    func requestFinished() { inFlightCount.withLock { $0 -= 1 } }

    let configuration: SandboxConfiguration
    let faults: SandboxFaults
    let copaco: CopacoAPI
    let twotcloud: TwoTCloudAPI
    let copper: CopperAPI
    let state: Mutex<State>

    init(configuration: SandboxConfiguration, faults: SandboxFaults) {
        self.configuration = configuration
        self.faults = faults
        guard let today = CalendarDate(iso: configuration.today) else {
            preconditionFailure("SandboxConfiguration.today must be YYYY-MM-DD: \(configuration.today)")
        }
        self.copaco = CopacoAPI(apiKey: configuration.copacoAPIKey, limitedAPIKey: configuration.copacoLimitedAPIKey,
                                apiKeyHeader: configuration.copacoAPIKeyHeader, today: today)
        self.twotcloud = TwoTCloudAPI(accountID: configuration.twotcloudAccountID, apiKey: configuration.twotcloudAPIKey,
                                      versions: configuration.twotcloudServedVersions.map { $0.lowercased() }, today: today)
        self.copper = CopperAPI(configuration: configuration)
        self.state = Mutex(State(copacoData: configuration.copacoData, twotcloudData: configuration.twotcloudData,
                                 twotcloudAllowedIP: configuration.twotcloudAllowedIP))
    }

    func log(_ entry: SandboxRequest) {
        state.withLock { state in
            if state.log.count >= SandboxCore.logLimit { state.log.removeFirst(state.log.count - SandboxCore.logLimit + 1) }
            state.log.append(entry)
        }
    }

    private var secrets: [String] {
        [configuration.copacoAPIKey, configuration.copacoLimitedAPIKey, configuration.twotcloudAPIKey, twotcloud.basicToken,
         configuration.copperAccessToken].filter { !$0.isEmpty }
    }

    func redact(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) { out = out.replacing(secret, with: "REDACTED") }
        return out
    }

    /// Values of parameters that look like credentials, and the configured keys anywhere.
    func redactQuery(_ query: String) -> String {
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pieces[0].lowercased()
            if pieces.count > 1, ["key", "token", "secret", "password", "auth"].contains(where: { name.contains($0) }) {
                return "\(pieces[0])=REDACTED"
            }
            return String(pair)
        }
        return redact(parts.joined(separator: "&"))
    }
}
