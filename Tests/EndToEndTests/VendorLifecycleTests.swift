import Foundation
import Testing
import VendorSandbox
import Warehouse

/// `billwh vendors`, the lifecycle warnings and refusals of `nightly`, and `billwh doctor` on
/// good, wrong and IP-refused credentials, through the real binary against the sandbox.
@Suite(.serialized) struct VendorLifecycleTests {
    @Test func vendorsShowsTheRegistryWithOverridesAndLastSuccess() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let fresh = try await runBillwh(["vendors", "--db", harness.databasePath], environment: harness.environment)
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(fresh.stdout.contains("/api/v1/invoices") && fresh.stdout.contains("/v2/customerinvoices"), "\(fresh.stdout)")
            #expect(fresh.stdout.contains("Stable") && fresh.stdout.contains("never"), "\(fresh.stdout)")

            _ = try await runBillwh(["nightly", "--db", harness.databasePath], environment: harness.environment)
            let eol = CalendarDate.today().adding(days: 30)
            var env = harness.environment
            env["BILLWH_ENDPOINT_LIFECYCLE"] = "copaco/invoices@v1=Deprecated,eol=\(eol)"
            let listed = try await runBillwh(["vendors", "--db", harness.databasePath], environment: env)
            #expect(listed.status == 0, "\(listed.stderr)")
            let invoices = try #require(listed.stdout.split(separator: "\n").first { $0.contains("/api/v1/invoices") })
            #expect(invoices.contains("Deprecated") && invoices.contains(eol.description) && !invoices.contains("never"), "\(invoices)")
            #expect(listed.stdout.contains("reaches its end of life on \(eol)"), "\(listed.stdout)")

            // The nightly warns and goes on.
            let nightly = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(nightly.status == 0, "\(nightly.stderr)")
            #expect(nightly.stderr.contains("reaches its end of life on \(eol)"), "\(nightly.stderr)")

            let bad = try await runBillwh(["vendors"], environment: env.merging(["BILLWH_ENDPOINT_LIFECYCLE": "copaco/invoices=Sunset"]) { $1 })
            #expect(bad.status == 64 && bad.stderr.contains("BILLWH_ENDPOINT_LIFECYCLE"), "\(bad.stderr)")
        }
    }

    @Test func aDevelopmentEndpointIsRefusedUnlessAllowed() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            var env = harness.environment
            env["BILLWH_ENDPOINT_LIFECYCLE"] = "copaco/customer-specifications=Development"
            let refused = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains("is in Development"), "\(refused.stderr)")
            #expect(harness.sandbox.requestLog.allSatisfy { !$0.path.contains("customer-specifications") })
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE vendor = 'twotcloud'") > 0)
            env["BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS"] = "true"
            let allowed = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(allowed.status == 0, "\(allowed.stderr)")
        }
    }

    @Test func doctorChecksEachVendorAndSaysWhatToCheck() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let copper = harness.withCopper()
            let secrets = [harness.apiKey, harness.twotcloudKey, harness.sandbox.configuration.copperAccessToken, "wrong-key-123"]
            func noSecrets(_ result: ProcessResult) {
                for secret in secrets { #expect(!(result.stdout + result.stderr).contains(secret), "leaked \(secret)") }
            }

            let good = try await runBillwh(["doctor"], environment: copper.environment)
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            // Copaco's two endpoints, 2tCloud's two, one Copper page.
            #expect(good.stdout.components(separatedBy: "answered: API").count - 1 == 5, "\(good.stdout)")
            #expect(good.stdout.contains("/api/v1/customer-specifications") && good.stdout.contains("v2"), "\(good.stdout)")
            noSecrets(good)

            // A key that may read Copaco's example invoices only: nightly would get 403s.
            var limited = harness.environment
            limited["BILLWH_COPACO_API_KEY"] = harness.sandbox.configuration.copacoLimitedAPIKey
            let lacking = try await runBillwh(["doctor"], environment: limited)
            #expect(lacking.status == 1, "\(lacking.stdout)")
            #expect(lacking.stdout.contains("HTTP 403"), "\(lacking.stdout)")

            // A 2xx whose body is not the vendor's (a proxy's page, say).
            harness.sandbox.faults.invalidJSONNext(1, path: "/api/v1/invoices")
            let impostor = try await runBillwh(["doctor"], environment: harness.environment)
            #expect(impostor.status == 1, "\(impostor.stdout)")
            let line = try #require(impostor.stdout.split(separator: "\n").first { $0.contains("!! copaco") })
            #expect(line.contains("not the vendor's") && line.contains("BILLWH_COPACO_BASE_URL"), "\(line)")

            var wrong = harness.environment
            wrong["BILLWH_COPACO_API_KEY"] = "wrong-key-123"
            let refused = try await runBillwh(["doctor"], environment: wrong)
            #expect(refused.status == 1, "\(refused.stdout)")
            #expect(refused.stdout.contains("HTTP 401") && refused.stdout.contains("BILLWH_COPACO_API_KEY"), "\(refused.stdout)")
            #expect(refused.stdout.contains("ok twotcloud"), "\(refused.stdout)")
            noSecrets(refused)

            harness.sandbox.setTwoTCloudAllowedIP("192.0.2.7")
            let ip = try await runBillwh(["doctor"], environment: harness.environment)
            #expect(ip.status == 1, "\(ip.stdout)")
            let advice = try #require(ip.stdout.split(separator: "\n").first { $0.contains("!! twotcloud") })
            #expect(advice.contains("HTTP 403") && advice.contains("Account ID") && advice.contains("IP address") && advice.contains("active"), "\(advice)")
            noSecrets(ip)

            let none = try await runBillwh(["doctor"], environment: [:])
            #expect(none.status == 64 && none.stderr.contains("no vendor is configured"), "\(none.stderr)")
        }
    }
}
