import Foundation
import GRDB
import Pipeline
import Reconciliation
import Testing
import VendorSandbox
import Warehouse

/// Closing the books against the sandbox: data checks, period close with a re-issue into a
/// closed month, and the month-end reports.
@Suite(.serialized) struct BooksEndToEndTests {
    @Test func checksPassOnAFreshWarehouseAndCatchBrokenData() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let summary = try await harness.backfillAndReconcile()
            // Every check but the housekeeping one passes after a nightly run; with 3 years of
            // history left open, that one names the months to close.
            let failed = try #require(summary.checks).filter { !$0.passed }.map(\.check.name)
            #expect(failed == ["months_closed_in_time"])
            let clean = try await runBillwh(["check", "--db", harness.databasePath, "--max-open-months", "1200"])
            #expect(clean.status == 0, "\(clean.stdout)")
            #expect(clean.stdout.contains("10 checks passed"))
            // Months left open are a reminder: printed, and no failure.
            let open = try await runBillwh(["check", "--db", harness.databasePath])
            #expect(open.status == 0 && open.stdout.contains("WARN  months_closed_in_time") && open.stdout.contains("9 checks passed")
                    && open.stdout.contains("reminder (a warning, not a failure): months_closed_in_time"), "\(open.stdout)")

            // Break the data the ways the checks are for.
            let queue = try WarehouseDatabase.openForWriting(path: harness.databasePath)
            try await queue.write { db in
                try db.execute(sql: "UPDATE staging_lines SET amount_micros = amount_micros + 10000 WHERE line_id = (SELECT min(line_id) FROM staging_lines WHERE vendor = 'copaco')")
                try db.execute(sql: """
                    INSERT INTO purchases (vendor, invoice_id, invoice_date, currency, match_status, cost_micros, incoming_line_id, customer_key)
                    SELECT vendor, invoice_id, invoice_date, currency, 'matched', 1, incoming_line_id, customer_key
                    FROM purchases WHERE vendor = 'twotcloud' AND incoming_line_id IS NOT NULL AND invoice_date >= '2026-09-01' LIMIT 1
                    """)
                // As if Copaco's last answer had held its amounts in an array billwh does not read.
                try db.execute(sql: """
                    UPDATE vendor_fields SET path_key = replace(path_key, '.pricelines[]', '.extrapricelines[]'),
                                             path = replace(path, '.PriceLines[]', '.ExtraPriceLines[]')
                    WHERE vendor = 'copaco' AND endpoint = 'invoices' AND path_key LIKE '%.pricelines[].extendedprice'
                    """)
            }
            let broken = try await runBillwh(["check", "--db", harness.databasePath, "--max-open-months", "1200"])
            #expect(broken.status == 1)
            for name in ["cost_and_sell_totals", "document_totals", "lines_counted_once", "cost_sell_margin_consistent", "amounts_read"] {
                #expect(broken.stdout.contains("FAIL  \(name)"), "\(name): \(broken.stdout)")
            }
            #expect(broken.stdout.contains("ok    staging_unique_line_keys"))
            #expect(broken.stdout.contains("copaco"))
        }
    }

    /// Nightly checks only what its run changed (so its cost follows the window), and still
    /// catches a line dropped or doubled in what it wrote.
    @Test func nightlyChecksCoverWhatTheRunWrote() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let first = try await harness.backfillAndReconcile()
            let rerun = try await harness.runner.nightly(window: history)
            #expect(try #require(rerun.checks).filter { !$0.passed }.map(\.check.name) == ["months_closed_in_time"])
            let scope = DataChecks.RunScope(linesAfter: 0, purchasesAfter: try #require(first.reconcile).rebuiltAfter)
            let queue = try WarehouseDatabase.openForWriting(path: harness.databasePath)
            func failing() async throws -> [String] {
                try await queue.read { db in
                    try DataChecks.run(db, checks: DataChecks.nightly(today: harness.runner.today, scope: scope, maxOpenMonths: 1200))
                }.filter { !$0.passed }.map(\.check.name)
            }
            #expect(try await failing() == [])
            // Groups split over both tiers of the match-group indexes are still read whole.
            try await queue.write { db in
                try db.execute(sql: "UPDATE staging_lines SET recent = line_id % 2")
                try db.execute(sql: "UPDATE purchases SET recent = 1 - purchase_id % 2")
            }
            #expect(try await failing() == [])
            // A purchase row lost: its lines are counted nowhere and the totals of its group differ.
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM purchases WHERE purchase_id = (SELECT max(purchase_id) FROM purchases WHERE match_status = 'matched')")
            }
            #expect(try await failing() == ["lines_of_this_run_counted", "cost_and_sell_totals"])
            // Once rebuilt, doubled: a copy of a row counts its line twice.
            _ = try harness.runner.reconcile(full: true)
            let rebuilt = try await queue.read { db in try Int64.fetchOne(db, sql: "SELECT min(purchase_id) - 1 FROM purchases") ?? 0 }
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO purchases (vendor, invoice_id, invoice_date, currency, match_status, cost_micros, incoming_line_id, customer_key, match_group)
                    SELECT vendor, invoice_id, invoice_date, currency, 'unbilled', cost_micros, incoming_line_id, customer_key, match_group
                    FROM purchases WHERE incoming_line_id IS NOT NULL ORDER BY purchase_id DESC LIMIT 1
                    """)
            }
            let doubled = try await queue.read { db in
                try DataChecks.run(db, checks: DataChecks.nightly(today: harness.runner.today,
                                                                  scope: .init(linesAfter: 0, purchasesAfter: rebuilt), maxOpenMonths: 1200))
            }.filter { !$0.passed }.map(\.check.name)
            #expect(doubled == ["lines_counted_once", "cost_and_sell_totals"])
            // With a month closed, the scoped set still runs unless the reconcile adjusted it.
            try await queue.write { db in try PeriodClose.close(db, month: Month("2026-01")!, note: nil, user: nil) }
            let closed = DataChecks.nightly(today: harness.runner.today, scope: scope)
            #expect(closed.map(\.name) != DataChecks.all(today: harness.runner.today).map(\.name))
            let adjusting = DataChecks.RunScope(linesAfter: scope.linesAfter, purchasesAfter: scope.purchasesAfter, adjusting: true)
            let adjusted = DataChecks.nightly(today: harness.runner.today, scope: adjusting)
            #expect(adjusted.map(\.name) == DataChecks.all(today: harness.runner.today).map(\.name))
        }
    }

    /// A month after today's cannot be closed (a mistyped year would freeze rows to come);
    /// today's month can, and nothing was recorded for the refused one.
    @Test func aMonthThatHasNotBegunIsNotClosed() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let runner = harness.runner
            let thisMonth = Month(of: runner.today)
            #expect(throws: PeriodCloseError.notBegun(thisMonth.next, today: runner.today)) {
                try runner.close(month: thisMonth.next, note: nil)
            }
            _ = try runner.close(month: thisMonth, note: nil)
            let closed = try harness.read { db in try PeriodClose.closedMonths(db) }
            #expect(closed == [thisMonth])
            // A close or reopen step run twice (a retried job) has nothing left to do, and says so.
            let again = try await runBillwh(["close", "--db", harness.databasePath, "--month", thisMonth.description])
            #expect(again.status == 0 && again.stderr.contains("\(thisMonth) is already closed: nothing to do"), "\(again.stderr)")
            let open = thisMonth.previous
            let reopen = try await runBillwh(["reopen", "--db", harness.databasePath, "--month", open.description, "--reason", "twice"])
            #expect(reopen.status == 0 && reopen.stderr.contains("\(open) is not closed: nothing to reopen"), "\(reopen.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM period_events") == 1)
            // The month under way (the CLI's, by the real date) is closed with a warning: its
            // documents may still come.
            let underWay = Month(of: CalendarDate.today())
            let current = try await runBillwh(["close", "--db", harness.databasePath, "--month", underWay.description])
            #expect(current.status == 0 && current.stderr.contains("warning: \(underWay) may be incomplete: ")
                    && current.stderr.contains("has not passed yet (today is \(CalendarDate.today()), UTC)"), "\(current.stderr)")
        }
    }

    @Test func aReissueIntoAClosedMonthBecomesAnAdjustmentAndTheExportStays() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let march = harness.directory.appendingPathComponent("march.csv")
            let exported = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2026-03", "--out", march.path])
            #expect(exported.status == 0 && !exported.stderr.contains("incomplete"), "\(exported.stderr)")
            // A month before anything was read is exported with a warning per endpoint.
            let early = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2023-09",
                                             "--out", harness.directory.appendingPathComponent("early.csv").path])
            #expect(early.status == 0 && early.stderr.components(separatedBy: "warning: the export may be incomplete: ").count == 3
                    && early.stderr.contains("copaco/invoices: 2023-09-01..2023-09-30 was never read"), "\(early.stderr)")
            let close = try await runBillwh(["close", "--db", harness.databasePath, "--month", "2026-03", "--note", "march.csv sent"])
            #expect(close.status == 0, "\(close.stderr)")
            let marchRows = "SELECT * FROM purchases WHERE substr(invoice_date, 1, 7) = '2026-03' ORDER BY purchase_id"
            let frozen = try harness.read { try Row.fetchAll($0, sql: marchRows).map(\.description) }

            let target = try #require(harness.sandbox.copacoData.documents(.invoices, from: "2026-03-01", to: "2026-03-31").first)
            #expect(harness.sandbox.reissue(invoiceID: target.invoiceID))
            let rerun = try await harness.backfillAndReconcile()
            #expect(rerun.reports.first { $0.endpoint.name == "invoices" }?.outcome.documentsChanged == 1)
            #expect(try harness.read { try Row.fetchAll($0, sql: marchRows).map(\.description) } == frozen)
            let adjustments = try harness.read { try Row.fetchAll($0, sql: "SELECT * FROM purchases WHERE adjusts_month IS NOT NULL") }
            #expect(!adjustments.isEmpty)
            #expect(adjustments.allSatisfy { ($0["adjusts_month"] as String?) == "2026-03" && ($0["invoice_date"] as String?) == "2026-04-01" })
            // The books balance with the vendor's new figures, and March's export is unchanged.
            let from = history.start.description, to = history.end.description
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases") == harness.sandbox.copacoData.totalMicros(.invoices, from: from, to: to))
            let again = harness.directory.appendingPathComponent("march-again.csv")
            _ = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2026-03", "--out", again.path])
            #expect(try Data(contentsOf: again) == Data(contentsOf: march))
            let checks = try await runBillwh(["check", "--db", harness.databasePath, "--max-open-months", "1200"])
            #expect(checks.status == 0, "\(checks.stdout)")

            // Reopening needs a reason; then March shows the re-issued invoice and the adjustment goes.
            #expect(try await runBillwh(["reopen", "--db", harness.databasePath, "--month", "2026-03", "--reason", " "]).status == 64)
            let reopen = try await runBillwh(["reopen", "--db", harness.databasePath, "--month", "2026-03", "--reason", "vendor re-issued \(target.invoiceID)"])
            #expect(reopen.status == 0, "\(reopen.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE adjusts_month IS NOT NULL") == 0)
            #expect(try harness.read { try Row.fetchAll($0, sql: marchRows).map(\.description) } != frozen)
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases") == harness.sandbox.copacoData.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT count(*) FROM period_events") == 2)
        }
    }

    @Test func reportsAddUpToThePurchases() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let exceptions = try await runBillwh(["report", "exceptions", "--db", harness.databasePath, "--month", "2026-10", "--format", "csv"])
            #expect(exceptions.status == 0, "\(exceptions.stderr)")
            let margin = try await runBillwh(["report", "margin", "--db", harness.databasePath, "--month", "2026-10", "--format", "csv"])
            #expect(margin.status == 0)
            let bySKU = try await runBillwh(["report", "margin", "--db", harness.databasePath, "--month", "2026-10", "--by", "sku", "--format", "json"])
            #expect(bySKU.status == 0)
            let script = """
                import csv, io, json, sys
                from decimal import Decimal
                ex = list(csv.DictReader(io.StringIO(sys.argv[1])))
                unbilled = sum(Decimal(r['cost']) for r in ex if r['exception'] == 'unbilled')
                kinds = sorted({r['exception'] for r in ex})
                m = list(csv.DictReader(io.StringIO(sys.argv[2])))
                s = json.loads(sys.argv[3])
                def total(rows, key): return sum(Decimal(r[key]) for r in rows)
                print(int(unbilled * 1000000), int(total(m, 'cost') * 1000000), int(total(m, 'sell') * 1000000),
                      int(total(s, 'margin') * 1000000), ','.join(kinds))
                """
            let out = try python(script, arguments: [exceptions.stdout, margin.stdout, bySKU.stdout]).split(separator: " ")
            let month = "substr(invoice_date, 1, 7) = '2026-10'"
            #expect(Int64(out[0]) == (try harness.scalar("SELECT coalesce(sum(cost_micros), 0) FROM purchases WHERE match_status = 'unbilled' AND \(month)")))
            #expect(Int64(out[1]) == (try harness.scalar("SELECT sum(cost_micros) FROM purchases WHERE \(month)")))
            #expect(Int64(out[2]) == (try harness.scalar("SELECT sum(sell_micros) FROM purchases WHERE \(month)")))
            #expect(Int64(out[3]) == (try harness.scalar("SELECT coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0) FROM purchases WHERE \(month)")))
            #expect(out.count == 5)
            #expect(try await runBillwh(["report", "margin", "--db", harness.databasePath, "--month", "2026-13"]).status == 64)
        }
    }
}
