import Foundation
import GRDB
import Ingestion
import Pipeline
import Synchronization
import Testing
import Vendors
import VendorSandbox
import Warehouse

/// Sandbox faults in combination, both vendors: each run completes (0) or ends partial (2) /
/// failed (1) with the failed endpoints named, and a clean re-run converges to the warehouse of
/// a fault-free run. Each case prints one `MATRIX|` row; `scripts/fault-matrix` runs the long
/// form (the whole history, three data seeds) and prints them as a table.
@Suite(.serialized) struct FaultMatrixTests {
    static let long = ProcessInfo.processInfo.environment["BILLWH_FAULT_MATRIX_LONG"] == "1"
    static let seeds: [UInt64] = long ? [42, 7, 2026] : [42]
    static let window = long ? history : DateWindow(start: CalendarDate(year: 2026, month: 5, day: 1)!, end: today)!
    /// Longer than any run should take: waiting it out would show in the elapsed time.
    static let stall: Duration = long ? .seconds(30) : .seconds(20)
    static let quick: Duration = long ? .seconds(20) : .seconds(14)

    enum Case: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case fiveHundredBurst = "5xx burst (503 503 503, 500 500, 502 502, 504)"
        case rateLimited = "429: Retry-After 1, 0, none, an HTTP date"
        case slowHead = "slow answer past the request timeout (twice)"
        case stalledBody = "body stalls past the request timeout"
        case truncated = "truncated bodies (Content-Length, chunked)"
        case invalidJSON = "invalid JSON from a proxy"
        case outage = "2tCloud 503 beyond the retry budget"
        case refused = "Copaco connection refused"
        case allDown = "every vendor unreachable"
        case everything = "all at once: 5xx, 429, slow, stalled, cut off"

        var testDescription: String { rawValue }

        var expected: RunOutcome {
            switch self {
            case .invalidJSON, .outage, .refused: .partial
            case .allDown: .failed
            default: .ok
            }
        }

        /// The `vendor/endpoint` names the failure must mention.
        var failing: [String] {
            switch self {
            case .invalidJSON: ["copaco/customer-specifications"]
            case .outage: ["twotcloud/invoices", "twotcloud/customerinvoices"]
            case .refused: ["copaco/invoices", "copaco/customer-specifications"]
            case .allDown: ["copaco/invoices", "copaco/customer-specifications", "twotcloud/invoices", "twotcloud/customerinvoices"]
            default: []
            }
        }

        /// Short timeouts and budgets, so that timing faults cost a second, not minutes.
        var policy: RetryPolicy {
            var policy = RetryPolicy(baseDelay: .milliseconds(10), maxDelay: .milliseconds(100),
                                     maxTotal: .seconds(20), requestTimeout: .seconds(2))
            switch self {
            // A second: an answer that is only slow because the test machine is busy stays inside it.
            case .slowHead, .stalledBody, .everything: policy.requestTimeout = .seconds(1)
            case .outage, .refused, .allDown: policy.maxTotal = .milliseconds(400)
            default: break
            }
            return policy
        }

        func arm(_ faults: SandboxFaults) {
            switch self {
            case .fiveHundredBurst:
                faults.failNext(3, status: 503)
                faults.failNext(2, status: 500, path: "/api/v1/customer-specifications")
                faults.failNext(2, status: 502, path: "/v2/invoices")
                faults.failNext(1, status: 504, path: "/v2/customerinvoices")
            case .rateLimited:
                faults.rateLimitNext(1, retryAfter: "1", path: "/api/v1/invoices")
                faults.rateLimitNext(2, retryAfter: "0")
                faults.rateLimitNext(2, retryAfter: nil, path: "/v2/")
                faults.rateLimitNext(1, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT", path: "/v2/customerinvoices")
            case .slowHead:
                faults.delayNext(2, by: .milliseconds(2500), path: "/api/v1/invoices")
            case .stalledBody:
                faults.stallBodyNext(1, for: FaultMatrixTests.stall, path: "/v2/customerinvoices")
            case .truncated:
                faults.truncateNext(1, mode: .contentLength, path: "/api/v1/invoices")
                faults.truncateNext(1, mode: .chunked, path: "/v2/invoices")
                faults.truncateNext(1, mode: .contentLength, path: "/v2/customerinvoices")
            case .invalidJSON:
                faults.invalidJSONNext(1, path: "/api/v1/customer-specifications")
            case .outage:
                faults.failNext(100_000, status: 503, path: "/v2/")
            case .refused, .allDown:
                break
            case .everything:
                faults.failNext(2, status: 503)
                faults.rateLimitNext(1, retryAfter: "0", path: "/v2/")
                faults.rateLimitNext(1, retryAfter: nil, path: "/api/v1/")
                faults.truncateNext(1, mode: .chunked, path: "/api/v1/customer-specifications")
                faults.truncateNext(1, mode: .contentLength, path: "/v2/invoices")
                faults.delayNext(1, by: .milliseconds(2500), path: "/v2/customerinvoices")
                faults.stallBodyNext(1, for: FaultMatrixTests.stall, path: "/api/v1/invoices")
            }
        }
    }

