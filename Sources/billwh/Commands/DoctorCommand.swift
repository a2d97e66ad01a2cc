import ArgumentParser
import Foundation
import Pipeline

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check each configured vendor's credentials with one cheap call, before the first night.",
        discussion: """
            Copaco: its example invoices; 2tCloud: one day of invoices; Copper: one page of companies. \
            Prints per vendor whether it is reachable and takes the credentials, the API version that answered, \
            and on a refusal what to check. Exit 0 only when every configured vendor answers; 1 otherwise.
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
