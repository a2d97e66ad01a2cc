import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import HTMLReport
import Reconciliation
import Testing
import Warehouse

/// `billwh report html`, opened in headless Chromium: nothing loads, nothing logs, one bar per
/// month and status, and every figure equals the warehouse's exact value.
@Suite(.serialized) struct HTMLReportTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The amount as shown, back to cents: `1,234.56 EUR` (en) or `1.234,56 EUR` (nl).
    func cents(_ text: String, locale: ReportLocale) -> (cents: Int64, currency: String)? {
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let (group, mark): (Character, Character) = locale == .nl ? (".", ",") : (",", ".")
        let number = parts[0].filter { $0 != group }.replacingOccurrences(of: String(mark), with: ".")
        let pieces = number.split(separator: ".")
        guard pieces.count == 2, pieces[1].count == 2, let units = Int64(pieces[0].replacingOccurrences(of: "-", with: "")),
              let fraction = Int64(pieces[1]) else { return nil }
        let magnitude = units * 100 + fraction
        return (number.hasPrefix("-") ? -magnitude : magnitude, String(parts[1]))
    }

    /// Exact micros rounded half away from zero to cents, as the page promises.
    func rounded(_ micros: Int64) -> Int64 {
        let magnitude = micros.magnitude / 10_000 + (micros.magnitude % 10_000 >= 5_000 ? 1 : 0)
        return micros < 0 ? -Int64(magnitude) : Int64(magnitude)
    }

    /// Every amount cell's text is its exact micros rounded, in its currency.
    func checkAmountTexts(_ dom: ReportDOM, locale: ReportLocale) {
        for amount in dom.amounts {
            guard let micros = Int64(amount.micros), let shown = cents(amount.text, locale: locale) else {
                Issue.record("unreadable amount cell \(amount.text) / \(amount.micros)")
                continue
            }
            #expect(shown.cents == rounded(micros), "\(amount.text) shows \(amount.micros) micros")
            #expect(shown.currency == amount.currency)
        }
    }

    @Test func demoReportInChromium() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try await runBillwh(["demo", "--dir", dir.path])
        #expect(demo.status == 0, "\(demo.stderr)")
        let report = dir.appendingPathComponent("report.html")
        #expect(demo.stdout.contains(report.path))
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))

        let page = try await Chromium.load(report, folder: dir)
        #expect(!page.log.contains("CONSOLE"), "\(page.log)")
        #expect(page.pageRequests.isEmpty, "\(page.pageRequests)")
        let dom = try ReportDOM.parse(page.dom, folder: dir)
        #expect(dom.loaders.isEmpty, "\(dom.loaders)")

        let queue = try WarehouseDatabase.openReadOnly(path: dir.appendingPathComponent("billwh.sqlite").path)
        // The default month: last month (the demo's data runs up to today).
        let latest = Month(String(CalendarDate.today().description.prefix(7)))!.previous.description
        let statusBars = dom.bars.filter { $0.chart == "status" }
        let months = Set(statusBars.map(\.month))
        #expect(months.count == 12 && months.max() == latest)

        // One bar per month and status, each the warehouse's count of lines.
        let statusCounts = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT substr(invoice_date, 1, 7) AS m, match_status, count(*) AS n FROM purchases GROUP BY 1, 2")
                .reduce(into: [String: String]()) { $0["\($1["m"] as String) \($1["match_status"] as String)"] = String($1["n"] as Int) }
        }
        #expect(statusBars.count == 12 * 5)
        #expect(Set(statusBars.map { "\($0.month) \($0.series)" }).count == 60)
        for bar in statusBars { #expect(bar.value == statusCounts["\(bar.month) \(bar.series)"] ?? "0", "\(bar.month) \(bar.series)") }
        #expect(statusCounts.values.contains { $0 != "0" })
        let statusCells = dom.counts.filter { $0.table == "status" }
        #expect(statusCells.count == 60)
        for cell in statusCells { #expect(cell.count == statusCounts["\(cell.month ?? "") \(cell.status ?? "")"] ?? "0") }

        // Cost, sell, margin and unbilled cost per month and currency: bars and table cells.
        let monthly = try await queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT substr(invoice_date, 1, 7) AS m, currency, coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(sell_micros), 0) AS sell,
                       coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0) AS margin,
                       coalesce(sum(CASE WHEN match_status = 'unbilled' AND document_type IS NOT 'credit_note' THEN cost_micros END), 0) AS unbilled
                FROM purchases GROUP BY 1, 2
                """).reduce(into: [String: String]()) { out, row in
                for field in ["cost", "sell", "margin", "unbilled"] {
                    out["\(row["m"] as String) \(row["currency"] as String) \(field)"] = String(row[field] as Int64)
                }
            }
        }
        let currencies = try await queue.read { try String.fetchAll($0, sql: "SELECT DISTINCT currency FROM purchases WHERE substr(invoice_date, 1, 7) >= ?", arguments: [months.min()!]) }
        #expect(Set(dom.bars.map(\.chart).filter { $0.hasPrefix("margin-") }) == Set(currencies.map { "margin-\($0)" }))
        for currency in currencies {
            let bars = dom.bars.filter { $0.chart == "margin-\(currency)" }
            #expect(bars.count == 12 * 3)
            for bar in bars {
                #expect(bar.value == monthly["\(bar.month) \(currency) \(bar.series)"] ?? "0")
                // The tooltip: the exact figure, every decimal.
                #expect(bar.title.hasSuffix(ReportLocale.en.exactAmount(micros: Int64(bar.value)!) + " " + currency))
            }
            for bar in dom.bars where bar.chart == "leakage-\(currency)" {
                #expect(bar.value == monthly["\(bar.month) \(currency) unbilled"] ?? "0")
            }
        }
        let monthCells = dom.amounts.filter { $0.table == "months" }
        #expect(monthCells.count == 12 * 4 * currencies.count)
        for cell in monthCells { #expect(cell.micros == monthly["\(cell.row[0]) \(cell.currency) \(cell.field)"] ?? "0") }

        // Margin by customer: every row equals the warehouse's exact sums.
        func amounts(_ cells: [ReportDOM.Amount]) -> [String] {
            Dictionary(grouping: cells) { $0.row.joined(separator: "|") }.map { row, cells in
                row.split(separator: "|").prefix(2).joined(separator: " ") + " " + cells[0].currency + " "
                    + cells.sorted { $0.field < $1.field }.map { "\($0.field)=\($0.micros)" }.joined(separator: " ")
            }.sorted()
        }
        let customers = try await queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT vendor, coalesce(customer_number, '') AS n, currency, coalesce(sum(cost_micros), 0) AS cost,
                       coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0) AS margin, coalesce(sum(sell_micros), 0) AS sell,
                       coalesce(sum(CASE WHEN match_status = 'unbilled' AND document_type IS NOT 'credit_note' THEN cost_micros END), 0) AS unbilled
                FROM purchases WHERE substr(invoice_date, 1, 7) = ? GROUP BY vendor, customer_key, currency
                """, arguments: [latest]).map { row in
                "\(row["vendor"] as String) \(row["n"] as String) \(row["currency"] as String) cost=\(row["cost"] as Int64) "
                    + "margin=\(row["margin"] as Int64) sell=\(row["sell"] as Int64) unbilled=\(row["unbilled"] as Int64)"
            }.sorted()
        }
        #expect(!customers.isEmpty)
        #expect(amounts(dom.amounts.filter { $0.table == "customers" }) == customers)
        let unbilled = try await queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT vendor, coalesce(customer_number, '') AS n, currency, sum(cost_micros) AS cost FROM purchases
                WHERE substr(invoice_date, 1, 7) = ? AND match_status = 'unbilled' AND document_type IS NOT 'credit_note' GROUP BY vendor, customer_key, currency
                """, arguments: [latest]).map { "\($0["vendor"] as String) \($0["n"] as String) \($0["currency"] as String) cost=\($0["cost"] as Int64)" }.sorted()
        }
        let shownUnbilled = dom.amounts.filter { $0.table == "exceptions" && $0.row.first == "unbilled" && $0.field == "cost" }
            .map { "\($0.row[1]) \($0.row[2]) \($0.currency) cost=\($0.micros)" }.sorted()
        #expect(shownUnbilled == unbilled)
        checkAmountTexts(dom, locale: .en)
        #expect(dom.tables["endpoints"]?.count ?? 0 > 1)

        // A picture, not a blank page.
        let png = dir.appendingPathComponent("report.png")
        try await Chromium.screenshot(report, to: png, folder: dir)
        let stats = try Chromium.pixelStatistics(png)
        #expect(stats.width == 1200 && stats.height == 3000)
        #expect(stats.colours >= 8 && stats.variance > 100, "\(stats)")
    }

    /// The checks above can fail: a page that fetches and logs is caught.
    @Test func aPageThatFetchesOrLogsIsCaught() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("planted.html")
        try Data(#"<!DOCTYPE html><html><body><img src="http://example.com/x.png"><script>console.error("boom")</script></body></html>"#.utf8)
            .write(to: page)
        let loaded = try await Chromium.load(page, folder: dir)
        #expect(loaded.log.contains("CONSOLE"))
        #expect(loaded.pageRequests.contains("http://example.com/x.png"))
        #expect(try ReportDOM.parse(loaded.dom, folder: dir).loaders.contains("img"))
    }

    /// Crafted purchases: names with markup characters and non-Latin scripts, two currencies,
    /// one vendor.
    func craftedWarehouse(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("w.sqlite").path
        let queue = try WarehouseDatabase.openForWriting(path: path)
        try queue.write { db in
            func add(_ customer: String, _ name: String, _ status: String, cost: Int64?, sell: Int64?, currency: String = "EUR",
                     sku: String = "SKU-1", date: String = "2026-10-23", crm: String? = nil) throws {
                let margin: Int64? = (cost != nil && sell != nil) ? sell! - cost! : nil
                try db.execute(sql: """
                    INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, sku, currency,
                        cost_micros, sell_micros, margin_micros, match_status, customer_key, crm_company_id, crm_company_name)
                    VALUES ('copaco', 'INV', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [date, customer, name, sku, currency, cost, sell, margin, status, customer, crm.map { _ in "c1" }, crm])
            }
            try add("C1", Self.nastyName, "matched", cost: 1_234_560_000, sell: 1_500_004_999, crm: Self.nastyCRM)
            try add("C1", Self.nastyName, "unbilled", cost: 2_500_000, sell: nil, sku: "<b>SKU&1</b>")
            try add("C2", Self.otherScripts, "matched", cost: 10_000_000, sell: 9_000_000, currency: "USD")
            try add("C2", Self.otherScripts, "unbacked", cost: nil, sell: 4_000_000, currency: "USD")
            try add("C2", Self.otherScripts, "quantity_mismatch", cost: 7_000_000, sell: 8_000_000, date: "2026-09-02")
            try add("C3", "Ambi", "ambiguous", cost: 3_000_000, sell: nil, date: "2026-08-30")
        }
        return path
    }

    static let nastyName = #"<script>alert("x")</script> & Co 'quoted' "dq" </td>"#
    static let nastyCRM = #"<img src=x onerror=alert(1)> Ünïcødé & Zoon"#
    static let otherScripts = "株式会社テスト Ωμέγα Привет مرحبا"

    @Test func namesAreEscapedAndCurrenciesKeptApartInChromium() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try craftedWarehouse(dir)
        let out = dir.appendingPathComponent("r.html")
        let run = try await runBillwh(["report", "html", "--db", db, "--month", "2026-10", "--months", "3", "--out", out.path, "--locale", "nl"])
        #expect(run.status == 0, "\(run.stderr)")
        let page = try await Chromium.load(out, folder: dir)
        #expect(!page.log.contains("CONSOLE"), "\(page.log)")
        #expect(page.pageRequests.isEmpty)
        let dom = try ReportDOM.parse(page.dom, folder: dir)
        #expect(dom.loaders.isEmpty, "\(dom.loaders)")
        // The names are text, shown exactly as stored.
        let customers = dom.tables["customers"] ?? []
        #expect(customers.contains { $0[2] == Self.nastyName && $0[3] == Self.nastyCRM && $0[4] == "EUR" })
        #expect(customers.contains { $0[2] == Self.otherScripts && $0[4] == "USD" })
        #expect((dom.tables["top-skus"] ?? []).contains { $0[1] == "<b>SKU&1</b>" })
        // One chart per currency, never a sum across them.
        #expect(dom.bars.filter { $0.chart == "margin-EUR" }.count == 9)
        #expect(dom.bars.filter { $0.chart == "margin-USD" }.count == 9)
        let october = dom.amounts.filter { $0.table == "months" && $0.row.first == "2026-10" }
        #expect(october.filter { $0.currency == "EUR" }.map { "\($0.field)=\($0.micros)" }.sorted()
                == ["cost=1237060000", "margin=262944999", "sell=1500004999", "unbilled=2500000"])
        #expect(october.filter { $0.currency == "USD" }.map { "\($0.field)=\($0.micros)" }.sorted()
                == ["cost=10000000", "margin=3000000", "sell=13000000", "unbilled=0"])
        // Dutch amounts, rounded to cents: 1.237,06 EUR; 1500.004999 shows as 1.500,00.
        #expect(october.contains { $0.text == "1.237,06 EUR" })
        #expect(october.contains { $0.text == "1.500,00 EUR" })
        checkAmountTexts(dom, locale: .nl)
        // Status mix: 3 months × 5 statuses, September and August from their own lines.
        let bars = dom.bars.filter { $0.chart == "status" }
        #expect(bars.count == 15)
        #expect(bars.filter { $0.value != "0" }.map { "\($0.month) \($0.series)=\($0.value)" }.sorted() == [
            "2026-08 ambiguous=1", "2026-09 quantity_mismatch=1", "2026-10 matched=2", "2026-10 unbacked=1", "2026-10 unbilled=1",
        ])
        #expect(bars.allSatisfy { !$0.title.isEmpty })
        #expect(!dom.elementIDs.contains("no-data"))
        // One vendor: the page names it alone.
        #expect(page.dom.contains("vendors: copaco ·") && !page.dom.contains("twotcloud"))
    }

    @Test func aMonthWithNoData() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try craftedWarehouse(dir)
        let out = dir.appendingPathComponent("empty.html")
        let run = try await runBillwh(["report", "html", "--db", db, "--month", "2026-05", "--months", "2", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let dom = try ReportDOM.parse(try String(contentsOf: out, encoding: .utf8), folder: dir)
        #expect(dom.elementIDs.contains("no-data"))
        let bars = dom.bars.filter { $0.chart == "status" }
        #expect(bars.count == 10 && bars.allSatisfy { $0.value == "0" })
        #expect(dom.tables["customers"] == nil && dom.tables["exceptions"] == nil)
        #expect(dom.amounts.isEmpty)
        // Months left open (2026-08 holds purchases) are a reminder, not a failing check.
        let html = try String(contentsOf: out, encoding: .utf8)
        let reminders = try #require(html.range(of: "Reminders (not failures):"), "the open months are a reminder")
        #expect(html[reminders.upperBound...].contains("months_closed_in_time"))
        #expect(!html[..<reminders.lowerBound].contains("months_closed_in_time"), "not among the failing checks")
    }

    /// `--out` through a symbolic link replaces the file the link names (a dashboard reading
    /// the link's target sees the new page); `--out -` is standard output; one month is "last month".
    @Test func theReportGoesThroughALinkOrToStandardOutput() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try craftedWarehouse(dir)
        let target = dir.appendingPathComponent("published.html").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data("old".utf8)))
        let link = dir.appendingPathComponent("latest.html").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "published.html")
        let run = try await runBillwh(["report", "html", "--db", db, "--month", "2026-05", "--months", "1", "--out", link])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "published.html")
        let page = try String(contentsOfFile: target, encoding: .utf8)
        #expect(page.contains("last month (2026-05 to 2026-05)") && page.contains("<html lang=\"en\">"), "\(page.prefix(600))")
        let out = try await runBillwh(["report", "html", "--db", db, "--month", "2026-05", "--out", "-", "--locale", "nl"])
        #expect(out.status == 0 && out.stdout.hasPrefix("<!DOCTYPE html>") && out.stdout.contains("<html lang=\"en\">"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "-"))
    }

    @Test func amountsForPeopleFromExactMicros() {
        #expect(ReportLocale.en.amount(micros: 1_234_560_000) == "1,234.56")
        #expect(ReportLocale.nl.amount(micros: 1_234_560_000) == "1.234,56")
        #expect(ReportLocale.en.amount(micros: 5_000) == "0.01")
        #expect(ReportLocale.en.amount(micros: -5_000) == "-0.01")
        #expect(ReportLocale.en.amount(micros: -4_999) == "0.00")
        #expect(ReportLocale.en.amount(micros: 995_000) == "1.00")
        #expect(ReportLocale.en.amount(micros: 999_995_000) == "1,000.00")
        #expect(ReportLocale.nl.amount(micros: -1_000_000_000_000) == "-1.000.000,00")
        #expect(ReportLocale.en.amount(micros: Int64.max) == "9,223,372,036,854.78")
        #expect(ReportLocale.en.amount(micros: Int64.min) == "-9,223,372,036,854.78")
        #expect(ReportLocale.nl.count(1_234_567) == "1.234.567")
        #expect(ReportLocale.nl.exactAmount(micros: -1_234_567_890_001) == "-1.234.567,890001")
        #expect(ReportLocale.en.exactAmount(micros: 1_000_000) == "1.00")
    }

    @Test func badArgumentsAreRefused() async throws {
        for arguments in [["--month", "2026-13"], ["--locale", "fr"], ["--months", "0"], ["--month", "2999-01"]] {
            let run = try await runBillwh(["report", "html", "--db", "/nonexistent/w.sqlite"] + arguments)
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
        }
    }

    /// `billwh serve`: the page over HTTP on 127.0.0.1, rendered per request, read-only.
    @Test func servedReadOnlyOnLoopback() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try craftedWarehouse(dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let process = Process()
        process.executableURL = try billwhBinary()
        process.arguments = ["serve", "--db", db, "--port", "0"]
        let out = dir.appendingPathComponent("serve.out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var base: String?
        let until = ContinuousClock.now + .seconds(30)
        while base == nil && ContinuousClock.now < until && process.isRunning {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) { base = String(text[range]) }
            else { try await Task.sleep(for: .milliseconds(50)) }
        }
        let url = try #require(base.flatMap(URL.init(string:)), "billwh serve printed no address")

        let (page, response) = try await URLSession.shared.data(from: URL(string: url.absoluteString + "?month=2026-10&months=3&locale=nl")!)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/html") == true)
        #expect(http.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("default-src 'none'") == true)
        let html = String(decoding: page, as: UTF8.self)
        #expect(html.contains("Margin and leakage — 2026-10") && html.contains("1.237,06 EUR"))

        let (_, bad) = try await URLSession.shared.data(from: URL(string: url.absoluteString + "?month=2026-13")!)
        #expect((bad as? HTTPURLResponse)?.statusCode == 400)
        var post = URLRequest(url: url)
        post.httpMethod = "POST"
        let (_, refused) = try await URLSession.shared.data(for: post)
        #expect((refused as? HTTPURLResponse)?.statusCode == 405)
        #expect((refused as? HTTPURLResponse)?.value(forHTTPHeaderField: "Allow") == "GET, HEAD")
        var head = URLRequest(url: URL(string: url.absoluteString + "?month=2026-10")!)
        head.httpMethod = "HEAD"
        let (headBody, headed) = try await URLSession.shared.data(for: head)
        #expect((headed as? HTTPURLResponse)?.statusCode == 200 && headBody.isEmpty)
        // A request addressed to another name (a page that rebinds its domain to 127.0.0.1) is
        // not answered; loopback names are.
        let port = try #require(url.port)
        let statuses = try python("""
            import http.client, sys
            for host in sys.argv[2:]:
                c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
                c.request("GET", "/?month=2026-10", headers={"Host": host})
                print(c.getresponse().status)
            """, arguments: ["\(port)", "attacker.example.com:\(port)", "localhost:\(port)", "127.0.0.1"])
        #expect(statuses.split(separator: "\n") == ["421", "200", "200"], "\(statuses)")
        // A connection opened and left idle is closed by the server (it would hold a descriptor).
        let idle = try python("""
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=40)
            start = time.monotonic()
            data = s.recv(1)
            print("closed" if data == b"" else "data", round(time.monotonic() - start))
            """, arguments: ["\(port)"])
        let idleWords = idle.split(whereSeparator: \.isWhitespace)
        #expect(idleWords.first == "closed" && (Int(idleWords.last ?? "") ?? 99) < 30, "\(idle)")
        // A second server on the same port says so in words.
        let second = try await runBillwh(["serve", "--db", db, "--port", "\(port)"])
        #expect(second.status == 1 && second.stderr.contains("cannot listen on that port") && second.stderr.contains("--port 0"), "\(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        // While another process has the file to itself (as a first load does), a request is
        // answered 503 at once, in words, not after the CLI's 10 s wait.
        let locked = try python("""
            import http.client, sqlite3, sys, time
            holder = sqlite3.connect(sys.argv[2], isolation_level=None)
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
            holder.execute("BEGIN EXCLUSIVE")
            c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
            start = time.monotonic()
            c.request("GET", "/?month=2026-10")
            r = c.getresponse()
            body = r.read().decode()
            print(r.status, round(time.monotonic() - start, 1), r.getheader("Retry-After"), "busy" if "locked by another process" in body else body)
            holder.execute("ROLLBACK")
            """, arguments: ["\(port)", db])
        let lockedWords = locked.split(whereSeparator: \.isWhitespace)
        #expect(lockedWords.count == 4 && lockedWords[0] == "503" && (Double(lockedWords[1]) ?? 99) < 5
                && lockedWords[2] == "10" && lockedWords[3] == "busy", "\(locked)")
    }
}