    /// A fault-free run of the same window and seed: what every clean re-run must equal.
    static let references = Mutex<[UInt64: [String: [String]]]>([:])

    static func reference(seed: UInt64) async throws -> [String: [String]] {
        if let cached = references.withLock({ $0[seed] }) { return cached }
        let harness = try await Harness.start(seed: seed, twotcloud: true)
        return try await stopping(harness) {
            let summary = try await harness.runner.nightly(window: window)
            #expect(summary.outcome == .ok)
            let dump = try comparable(WarehouseDump.dump(harness.databasePath))
            references.withLock { $0[seed] = dump }
            return dump
        }
    }

    /// Quarantine sightings and their resolution are history, not content: checked apart.
    static func comparable(_ dump: [String: [String]]) -> [String: [String]] {
        dump.filter { $0.key != "quarantine" }
    }

    /// A port on 127.0.0.1 with nothing listening.
    static func deadPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else { throw CocoaError(.featureUnsupported) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(arguments: Case.allCases) func faultsInCombination(_ fault: Case) async throws {
        for seed in Self.seeds {
            let expected = try await Self.reference(seed: seed)
            let harness = try await Harness.start(seed: seed, twotcloud: true)
            try await stopping(harness) {

                var settings = harness.settings
                settings.retryPolicy = fault.policy
                if fault == .refused || fault == .allDown {
                    let dead = "http://127.0.0.1:\(try Self.deadPort())"
                    settings.copaco?.baseURL = dead
                    if fault == .allDown { settings.twotcloud?.baseURL = dead }
                }
                fault.arm(harness.sandbox.faults)
                let runner = PipelineRunner(databasePath: harness.databasePath, settings: settings, logger: harness.logs.logger, today: today)
                let started = ContinuousClock.now
                let summary = try await runner.nightly(window: Self.window)
                let elapsed = ContinuousClock.now - started

                #expect(summary.outcome == fault.expected, "\(fault.rawValue): \(summary.reports.compactMap(\.failure))")
                let failed = summary.reports.filter { !$0.succeeded }.map { "\($0.vendor)/\($0.endpoint.name)" }
                #expect(failed == fault.failing, "\(fault.rawValue)")
                for name in fault.failing {
                    // Named in the failure (what `nightly` prints as FAILED) and in the ledger.
                    let failure = summary.reports.first { "\($0.vendor)/\($0.endpoint.name)" == name }?.failure ?? ""
                    #expect(failure.hasPrefix(name + " "), "\(failure)")
                    let parts = name.split(separator: "/")
                    #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE vendor = '\(parts[0])' AND endpoint = '\(parts[1])' AND status = 'failed' AND error IS NOT NULL") >= 1)
                }
                #expect(try WarehouseDump.integrity(harness.databasePath) == "ok")
                let retries = summary.reports.reduce(0) { $0 + $1.statistics.retries }
                let requests = summary.reports.reduce(0) { $0 + $1.statistics.requests }
                check(fault, logs: harness.logs.text, retries: retries, elapsed: elapsed)
                if fault == .refused || fault == .allDown {
                    // A vendor no attempt reached is given one retry budget, not one per endpoint.
                    for vendor in fault == .refused ? [VendorID.copaco] : [.copaco, .twotcloud] {
                        let reports = summary.reports.filter { $0.vendor == vendor }
                        #expect(reports.count >= 2 && reports[0].statistics.requests > 1)
                        for report in reports.dropFirst() {
                            #expect(report.statistics.requests == 0, "\(report.endpoint.name)")
                            #expect(report.failure?.contains("not tried: \(vendor) could not be reached for the whole retry budget on \(reports[0].endpoint.name)") == true,
                                    "\(report.failure ?? "")")
                        }
                    }
                }

                // A clean re-run converges to the fault-free warehouse.
                harness.sandbox.faults.reset()
                let rerun = try await harness.runner.nightly(window: Self.window)
                #expect(rerun.outcome == .ok, "\(rerun.reports.compactMap(\.failure))")
                #expect(try WarehouseDump.structuralProblems(harness.databasePath) == [])
                let difference = WarehouseDump.difference(expected, Self.comparable(try WarehouseDump.dump(harness.databasePath)))
                #expect(difference.lost == 0 && difference.extra == 0, "\(fault.rawValue): \(difference.detail)")
                #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") == 0)
                let converged = difference.lost == 0 && difference.extra == 0 && rerun.outcome == .ok

                let exit = switch summary.outcome { case .ok: 0; case .partial: 2; case .failed: 1 }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print("MATRIX|\(fault.rawValue)|\(seed)|\(summary.outcome.rawValue) (\(exit))|\(requests)|\(retries)|\(String(format: "%.1f", seconds))s|\(failed.isEmpty ? "-" : failed.joined(separator: ", "))|\(rerun.outcome.rawValue)|\(converged ? "yes" : "NO")")
            }
        }
    }

