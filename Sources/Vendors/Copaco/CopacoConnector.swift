import Ingestion
import Warehouse

/// Copaco Cloud Billing API v1 (vendor-apis/copaco.md).
public struct CopacoConnector: Connector {
    public struct Settings: Sendable {
        public var baseURL: String
        public var apiKey: Secret
        /// Not published by the vendor; the contract fixes `X-Api-Key` and makes it a setting.
        public var apiKeyHeader: String

        public init(baseURL: String = "https://api.copaco.cloud", apiKey: Secret, apiKeyHeader: String = "X-Api-Key") {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.apiKeyHeader = apiKeyHeader
        }
    }

    public static let version = "v1"
    public static let invoices = Endpoint(name: "invoices", path: "/api/v1/invoices", version: version, direction: .incoming)
    public static let customerSpecifications = Endpoint(
        name: "customer-specifications", path: "/api/v1/customer-specifications", version: version, direction: .outgoing)

    public let settings: Settings
    public init(settings: Settings) { self.settings = settings }

    public var vendor: VendorID { .copaco }
    public var endpoints: [Endpoint] { [Self.invoices, Self.customerSpecifications] }

    public func request(for endpoint: Endpoint, window: DateWindow) -> VendorRequest {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        return VendorRequest(
            url: "\(base)\(endpoint.path)?startDate=\(window.start.compact)&endDate=\(window.end.compact)",
            headers: [("Accept", "application/json"), ("User-Agent", "billwh")],
            secretHeaders: [(settings.apiKeyHeader, settings.apiKey)])
    }

    public func decode(_ body: [UInt8], endpoint: Endpoint) throws(DocumentRejection) -> [FetchedDocument] {
        try documentStream(body, endpoint: endpoint).collect()
    }

    public func documentStream(_ body: [UInt8], endpoint: Endpoint) -> DocumentStream {
        InvoiceSkeleton.streamResponse(body, rules: InvoiceSkeleton.Rules(customerKey: .customerNumber))
    }

    public func authenticationAdvice(status: Int, endpoint: Endpoint) -> String {
        if status == 403 {
            return "Copaco accepted the API key but it lacks the permission for \(endpoint.path): in the Copaco partner portal, give the key access to the \(endpoint.name) endpoint (keys have per-endpoint permissions and an expiry date)"
        }
        return "Copaco did not accept the API key: check BILLWH_COPACO_API_KEY (or BILLWH_COPACO_API_KEY_FILE) holds an active, unexpired PRODUCTION key, and that BILLWH_COPACO_API_KEY_HEADER (now \(settings.apiKeyHeader)) is the header Copaco expects"
    }
}
