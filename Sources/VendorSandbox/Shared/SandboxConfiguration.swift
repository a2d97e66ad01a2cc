import Logging

package struct SandboxConfiguration: Sendable {
    /// TCP port on 127.0.0.1; 0 picks a free one (see `VendorSandbox.start()`).
    package var port: Int = 0
    package var copacoData: CopacoSandboxData
    /// The key with every permission. A fake key: printing it is fine.
    package var copacoAPIKey: String = "sandbox-copaco-key"
    /// A key with the permission for `/api/v1/example-invoices` only: `403` elsewhere.
    package var copacoLimitedAPIKey: String = "sandbox-copaco-limited-key"
    /// The header carrying the key, matched case-insensitively.
    package var copacoAPIKeyHeader: String = "X-Api-Key"
    /// What the 2tCloud Billing API serves (`/v1`…`/v4` + `/invoices`, `/customerinvoices`,
    /// `/consolidatedinvoices`); `.empty` unless set.
    package var twotcloudData: TwoTCloudSandboxData
    /// 2tCloud HTTP Basic user name: the reseller's Account ID. A fake: printing it is fine.
    package var twotcloudAccountID: String = "100042"
    /// 2tCloud HTTP Basic password: a Billing API key. A fake key: printing it is fine.
    package var twotcloudAPIKey: String = "sandbox-2tcloud-key"
    /// The 2tCloud API version `describe()` shows (the connector's default, `v2`).
    package var twotcloudVersion: String = "v2"
    /// The 2tCloud API versions answered; any other `/vN/...` is a 404.
    package var twotcloudServedVersions: [String] = ["v1", "v2", "v3", "v4"]
    /// The caller IP the 2tCloud key is bound to; nil: any caller. Any other caller gets `403`
    /// (switchable at runtime: `VendorSandbox.setTwoTCloudAllowedIP`).
    package var twotcloudAllowedIP: String?
    /// Copper CRM (`/developer_api/v1/...`): how many companies are generated (0: none; the
    /// demo has 12). Their "Customer Number" field claims the Copaco and 2tCloud customers of
    /// `copacoData` / `twotcloudData` (see `CopperSandboxData`).
    package var copperCompanies: Int = 0
    /// Seed of the Copper companies; nil: `copacoData.seed`.
    package var copperSeed: UInt64?
    /// `X-PW-AccessToken`. A fake key: printing it is fine.
    package var copperAccessToken: String = "sandbox-copper-token"
    /// `X-PW-UserEmail`: the email of the user owning the key (matched ignoring letter case).
    package var copperUserEmail: String = "admin@reseller.example"
    /// Requests per rolling `copperRateWindow` per access token; beyond: `429`.
    package var copperRateLimit: Int = 180
    package var copperRateWindow: Duration = .seconds(60)
    /// Whether a `429` carries `Retry-After` (whole seconds until the window has room); Copper
    /// does not promise one.
    package var copperSendsRetryAfter: Bool = false
    /// One `POST /companies/search` reaches at most this many records, whatever the paging.
    package var copperSearchCap: Int = 100_000
    /// `YYYY-MM-DD`: the end of the default window (no `startDate`/`endDate`: the last 3 months).
    package var today: String
    /// Where the HTTP server logs; nil: nowhere.
    package var logger: Logger?

    package init(copacoData: CopacoSandboxData, twotcloudData: TwoTCloudSandboxData = .empty, today: String, port: Int = 0,
                copperCompanies: Int = 0) {
        self.copacoData = copacoData
        self.twotcloudData = twotcloudData
        self.today = today
        self.port = port
        self.copperCompanies = copperCompanies
    }

    /// The demo set: seeded data from 2023-10-01 (so pre-2024-03-07 Copaco lines without
    /// `InvoiceRowHash` exist) up to `today`, 8 customers, for Copaco and for 2tCloud (the
    /// same seed: 2tCloud's streams are derived apart from Copaco's), and 12 Copper companies
    /// claiming those customers (some unclaimed, one claimed twice).
    package static func demo(today: String, seed: UInt64 = 42) -> SandboxConfiguration {
        var configuration = SandboxConfiguration(copacoData: .generate(seed: seed, from: "2023-10-01", to: today),
                                                 twotcloudData: .generate(seed: seed, from: "2023-10-01", to: today), today: today,
                                                 copperCompanies: 12)
        configuration.copperSeed = seed
        return configuration
    }
}

/// Which credential a request presented (never the value itself).
package enum SandboxCredential: String, Sendable, Hashable {
    /// Not looked at (a fault or a 404/405 answered first).
    case notChecked = "not-checked"
    /// No key header (Copaco) / no `Authorization` header (2tCloud).
    case missing
    /// A key that is not accepted (2tCloud: another scheme, bad base64, wrong account ID or key).
    case unknown
    /// The full key (Copaco) / the right Basic credentials (2tCloud).
    case full
    case limited
}

/// One line of the sandbox's request log. Never holds an API key value.
package struct SandboxRequest: Sendable, Hashable, CustomStringConvertible {
    package var method: String
    package var path: String
    /// The raw query string, with any credential-looking value replaced by `REDACTED`.
    package var query: String?
    package var status: Int
    /// The fault that shaped the answer, if any: `status-503`, `rate-limit`, `truncated-contentLength`,
    /// `truncated-chunked`, `invalid-json`, `stalled-body`, `delay`, `delay-once`, `redirect`, `mutated`, `corrupt:<InvoiceID>`, and on 2tCloud
    /// `ip-not-allowed`, `ignore-accept`... (comma separated).
    package var fault: String?
    package var credential: SandboxCredential
    package var receivedAt: ContinuousClock.Instant
    /// Time until the answer was ready (including a `delay` fault).
    package var duration: Duration

    package var description: String {
        "\(method) \(path)\(query.map { "?" + $0 } ?? "") -> \(status)\(fault.map { " [\($0)]" } ?? "") (credential: \(credential.rawValue))"
    }
}
