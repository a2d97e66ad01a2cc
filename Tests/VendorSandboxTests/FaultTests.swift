import Testing
import Warehouse
import VendorSandbox

@Suite("Sandbox faults, as a client sees them")
struct FaultTests {
    let window = "/api/v1/invoices?startDate=20240101&endDate=20240630"

    @Test("failNext: N answers with that status, before authentication; then normal again")
    func failNext() async throws {
        try await withSandbox { sandbox, port in
            sandbox.faults.failNext(2, status: 503)
            sandbox.faults.failNext(1, status: 502)
            let first = try await RawHTTP.get(port: port, window)          // no key: the outage answers first
            #expect(first.status == 503)
            #expect(try TJ.parse(first.body)["message"] != nil)
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 503)
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 502)
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 200)
            #expect(try await RawHTTP.get(port: port, window).status == 401)
            // A path filter: only the specifications fail.
            sandbox.faults.failNext(1, status: 504, path: "/api/v1/customer-specifications")
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 200)
            #expect(try await RawHTTP.get(port: port, "/api/v1/customer-specifications", headers: fullKey).status == 504)
            #expect(sandbox.faults.pendingCount == 0)
            #expect(sandbox.requestLog.compactMap(\.fault) == ["status-503", "status-503", "status-502", "status-504"])
        }
    }

    @Test("rateLimitNext: 429 with Retry-After when given")
    func rateLimit() async throws {
        try await withSandbox { sandbox, port in
            sandbox.faults.rateLimitNext(1, retryAfter: "1")
            sandbox.faults.rateLimitNext(1, retryAfter: "0")
            sandbox.faults.rateLimitNext(1, retryAfter: nil)
            let one = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(one.status == 429 && one.header("Retry-After") == "1")
            let zero = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(zero.status == 429 && zero.header("Retry-After") == "0")
            let none = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(none.status == 429 && none.header("Retry-After") == nil)
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 200)
        }
    }

    @Test("truncateNext: the connection closes before Content-Length bytes, or before the final chunk")
    func truncation() async throws {
        try await withSandbox { sandbox, port in
            let whole = demoData.responseBody(.invoices, from: "2024-01-01", to: "2024-06-30")
            sandbox.faults.truncateNext(1)
            let cut = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(cut.status == 200)
            #expect(cut.contentLength == whole.count)
            #expect(!cut.complete)
            #expect(cut.body.count < whole.count && cut.body.count > 0)
            let prefix = Array(whole.prefix(cut.body.count)) == cut.body
            #expect(prefix)

            sandbox.faults.truncateNext(1, mode: .chunked)
            let chunked = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(chunked.status == 200 && chunked.chunked && chunked.contentLength == nil)
            #expect(!chunked.complete)
            #expect(chunked.body.count < whole.count)

            // Error answers do not consume a body fault.
            sandbox.faults.truncateNext(1)
            #expect(try await RawHTTP.get(port: port, window).status == 401)
            let next = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(!next.complete)
            let healthy = try await RawHTTP.get(port: port, window, headers: fullKey)
            let whole2 = healthy.body == whole
            #expect(healthy.complete && whole2)
        }
    }

    @Test("invalidJSONNext: a whole 200 body that does not parse")
    func invalidJSON() async throws {
        try await withSandbox { sandbox, port in
            sandbox.faults.invalidJSONNext(1)
            let response = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(response.status == 200 && response.complete)
            #expect(response.header("Content-Type") == "application/json")
            #expect(throws: (any Error).self) { try TJ.parse(response.body) }
            let next = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(try Served.documents(next.body).count > 0)
        }
    }

    @Test("mutateFields: other names, order and extra members; the same values and amounts")
    func mutateFields() async throws {
        try await withSandbox { sandbox, port in
            let plain = try await RawHTTP.get(port: port, window, headers: fullKey).body
            sandbox.faults.mutateFields = true
            let mutated = try await RawHTTP.get(port: port, window, headers: fullKey).body
            let again = try await RawHTTP.get(port: port, window, headers: fullKey).body
            sandbox.faults.mutateFields = false
            let differs = mutated != plain
            let deterministic = mutated == again
            #expect(differs)
            #expect(deterministic)
            let plainTree = try TJ.parse(plain)
            let mutatedTree = try TJ.parse(mutated)
            let known = Set(plainTree.allNames.map { $0.lowercased() })
            let mutatedNames = Set(mutatedTree.allNames)
            let plainNames = Set(plainTree.allNames)
            // Case-varied names and unknown members do occur.
            let caseVaried = mutatedNames.contains { !plainNames.contains($0) && known.contains($0.lowercased()) }
            let unknown = mutatedNames.contains { !known.contains($0.lowercased()) }
            let subscriptionIDVariant = !mutatedNames.isDisjoint(with: ["SubscriptionId", "subscriptionid", "SUBSCRIPTIONID", "subscriptionID"])
            #expect(caseVaried)
            #expect(unknown)
            #expect(subscriptionIDVariant)
            // Same content once names are folded, order ignored and unknown members dropped.
            let sameContent = mutatedTree.normalized(keeping: known) == plainTree.normalized(keeping: known)
            #expect(sameContent)
            #expect(try Served.extendedPriceMicros(mutated).total == Served.extendedPriceMicros(plain).total)
            #expect(try Served.extendedPriceMicros(mutated).total == demoData.totalMicros(.invoices, from: "2024-01-01", to: "2024-06-30"))
        }
    }

    @Test("corruptDocument: one document undecodable, the response still valid JSON")
    func corruptDocument() async throws {
        try await withSandbox { sandbox, port in
            let documents = demoData.documents(.invoices, from: "2024-01-01", to: "2024-06-30")
            let target = documents[1].invoiceID
            let other = documents[2].invoiceID
            sandbox.faults.corruptDocument(invoiceID: target)
            sandbox.faults.corruptDocument(invoiceID: other, how: .missingHeader)
            let body = try await RawHTTP.get(port: port, window, headers: fullKey).body
            let served = try Served.documents(body)
            #expect(served.count == documents.count)
            let bad = try #require(served.first { $0["Header"]?["InvoiceID"]?.string == target })
            #expect(Served.lines(bad).first?["ExtendedPrice"] == .string("12,5x"))
            #expect(served.filter { $0["Header"] == nil }.count == 1)
            let intact = served.filter { $0["Header"]?["InvoiceID"]?.string != target && $0["Header"] != nil }
            #expect(intact.count == documents.count - 2)
            sandbox.faults.reset()
            let restored = try await RawHTTP.get(port: port, window, headers: fullKey).body == demoData.responseBody(.invoices, from: "2024-01-01", to: "2024-06-30")
            #expect(restored)
        }
    }

    @Test("delay: a client with a shorter timeout gives up; reset restores speed")
    func delay() async throws {
        try await withSandbox { sandbox, port in
            // Margins a loaded 2-core machine cannot eat: a 1 s delay, 20 s of patience.
            sandbox.faults.delay = .seconds(1)
            await #expect(throws: RawHTTPError.self) {
                _ = try await RawHTTP.get(port: port, window, headers: fullKey, timeout: 0.2)
            }
            let patient = try await RawHTTP.get(port: port, "/api/v1/example-invoices", headers: fullKey, timeout: RawHTTP.patience)
            #expect(patient.status == 200)
            #expect(sandbox.requestLog.last.map { $0.duration >= .seconds(1) } == true)
            sandbox.faults.reset()
            #expect(sandbox.faults.delay == .zero)
            #expect(try await RawHTTP.get(port: port, "/api/v1/example-invoices", headers: fullKey, timeout: RawHTTP.patience).status == 200)
            #expect(sandbox.requestLog.last.map { $0.duration < .seconds(1) && $0.fault == nil } == true)
        }
    }

    @Test("reset disarms counted faults")
    func reset() async throws {
        try await withSandbox { sandbox, port in
            sandbox.faults.failNext(5)
            sandbox.faults.truncateNext(5)
            sandbox.faults.mutateFields = true
            #expect(sandbox.faults.pendingCount == 10)
            sandbox.faults.reset()
            #expect(sandbox.faults.pendingCount == 0 && !sandbox.faults.mutateFields)
            let response = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(response.status == 200 && response.complete)
        }
    }
}

