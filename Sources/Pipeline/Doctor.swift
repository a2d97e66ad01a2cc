import Foundation
import Ingestion
import Logging
import Vendors
import Warehouse

/// `billwh doctor`: one cheap authenticated call per configured vendor, before the first night:
/// whether it is reachable, whether it takes the credentials, which API version answers, and
/// on a refusal what to check. Secrets are never printed: the advice names settings, not values.
package struct Doctor: Sendable {
    package struct Finding: Sendable {
        package var vendor: VendorID
        package var call: String
        package var version: String
        package var reachable: Bool
        package var authenticated: Bool
        /// The call was answered with data.
        package var answered = false
        /// What answered, or what to check.
        package var detail: String

        package var ok: Bool { answered }
    }

    package let settings: Settings
    package let logger: Logger
    package var today: CalendarDate

    package init(settings: Settings, logger: Logger, today: CalendarDate = .today()) {
        self.settings = settings
        self.logger = logger
        self.today = today
    }

    /// A short retry budget: a vendor that does not answer within it is reported, not waited for.
    package static let policy = RetryPolicy(baseDelay: .milliseconds(300), maxDelay: .seconds(2), maxTotal: .seconds(10),
                                           requestTimeout: .seconds(15))

    package func run() async -> [Finding] {
        let fetcher = HTTPFetcher(policy: Self.policy, logger: logger)
        let day = DateWindow(start: today, end: today)!
        var findings: [Finding] = []
        if let copaco = settings.copaco {
            // Copaco's fictional invoices: any key with any permission may read them.
            let connector = CopacoConnector(settings: copaco)
            findings.append(await probe(connector, connector.exampleInvoices, window: day, fetcher: fetcher))
        }
        if let twotcloud = settings.twotcloud {
            // One day of purchase invoices: the smallest answer the Billing API gives.
            let connector = TwoTCloudConnector(settings: twotcloud)
            findings.append(await probe(connector, connector.invoices, window: day, fetcher: fetcher))
        }
        if let copper = settings.copper {
            let client = CopperClient(settings: copper, fetcher: fetcher)
            let body = #"{"page_size":1,"page_number":1,"sort_by":"date_modified","sort_direction":"asc"}"#
            findings.append(await probe(.copper, "POST /companies/search", version: CopperSync.endpoint.version) { statistics in
                _ = try await client.send("POST", "/companies/search", body: Array(body.utf8), statistics: &statistics)
            })
        }
        return findings
    }

    /// One day of an invoice endpoint, through the connector's own request and advice.
    func probe(_ connector: some Connector, _ endpoint: Endpoint, window: DateWindow, fetcher: HTTPFetcher) async -> Finding {
        await probe(connector.vendor, endpoint.path, version: endpoint.version) { statistics in
            _ = try await fetcher.fetch(connector.request(for: endpoint, window: window), label: "doctor \(connector.vendor)",
                                        advice: { connector.authenticationAdvice(status: $0, endpoint: endpoint) },
                                        statistics: &statistics)
        }
    }

    func probe(_ vendor: VendorID, _ call: String, version: String,
               _ body: (inout FetchStatistics) async throws -> Void) async -> Finding {
        var finding = Finding(vendor: vendor, call: call, version: version, reachable: false, authenticated: false, detail: "")
        var statistics = FetchStatistics()
        do {
            try await body(&statistics)
            finding.reachable = true
            finding.authenticated = true
            finding.answered = true
            finding.detail = "answered: API \(version) took the credentials"
        } catch let error as FetchError {
            switch error {
            case let .notAuthorized(status, advice):
                finding.reachable = true
                finding.detail = "HTTP \(status): \(advice)"
            case let .rejected(status, message):
                finding.reachable = true
                finding.authenticated = true
                finding.detail = "HTTP \(status): the vendor refused the request (\(message)); check the base URL and BILLWH_\(vendor.rawValue.uppercased())_API_VERSION"
            case .gaveUp, .redirected, .badURL, .outcomeUnknown:
                finding.detail = "\(error); check BILLWH_\(vendor.rawValue.uppercased())_BASE_URL and that this machine can reach it"
            }
        } catch {
            finding.detail = "\(error)"
        }
        return finding
    }

    package static func render(_ findings: [Finding]) -> String {
        var out = TextTable.render(
            header: ["vendor", "call", "API version", "reachable", "authenticated"],
            rows: findings.map { [$0.vendor.rawValue, $0.call, $0.version, $0.reachable ? "yes" : "no", $0.authenticated ? "yes" : "no"] })
        for finding in findings {
            out += "  \(finding.ok ? "ok" : "!!") \(finding.vendor): \(finding.detail)\n"
        }
        return out
    }
}
