import JSON
import Warehouse

/// What ingestion asks of a vendor: which endpoints, how to call them, how to read the answer.
/// Everything else (retries, windows, raw + staging writes, the ledger) is shared.
package protocol Connector: Sendable {
    var vendor: VendorID { get }
    /// The endpoints the nightly run reads, in order.
    var endpoints: [Endpoint] { get }
    /// The request for one endpoint and window, credentials included.
    func request(for endpoint: Endpoint, window: DateWindow) -> VendorRequest
    /// Splits a whole response body into documents; throws when the body as a whole is unusable
    /// (not JSON, no document array), which quarantines the body.
    func decode(_ body: [UInt8], endpoint: Endpoint) throws(DocumentRejection) -> [FetchedDocument]
    /// The same documents as `decode`, one at a time, read off the body as it arrives: only
    /// one document is in memory at a time. A body that turns out unusable part way through
    /// throws from `next()`; the caller then undoes what it wrote and quarantines the body.
    func documentStream(reading body: any BodyReader, endpoint: Endpoint) -> DocumentStream
    /// What to tell the user on 401/403: which credential or setting to check.
    func authenticationAdvice(status: Int, endpoint: Endpoint) -> String
}

extension Connector {
    /// The documents of a body already in memory, read as if it were arriving.
    package func documentStream(_ body: [UInt8], endpoint: Endpoint) -> DocumentStream {
        documentStream(reading: WholeBody(body), endpoint: endpoint)
    }
}

/// A response's documents, produced on demand. Not thread-safe: one reader, in one transaction.
package final class DocumentStream {
    let produce: () throws(DocumentRejection) -> StreamedDocument?
    /// The field paths of the documents read so far (complete once `next()` has returned nil).
    package let census: FieldCensus

    package init(census: FieldCensus = FieldCensus(), _ produce: @escaping () throws(DocumentRejection) -> StreamedDocument?) {
        self.census = census
        self.produce = produce
    }

    /// A stream over documents decoded all at once, on the first `next()`.
    package static func eager(census: FieldCensus = FieldCensus(),
                             _ load: @escaping () throws(DocumentRejection) -> [FetchedDocument]) -> DocumentStream {
        var documents: [FetchedDocument]?
        var position = 0
        return DocumentStream(census: census) { () throws(DocumentRejection) -> StreamedDocument? in
            if documents == nil { documents = try load() }
            guard let all = documents, position < all.count else { return nil }
            defer { position += 1 }
            return StreamedDocument(all[position])
        }
    }

    /// The next document, nil at the end; throws when the body as a whole is unusable.
    package func next() throws(DocumentRejection) -> StreamedDocument? { try produce() }

    /// Every document decoded whole (tests and callers that want them all at once).
    package func collect() throws(DocumentRejection) -> [FetchedDocument] {
        var all: [FetchedDocument] = []
        while let document = try next() { all.append(document.collected()) }
        return all
    }
}
package struct VendorRequest: Sendable {
    package var method: String
    package var url: String
    /// Non-secret headers.
    package var headers: [(String, String)]
    /// Headers whose values are credentials: sent, never logged or stored.
    package var secretHeaders: [(String, Secret)]
    package var body: [UInt8]?
    /// False for a request that creates something each time it is processed (a POST of a
    /// note): it is retried only when it cannot have been processed (the connection was never
    /// made, or a 429), never after an answer that leaves its outcome unknown.
    package var repeatable: Bool

    package init(method: String = "GET", url: String, headers: [(String, String)] = [], secretHeaders: [(String, Secret)] = [],
                 body: [UInt8]? = nil, repeatable: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.body = body
        self.repeatable = repeatable
    }

    /// `bytes` with every form of this request's credentials (HTTPFetcher.needles) replaced by
    /// `<redacted>`: what a quarantined answer that echoes the request is stored as.
    package func redacting(_ bytes: [UInt8]) -> [UInt8] {
        CredentialEcho(self).redacting(bytes)
    }
}
