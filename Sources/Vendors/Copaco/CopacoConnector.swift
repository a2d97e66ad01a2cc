import Ingestion
import JSON
import Warehouse

/// Copaco Cloud Billing API v1 (docs/vendors.md).
package struct CopacoConnector: Connector {
    package struct Settings: Sendable {
        package var baseURL: String
        package var apiKey: Secret
        /// Not published by the vendor; the contract fixes `X-Api-Key` and makes it a setting.
        package var apiKeyHeader: String
        /// The path version of every endpoint (`/api/v1/...`): a setting, so that the day Copaco
        /// publishes v2 a user can move without a new billwh.
        package var apiVersion: String

        package init(baseURL: String = "https://api.copaco.cloud", apiKey: Secret, apiKeyHeader: String = "X-Api-Key",
                    apiVersion: String = CopacoConnector.defaultVersion) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.apiKeyHeader = apiKeyHeader
            self.apiVersion = apiVersion
        }

        /// `v1`, `v2`, …: anything else would build a wrong URL for every endpoint.
        package static func isValidVersion(_ version: String) -> Bool {
            TwoTCloudConnector.Settings.isValidVersion(version)
        }
    }

    package static let defaultVersion = "v1"
    package static let invoicesName = "invoices"
    package static let customerSpecificationsName = "customer-specifications"
    package static let exampleInvoicesName = "example-invoices"
    /// The endpoints at the default version.
    package static let invoices = Endpoint(name: invoicesName, path: "/api/\(defaultVersion)/\(invoicesName)",
                                          version: defaultVersion, direction: .incoming)
    package static let customerSpecifications = Endpoint(name: customerSpecificationsName, path: "/api/\(defaultVersion)/\(customerSpecificationsName)",
                                                        version: defaultVersion, direction: .outgoing)

    package let settings: Settings
    package init(settings: Settings) { self.settings = settings }

    package var vendor: VendorID { .copaco }
    package var invoices: Endpoint { endpoint(Self.invoicesName, .incoming) }
    package var customerSpecifications: Endpoint { endpoint(Self.customerSpecificationsName, .outgoing) }
    /// Fictional test invoices: `billwh doctor` tries a key on them; never ingested.
    package var exampleInvoices: Endpoint { endpoint(Self.exampleInvoicesName, .crossCheck) }
    package var endpoints: [Endpoint] { [invoices, customerSpecifications] }

    func endpoint(_ name: String, _ direction: Direction) -> Endpoint {
        Endpoint(name: name, path: "/api/\(settings.apiVersion)/\(name)", version: settings.apiVersion, direction: direction)
    }

    package func request(for endpoint: Endpoint, window: DateWindow) -> VendorRequest {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        return VendorRequest(
            url: "\(base)\(endpoint.path)?startDate=\(window.start.compact)&endDate=\(window.end.compact)",
            headers: [("Accept", "application/json"), ("User-Agent", "billwh")],
            secretHeaders: [(settings.apiKeyHeader, settings.apiKey)])
    }

    package func decode(_ body: [UInt8], endpoint: Endpoint) throws(DocumentRejection) -> [FetchedDocument] {
        try documentStream(body, endpoint: endpoint).collect()
    }

    package func documentStream(reading body: any BodyReader, endpoint: Endpoint) -> DocumentStream {
        InvoiceSkeleton.streamResponse(body, rules: InvoiceSkeleton.Rules(customerKey: .customerNumber))
    }

    package func authenticationAdvice(status: Int, endpoint: Endpoint) -> String {
        if status == 403 {
            return "Copaco accepted the API key but it lacks the permission for \(endpoint.path): in the Copaco partner portal, give the key access to the \(endpoint.name) endpoint (keys have per-endpoint permissions and an expiry date)"
        }
        return "Copaco did not accept the API key: check BILLWH_COPACO_API_KEY (or BILLWH_COPACO_API_KEY_FILE) holds an active, unexpired PRODUCTION key, and that BILLWH_COPACO_API_KEY_HEADER (now \(settings.apiKeyHeader)) is the header Copaco expects"
    }
}
