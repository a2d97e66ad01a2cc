import Foundation
import Ingestion
import JSON
import Logging
import Vendors
import Warehouse

/// `billwh doctor`: one cheap authenticated call per endpoint `nightly` reads (one day of each
/// invoice endpoint, one page of Copper's companies), before the first night: whether it is
/// reachable, whether it takes the credentials, whether what answers is the vendor's API, which
/// API version answers, and on a refusal what to check. Every endpoint is tried because a Copaco
/// key carries per-endpoint permissions. Secrets are never printed: the advice names settings, not values.
package struct Doctor: Sendable {
    package struct Finding: Sendable {
        package var vendor: VendorID
        package var call: String
        package var version: String
        package var reachable: Bool
        /// nil when the answer does not tell (a 404 or 400 comes before any credential check).
        package var authenticated: Bool?
        /// The call was answered with data of the vendor's shape.
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
            let connector = CopacoConnector(settings: copaco)
            for endpoint in connector.endpoints { findings.append(await probe(connector, endpoint, window: day, fetcher: fetcher)) }
        }
        if let twotcloud = settings.twotcloud {
            let connector = TwoTCloudConnector(settings: twotcloud)
            for endpoint in connector.endpoints { findings.append(await probe(connector, endpoint, window: day, fetcher: fetcher)) }
        }
        if let copper = settings.copper {
            let client = CopperClient(settings: copper, fetcher: fetcher)
            let body = #"{"page_size":1,"page_number":1,"sort_by":"date_modified","sort_direction":"asc"}"#
            findings.append(await probe(.copper, "POST /companies/search", version: CopperSync.endpoint.version) { statistics in
                let answer = try await client.send("POST", "/companies/search", body: Array(body.utf8), statistics: &statistics)
                guard case .array? = try? JSONParser.parse(answer) else {
                    throw NotTheVendor(reason: "the answer is not the JSON array of companies Copper sends")
                }
            })
        }
        return findings
    }

    /// A 2xx whose body is not the vendor's: a wrong base URL that reaches some other server.
    struct NotTheVendor: Error { var reason: String }

    /// One day of an invoice endpoint, through the connector's own request, advice and decoder:
    /// the body must split into documents as `nightly` would split it.
    func probe(_ connector: some Connector, _ endpoint: Endpoint, window: DateWindow, fetcher: HTTPFetcher) async -> Finding {
        await probe(connector.vendor, endpoint.path, version: endpoint.version) { statistics in
            let body = try await fetcher.fetch(connector.request(for: endpoint, window: window), label: "doctor \(connector.vendor)",
                                               advice: { connector.authenticationAdvice(status: $0, endpoint: endpoint) },
                                               statistics: &statistics)
            let documents = connector.documentStream(body, endpoint: endpoint)
            do {
                while try documents.next() != nil {}
            } catch let rejection as DocumentRejection {
                throw NotTheVendor(reason: "the answer is not the vendor's invoice list: \(rejection.reason)")
            }
        }
    }

    func probe(_ vendor: VendorID, _ call: String, version: String,
               _ body: (inout FetchStatistics) async throws -> Void) async -> Finding {
        var finding = Finding(vendor: vendor, call: call, version: version, reachable: false, authenticated: false, detail: "")
        var statistics = FetchStatistics()
        let baseURL = "BILLWH_\(vendor.rawValue.uppercased())_BASE_URL"
        do {
            try await body(&statistics)
            finding.reachable = true
            finding.authenticated = true
            finding.answered = true
            finding.detail = "answered: API \(version) took the credentials"
        } catch let notTheVendor as NotTheVendor {
            finding.reachable = true
            finding.authenticated = nil
            finding.detail = "\(call) answered 2xx, but \(notTheVendor.reason); check \(baseURL): it may reach another server or a proxy"
        } catch let error as FetchError {
            switch error {
            case let .notAuthorized(status, advice):
                finding.reachable = true
                finding.detail = "HTTP \(status): \(advice)"
            case let .rejected(status, message):
                finding.reachable = true
                finding.authenticated = nil
                finding.detail = "HTTP \(status): the vendor refused the request (\(message)); check \(baseURL) and BILLWH_\(vendor.rawValue.uppercased())_API_VERSION"
            case let .gaveUp(_, lastProblem, _):
                // Answers that were errors (5xx, 429) still show the server is there.
                finding.reachable = lastProblem.hasPrefix("HTTP ")
                finding.authenticated = nil
                finding.detail = "\(error); check \(baseURL) and that this machine can reach it"
            case .redirected, .badURL, .outcomeUnknown:
                finding.authenticated = nil
                finding.detail = "\(error); check \(baseURL) and that this machine can reach it"
            }
        } catch {
            finding.authenticated = nil
            finding.detail = "\(error)"
        }
        return finding
    }

    package static func render(_ findings: [Finding]) -> String {
        var out = TextTable.render(
            header: ["vendor", "call", "API version", "reachable", "authenticated"],
            rows: findings.map { [$0.vendor.rawValue, $0.call, $0.version, $0.reachable ? "yes" : "no",
                                  $0.authenticated.map { $0 ? "yes" : "no" } ?? "unknown"] })
        for finding in findings {
            out += "  \(finding.ok ? "ok" : "!!") \(finding.vendor): \(finding.detail)\n"
        }
        return out
    }
}
