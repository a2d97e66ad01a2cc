import Export
import Foundation
import GRDB
import Ingestion
import Logging
import Pipeline
import Reconciliation
import Vendors
import VendorSandbox
import Warehouse

/// `billwh demo`: the sandbox in-process, a backfill and a nightly run into a fresh file, then
/// what a new user looks at first.
package struct DemoRunner: Sendable {
    package var directory: String
    package var logger: Logger
    package var today: CalendarDate

    package init(directory: String, logger: Logger, today: CalendarDate = .today()) {
        self.directory = directory
        self.logger = logger
        self.today = today
    }

    /// Marks a folder the demo made its own: only such a folder (or a new or empty one) is
    /// written into, since the demo replaces the warehouse, CSV and report it finds there.
    static let marker = ".billwh-demo"

    /// Makes `directory` the demo's, or refuses it in words.
    static func claim(_ directory: String) throws {
        guard !directory.isEmpty else { throw DemoFolderRefused("--dir is empty: name a folder for the demo's files") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw DemoFolderRefused("\(directory) is a file: --dir names the folder the demo writes into") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            guard entries.isEmpty || entries.contains(marker) else {
                throw DemoFolderRefused("\(directory) holds files that are not a demo's (\(entries.sorted().prefix(3).joined(separator: ", "))"
                    + "\(entries.count > 3 ? ", …" : "")): the demo replaces the warehouse, CSV and report it finds, so it only writes "
                    + "into a new or empty folder, or one an earlier demo made; give another --dir")
            }
        } else {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw DemoFolderRefused("cannot create the folder \(directory): \(Self.reason(error))")
            }
        }
        guard FileManager.default.createFile(atPath: (directory as NSString).appendingPathComponent(marker),
                                             contents: Data("made by billwh demo: it may replace what is in this folder\n".utf8)) else {
            throw DemoFolderRefused("cannot write into \(directory): check that this user may write it")
        }
    }

    static func reason(_ error: any Error) -> String {
        let code = (error as NSError).userInfo[NSUnderlyingErrorKey].flatMap { ($0 as? NSError)?.code } ?? (error as NSError).code
        return code > 0 && code < 200 ? String(cString: strerror(Int32(code))) : (error as NSError).localizedDescription
    }

    package struct Result: Sendable {
        package var databasePath: String
        package var csvPath: String
        /// The last complete month as a workbook, for people.
        package var xlsxPath: String
        package var outcome: RunOutcome
        package var summary: String
    }

    package func run() async throws -> Result {
        try Self.claim(directory)
        let databasePath = (directory as NSString).appendingPathComponent("billwh.sqlite")
        let csvPath = (directory as NSString).appendingPathComponent("purchases.csv")
        // Not from under a run: its writes would go on into a deleted file and end "ok". Held
        // while deleting, so no run can start in between; the demo's own run takes it again.
        let lock = try RunLock.acquire(databasePath: databasePath, command: "demo (replacing the demo warehouse)")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        lock.release()

        let configuration = SandboxConfiguration.demo(today: today.description)
        let sandbox = VendorSandbox(configuration: configuration)
        _ = try await sandbox.start()
        logger.info("demo: sandbox listening on \(sandbox.baseURL)")
        do {
            var settings = Settings(
                copaco: CopacoConnector.Settings(
                    baseURL: sandbox.baseURL, apiKey: Secret(configuration.copacoAPIKey), apiKeyHeader: configuration.copacoAPIKeyHeader),
                twotcloud: TwoTCloudConnector.Settings(
                    baseURL: sandbox.baseURL, accountID: configuration.twotcloudAccountID, apiKey: Secret(configuration.twotcloudAPIKey),
                    version: configuration.twotcloudVersion, includeConsolidated: true))
            settings.copper = CopperSettings(
                baseURL: sandbox.copperBaseURL, accessToken: Secret(configuration.copperAccessToken),
                userEmail: configuration.copperUserEmail, billedField: "Monthly Billed", marginField: "Monthly Margin")
            settings.backup = BackupSettings(directory: (directory as NSString).appendingPathComponent("backups"))
            let runner = PipelineRunner(databasePath: databasePath, settings: settings, logger: logger, today: today)
            // A new user first back-fills history, then lets the nightly job keep it fresh.
            let firstDate = min(CalendarDate(parsing: configuration.copacoData.firstDate)!,
                                CalendarDate(parsing: configuration.twotcloudData.firstDate) ?? today)
            let backfill = try await runner.ingest(vendors: nil, window: DateWindow(start: firstDate, end: today), command: "demo-backfill")
            let closed = try closeOldMonths(runner)
            let nightly = try await runner.nightly()
            let queue = try WarehouseDatabase.openReadOnly(path: databasePath)
            _ = try exportPurchases(queue, options: ExportOptions(), to: .file(csvPath))
            // The last complete month: what accounting closes and reads.
            let month = CalendarDate(year: nightly.window.end.year, month: nightly.window.end.month, day: 1)!.adding(days: -1)
            let xlsxPath = (directory as NSString).appendingPathComponent("purchases-\(String(month.description.prefix(7))).xlsx")
            _ = try exportPurchases(queue, options: ExportOptions(format: .xlsx, selection: .month(year: month.year, month: month.month)),
                                    to: .file(xlsxPath))
            let summary = try await queue.read { db in
                try Self.summarize(db, backfill: backfill, nightly: nightly, closed: closed, databasePath: databasePath, csvPath: csvPath, xlsxPath: xlsxPath)
            }
            await sandbox.stop()
            let outcome: RunOutcome = [backfill.outcome, nightly.outcome].contains(.failed) ? .failed
                : [backfill.outcome, nightly.outcome].contains(.partial) ? .partial : .ok
            return Result(databasePath: databasePath, csvPath: csvPath, xlsxPath: xlsxPath, outcome: outcome, summary: summary)
        } catch {
            await sandbox.stop()
            throw error
        }
    }

    /// Accounting closes a month once it has exported it; a back-filled history arrives with
    /// months that old, so the demo closes those (the nightly checks remind about open ones).
    func closeOldMonths(_ runner: PipelineRunner) throws -> [Month] {
        _ = try runner.reconcile(full: false)
        let cutoff = DataChecks.cutoffMonth(today: today, maxOpenMonths: DataChecks.defaultMaxOpenMonths)
        let months = try WarehouseDatabase.openReadOnly(path: runner.databasePath).read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT substr(invoice_date, 1, 7) FROM purchases WHERE invoice_date < ? ORDER BY 1",
                                arguments: [cutoff.firstDay])
        }.compactMap(Month.init)
        for month in months {
            _ = try runner.close(month: month, note: "closed by billwh demo: back-filled history older than \(DataChecks.defaultMaxOpenMonths) months")
        }
        if let first = months.first, let last = months.last {
            logger.info("demo: closed \(months.count) back-filled months \(first)..\(last), as accounting would after exporting them")
        }
        return months
    }

    static func runRow(_ run: RunSummary) -> [String] {
        let documents: Int = run.reports.reduce(0) { $0 + $1.outcome.documents }
        let lines: Int = run.reports.reduce(0) { $0 + $1.outcome.lines }
        let quarantined: Int = run.reports.reduce(0) { $0 + $1.outcome.quarantined }
        let retries: Int = run.reports.reduce(0) { $0 + $1.statistics.retries }
        return [String(run.runID), run.command, run.window.description, run.outcome.rawValue,
                String(documents), String(lines), String(quarantined), String(retries)]
    }

    static func summarize(_ db: Database, backfill: RunSummary, nightly: RunSummary, closed: [Month], databasePath: String, csvPath: String,
                          xlsxPath: String) throws -> String {
        var out = "\nbillwh demo — Copaco + 2tCloud + Copper CRM sandbox → \(databasePath)\n\n"
        out += "Runs\n"
        out += TextTable.render(
            header: ["run", "command", "window", "outcome", "documents", "lines", "quarantined", "retries"],
            rows: [backfill, nightly].map(runRow), rightAligned: [4, 5, 6, 7])
        let documents = try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") ?? 0
        let raw = try Int.fetchOne(db, sql: "SELECT count(*) FROM raw_documents") ?? 0
        let lines = try Int.fetchOne(db, sql: "SELECT count(*) FROM staging_lines") ?? 0
        out += "\nWarehouse: \(documents) documents (\(raw) raw versions), \(lines) staging lines\n"
        if let first = closed.first, let last = closed.last {
            out += "Closed months: \(first)..\(last) (the back-filled history; `billwh reopen --month` reopens one with a reason)\n"
        }
        let failed = (nightly.checks ?? []).filter(\.failed).map(\.check.name)
        out += failed.isEmpty ? "Data checks: all passed\n" : "Data checks FAILED: \(failed.joined(separator: ", ")) (`billwh check`)\n"

        out += "\nPurchases by status\n"
        // Per currency throughout: amounts of different currencies are never added.
        let statusRows = try Row.fetchAll(db, sql: """
            SELECT vendor, match_status, currency, count(*) AS n, coalesce(sum(cost_micros),0) AS cost, coalesce(sum(sell_micros),0) AS sell,
                   coalesce(sum(margin_micros),0) AS margin FROM purchases GROUP BY vendor, match_status, currency ORDER BY vendor, currency, n DESC
            """).map { row -> [String] in
            [row["vendor"], row["match_status"], row["currency"], String(row["n"] as Int), Money(micros: row["cost"]).formatted(),
             Money(micros: row["sell"]).formatted(), Money(micros: row["margin"]).formatted()]
        }
        out += TextTable.render(header: ["vendor", "status", "currency", "rows", "cost", "sell", "margin"], rows: statusRows, rightAligned: [3, 4, 5, 6])
        let margins = try Row.fetchAll(db, sql: "SELECT currency, coalesce(sum(margin_micros),0) AS margin FROM purchases GROUP BY currency ORDER BY currency")
            .map { "\(Money(micros: $0["margin"]).formatted()) \($0["currency"] as String)" }
        out += "  total margin: \(margins.joined(separator: ", ")) (unbilled lines are cost without revenue: the leak to chase)\n"

        out += "\nTop customers by margin (CRM name from Copper where a company claims the customer number)\n"
        let customers = try Row.fetchAll(db, sql: """
            SELECT coalesce(crm_company_name, '(no CRM company) ' || max(customer_name)) AS name,
                   group_concat(DISTINCT vendor) AS vendors, count(DISTINCT customer_number) AS numbers, currency,
                   coalesce(sum(margin_micros),0) AS margin, sum(match_status = 'unbilled') AS unbilled FROM purchases
            GROUP BY coalesce(crm_company_id, vendor || ':' || customer_key), currency ORDER BY margin DESC LIMIT 8
            """).map { row -> [String] in
            let name = (row["name"] as String? ?? "").replacingOccurrences(of: "\n", with: " ")
            return [String(name.prefix(45)), row["vendors"] ?? "", String(row["numbers"] as Int), row["currency"],
                    Money(micros: row["margin"]).formatted(), String(row["unbilled"] as Int)]
        }
        out += TextTable.render(header: ["customer", "vendors", "numbers", "currency", "margin", "unbilled lines"], rows: customers, rightAligned: [2, 4, 5])
        let unmapped = try StatusReport.unmappedCustomers(db)
        if !unmapped.isEmpty {
            out += "  \(unmapped.count) customer numbers no CRM company claims: \(unmapped.prefix(5).map(\.customerNumber).joined(separator: ", ")) (see `billwh status`)\n"
        }
        if let check = try ConsolidatedCheck.compare(db) {
            out += "\n2tCloud consolidatedinvoices (raw only, a cross-check): \(check.lines) lines, \(check.disagreeing) disagree with the purchases"
            out += " (\(check.onlyInConsolidated) only there, \(check.missingFromConsolidated) missing) — why it never feeds purchases\n"
        }

        out += """

            Files
              database  \(databasePath)
              CSV       \(csvPath)
              xlsx      \(xlsxPath) (the last complete month, for people)
              backups   \((databasePath as NSString).deletingLastPathComponent)/backups (verified copies the nightly took)

            Next
              billwh status --db \(databasePath)
              billwh query --db \(databasePath) "SELECT customer_name, sku, cost_micros, sell_micros FROM purchases WHERE match_status = 'unbilled'"
              billwh report exceptions --db \(databasePath) --month \(String(nightly.window.end.description.prefix(7)))
              billwh export purchases --db \(databasePath) --month \(String(nightly.window.end.description.prefix(7))) --delimiter ';' --decimal-comma --bom --out month.csv

            """
        return out
    }
}

/// A --dir the demo will not write into, and why.
package struct DemoFolderRefused: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