    /// An unreadable response is resolved once its whole window has been read fine again,
    /// whatever the chunks that did it (the lookback's chunk boundaries move every day).
    @Test func anUnreadableResponseIsResolvedOnceItsWindowIsReadAgain() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            func window(_ a: String, _ b: String) -> DateWindow { DateWindow(start: CalendarDate(parsing: a)!, end: CalendarDate(parsing: b)!)! }
            func unresolved() throws -> Int64 { try harness.scalar("SELECT count(*) FROM quarantine WHERE document_key IS NULL AND resolved_at IS NULL") }
            harness.sandbox.faults.invalidJSONNext(1, path: "/api/v1/invoices")
            let failed = try await harness.runner.ingest(vendors: [.copaco], window: window("2026-05-01", "2026-05-31"))
            #expect(failed.outcome == .partial)
            #expect(try unresolved() == 1)
            // May 10-31 and later: May 1-9 not read again yet.
            _ = try await harness.runner.ingest(vendors: [.copaco], window: window("2026-05-10", "2026-06-30"))
            #expect(try unresolved() == 1)
            // April 20 - May 12 covers the rest: resolved.
            _ = try await harness.runner.ingest(vendors: [.copaco], window: window("2026-04-20", "2026-05-12"))
            #expect(try unresolved() == 0)
            // The same bad answer again: unresolved again, by its latest sighting's window.
            harness.sandbox.faults.invalidJSONNext(1, path: "/api/v1/invoices")
            _ = try await harness.runner.ingest(vendors: [.copaco], window: window("2026-05-01", "2026-05-31"))
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE document_key IS NULL") >= 1)
            #expect(try unresolved() == 1)
            _ = try await harness.runner.ingest(vendors: [.copaco], window: window("2026-06-01", "2026-06-30"))
            #expect(try unresolved() == 1)
            _ = try await harness.runner.ingest(vendors: [.copaco], window: window("2026-05-01", "2026-05-31"))
            #expect(try unresolved() == 0)
        }
    }

    /// What each fault must have looked like from the client's side.
    func check(_ fault: Case, logs: String, retries: Int, elapsed: Duration) {
        switch fault {
        case .fiveHundredBurst:
            #expect(retries == 8)
            for status in ["503", "500", "502", "504"] { #expect(logs.contains("HTTP \(status); retry"), "\(status)") }
        case .rateLimited:
            #expect(retries == 6)
            #expect(logs.contains("HTTP 429 (Retry-After: 1s); retry 1 in 1.0s"))
            // 0 is no hint and a date is not understood: both fall back to the short backoff.
            #expect(logs.contains(#/HTTP 429 \(Retry-After: 0s\); retry \d+ in \d+ms/#))
            #expect(logs.contains(#/HTTP 429; retry \d+ in \d+ms/#))
        case .slowHead:
            #expect(retries == 2)
            #expect(logs.contains("timed out"))
        case .stalledBody:
            // Abandoned at the request timeout, not waited out.
            #expect(retries == 1)
            #expect(logs.contains("timed out"))
            #expect(elapsed < Self.quick)
        case .truncated:
            #expect(retries == 3)
            #expect(logs.contains("the connection closed before the response was complete"))
        case .invalidJSON:
            #expect(logs.contains("could not be read and was quarantined"))
        case .outage:
            #expect(logs.contains("gave up after"))
        case .refused, .allDown:
            #expect(logs.contains("gave up after"))
            #expect(logs.contains("could not connect to 127.0.0.1:"), "\(logs.suffix(600))")
        case .everything:
            #expect(retries >= 8)
            #expect(elapsed < Self.quick * 2)
        }
    }
}
