import ArgumentParser
import Foundation
import Pipeline

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check each configured vendor's credentials with one cheap call, before the first night.",
        discussion: """
            One call per endpoint `nightly` reads: one day of each invoice endpoint (Copaco's invoices and customer \
            specifications, 2tCloud's invoices and customer invoices), one page of Copper's companies. \
            Prints per endpoint whether it is reachable, takes the credentials and answers in the vendor's shape, the API \
            version, and on a refusal what to check. Exit 0 only when every call answers; 1 otherwise; 64 when no vendor \
            is configured or one has half its credentials.
            """)

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors {
            let settings = try await Settings.loadPrintingWarnings()
            try settings.checkComplete(nil)
            guard !settings.configuredVendors.isEmpty else {
                throw SettingsError.invalid("no vendor is configured: set BILLWH_COPACO_API_KEY, BILLWH_TWOTCLOUD_ACCOUNT_ID + BILLWH_TWOTCLOUD_API_KEY or BILLWH_COPPER_ACCESS_TOKEN + BILLWH_COPPER_USER_EMAIL (or their _FILE forms)")
            }
            let findings = await Doctor(settings: settings, logger: logger).run()
            Console.out(Doctor.render(findings))
            return findings.allSatisfy(\.ok) ? .success : ExitCode(1)
        }
    }
}
