import Logging

public struct SandboxConfiguration: Sendable {
    /// TCP port on 127.0.0.1; 0 picks a free one (see `VendorSandbox.start()`).
    public var port: Int = 0
    public var copacoData: CopacoSandboxData
    /// The key with every permission. A fake key: printing it is fine.
    public var copacoAPIKey: String = "sandbox-copaco-key"
    /// A key with the permission for `/api/v1/example-invoices` only: `403` elsewhere.
    public var copacoLimitedAPIKey: String = "sandbox-copaco-limited-key"
    /// The header carrying the key, matched case-insensitively.
    public var copacoAPIKeyHeader: String = "X-Api-Key"
    /// `YYYY-MM-DD`: the end of the default window (no `startDate`/`endDate`: the last 3 months).
    public var today: String
    /// Where the HTTP server logs; nil: nowhere.
    public var logger: Logger?

    public init(copacoData: CopacoSandboxData, today: String, port: Int = 0) {
        self.copacoData = copacoData
        self.today = today
        self.port = port
    }

    /// The demo set: seeded data from 2023-10-01 (so pre-2024-03-07 lines without
    /// `InvoiceRowHash` exist) up to `today`, 8 customers.
    public static func demo(today: String, seed: UInt64 = 42) -> SandboxConfiguration {
        SandboxConfiguration(copacoData: .generate(seed: seed, from: "2023-10-01", to: today), today: today)
    }
}

/// Which credential a request presented (never the value itself).
public enum SandboxCredential: String, Sendable, Hashable {
    /// Not looked at (a fault or a 404/405 answered first).
    case notChecked = "not-checked"
    case missing
    case unknown
    case full
    case limited
}

/// One line of the sandbox's request log. Never holds an API key value.
public struct SandboxRequest: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    public var path: String
    /// The raw query string, with any credential-looking value replaced by `REDACTED`.
    public var query: String?
    public var status: Int
    /// The fault that shaped the answer, if any: `status-503`, `rate-limit`, `truncated-contentLength`,
    /// `truncated-chunked`, `invalid-json`, `mutated`, `corrupt:<InvoiceID>`... (comma separated).
    public var fault: String?
    public var credential: SandboxCredential
    public var receivedAt: ContinuousClock.Instant
    /// Time until the answer was ready (including a `delay` fault).
    public var duration: Duration

    public var description: String {
        "\(method) \(path)\(query.map { "?" + $0 } ?? "") -> \(status)\(fault.map { " [\($0)]" } ?? "") (credential: \(credential.rawValue))"
    }
}