@Suite("Sandbox faults armed from the command line")
struct CommandLineFaultTests {
    @Test func eachFormParsesAndOthersAreRefused() {
        #expect(SandboxFault(parsing: "503:3") == .status(503, count: 3))
        #expect(SandboxFault(parsing: "500") == .status(500, count: 1))
        #expect(SandboxFault(parsing: "429:2") == .rateLimit(count: 2))
        #expect(SandboxFault(parsing: "slow:1500") == .slow(milliseconds: 1500))
        #expect(SandboxFault(parsing: "truncate") == .truncate(count: 1))
        #expect(SandboxFault(parsing: "invalid-json:4") == .invalidJSON(count: 4))
        #expect(SandboxFault(parsing: "mutate-fields") == .mutateFields)
        for bad in ["", "200:1", "503:0", "503:x", "slow", "slow:9999999", "teapot", "429:-1"] {
            #expect(SandboxFault(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func armedFaultsAnswerAsTheirNamesSay() async throws {
        try await withSandbox { sandbox, port in
            for fault in ["502:1", "429:1", "invalid-json:1"] { SandboxFault(parsing: fault)!.arm(sandbox.faults) }
            let window = "/api/v1/invoices?startDate=20240101&endDate=20240630"
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 502)
            let limited = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(limited.status == 429 && limited.header("Retry-After") == "1")
            let broken = try await RawHTTP.get(port: port, window, headers: fullKey)
            #expect(broken.status == 200 && (try? TJ.parse(broken.body)) == nil)
            #expect(try await RawHTTP.get(port: port, window, headers: fullKey).status == 200)
        }
    }
}
