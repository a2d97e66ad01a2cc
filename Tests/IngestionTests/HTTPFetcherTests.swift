import Ingestion
import Logging
import Testing

@Suite struct HTTPFetcherTests {
    /// A base URL with a newline in it (two URLs pasted into one setting) used to be retried
    /// as if the vendor were down, for the whole five-minute budget.
    @Test(arguments: ["http://127.0.0.1:1\nhttp://127.0.0.1:1/api/v1/invoices", "http:///api/v1/invoices"])
    func aURLThatCannotBeValidFailsAtOnce(url: String) async throws {
        let fetcher = HTTPFetcher(logger: Logger(label: "test"))
        var statistics = FetchStatistics()
        let started = ContinuousClock.now
        do {
            _ = try await fetcher.fetch(VendorRequest(url: url), label: "copaco/invoices", advice: { _ in "" }, statistics: &statistics)
            Issue.record("fetched from \(url.debugDescription)")
        } catch let error as FetchError {
            guard case .badURL = error else { Issue.record("\(error)"); return }
            #expect("\(error)".contains("base URL"))
        }
        #expect(statistics.requests == 1 && statistics.retries == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
