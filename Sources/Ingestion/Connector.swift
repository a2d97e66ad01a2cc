import Warehouse

/// What ingestion asks of a vendor: which endpoints, how to call them, how to read the answer.
/// Everything else (retries, windows, raw + staging writes, the ledger) is shared.
public protocol Connector: Sendable {
    var vendor: VendorID { get }
    /// The endpoints the nightly run reads, in order.
    var endpoints: [Endpoint] { get }
    /// The request for one endpoint and window, credentials included.
    func request(for endpoint: Endpoint, window: DateWindow) -> VendorRequest
    /// Splits a whole response body into documents; throws when the body as a whole is unusable
    /// (not JSON, no document array), which quarantines the body.
    func decode(_ body: [UInt8], endpoint: Endpoint) throws(DocumentRejection) -> [FetchedDocument]
    /// What to tell the user on 401/403: which credential or setting to check.
    func authenticationAdvice(status: Int, endpoint: Endpoint) -> String
}

public struct VendorRequest: Sendable {
    public var method: String
    public var url: String
    /// Non-secret headers.
    public var headers: [(String, String)]
    /// Headers whose values are credentials: sent, never logged or stored.
    public var secretHeaders: [(String, Secret)]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], secretHeaders: [(String, Secret)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.body = body
    }
}
