import Foundation
import GRDB
import Ingestion
import Pipeline
import Synchronization
import Testing
import VendorSandbox
import Vendors
import Warehouse

/// Copper CRM against the sandbox: sync, pacing, linking, unmapped/duplicate reporting, publish.
@Suite(.serialized) struct CopperEndToEndTests {
    /// Requests to the Copper API whose rolling window (of `window`) holds more than `limit`.
    func overLimit(_ sandbox: VendorSandbox, limit: Int, window: Duration) -> Int {
        let times = sandbox.requestLog.filter { $0.path.hasPrefix("/developer_api/") }.map(\.receivedAt).sorted()
        var worst = 0
        var start = 0
        for (i, t) in times.enumerated() {
            while t - times[start] >= window { start += 1 }
            worst = max(worst, i - start + 1)
        }
        return max(0, worst - limit)
    }

    @Test func aFullSyncOfManyCompaniesStaysUnderTheRateLimitAndIncrementalOnlyReadsChanges() async throws {
        let started = try await Harness.start { config in
            config.copperCompanies = 1_250
            config.copperRateLimit = 12
            config.copperRateWindow = .seconds(1)
            config.copperSearchCap = 600
        }
        try await stopping(started) {
            let harness = started.withCopper(perWindow: 10, window: .seconds(1), maxRecordsPerSearch: 600)
            let summary = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(summary.outcome == .ok)
            let report = try #require(summary.reports.first)
            #expect(report.outcome.documents >= 1_250)
            // 1,250 companies, 200 a page, 600 per search: at least 3 searches and 7 pages.
            #expect(report.windows >= 7)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies") == 1_250)
            #expect(try harness.scalar("SELECT count(DISTINCT document_key) FROM raw_documents WHERE vendor = 'copper'") == 1_250)
            #expect(harness.sandbox.copperRateLimited == 0)
            #expect(overLimit(harness.sandbox, limit: 12, window: .seconds(1)) == 0)
            let claims = harness.sandbox.copperData.customerNumberClaims
            #expect(try harness.scalar("SELECT count(*) FROM crm_customer_numbers") == Int64(claims.values.reduce(0) { $0 + $1.count }))

            // Three companies change: the next sync reads from the last modification (with overlap).
            harness.sandbox.clearRequestLog()
            let ids = Array(harness.sandbox.copperData.companies.prefix(3).map(\.id))
            _ = harness.sandbox.touchCopperCompanies(ids: ids)
            let again = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(again.outcome == .ok)
            #expect(again.reports.first?.outcome.documentsChanged == 3)
            #expect(harness.sandbox.requestLog.count <= 3)
            for id in ids {
                let name = try harness.read { try String.fetchOne($0, sql: "SELECT name FROM crm_companies WHERE company_id = ?", arguments: [id]) }
                #expect(name == harness.sandbox.copperCompany(id: id)?.name)
            }
        }
    }

    /// Syncs 450 companies (200 a page), running `afterFirstPage` on the sandbox once, as the
    /// sync reports its first page stored; then `check` on the harness and the run's summary.
    func sync(afterFirstPage: @escaping @Sendable (VendorSandbox) -> Void,
              _ check: (Harness, RunSummary) throws -> Void) async throws {
        let started = try await Harness.start { config in config.copperCompanies = 450 }
        try await stopping(started) {
            let harness = started.withCopper(perWindow: 1_000, window: .seconds(1))
            let ran = Mutex(false)
            var runner = harness.runner
            runner.progress = { [sandbox = harness.sandbox] message in
                guard message.hasPrefix("copper/companies: page 1,"),
                      ran.withLock({ done in defer { done = true }; return !done }) else { return }
                afterFirstPage(sandbox)
            }
            let summary = try await runner.ingest(vendors: [.copper], window: nil)
            #expect(ran.withLock { $0 })
            try check(harness, summary)
        }
    }

    /// A company edited while the sync pages through the search moves to the end of the order.
    /// Paged by number, the companies after it would shift back by one and the one at the next
    /// page's start be skipped, with no later incremental sync to read it; paged by keyset,
    /// every company arrives.
    @Test func aCompanyEditedDuringTheSyncSkipsNoOther() async throws {
        try await sync(afterFirstPage: { sandbox in
            sandbox.updateCopperCompany(id: sandbox.copperData.companies[0].id) { $0.name += " (edited)" }
        }) { harness, summary in
            #expect(summary.outcome == .ok)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies") == 450)
            let first = harness.sandbox.copperData.companies[0]
            #expect(first.name.hasSuffix(" (edited)"))
            let name = try harness.read { try String.fetchOne($0, sql: "SELECT name FROM crm_companies WHERE company_id = ?", arguments: [first.id]) }
            #expect(name == first.name)
        }
    }

    /// A sync that gives up on a page records the attempts it made, and reports the companies
    /// of the pages it committed before.
    @Test func aSyncThatGivesUpRecordsItsRetriesAndWhatItCommitted() async throws {
        try await sync(afterFirstPage: { sandbox in
            sandbox.faults.failNext(10_000, status: 500, path: "/developer_api/v1/companies/search")
        }) { harness, summary in
            #expect(summary.outcome == .failed)
            let report = try #require(summary.reports.first)
            #expect(report.outcome.documents == 200)
            #expect(report.statistics.retries > 0)
            let failed = try harness.read { try Row.fetchOne($0, sql: "SELECT requests, retries FROM ingest_runs WHERE vendor = 'copper' AND status = 'failed'") }
            let row = try #require(failed)
            #expect(row["retries"] as Int > 0 && row["requests"] as Int == (row["retries"] as Int) + 3)
        }
    }

    @Test func tooManyRequestsAreRetriedAndTheSyncCompletes() async throws {
        let started = try await Harness.start { config in
            config.copperCompanies = 900
            // 3 requests in a rolling 3 s: the sync's 10 requests meet it even on a busy machine.
            config.copperRateLimit = 3
            config.copperRateWindow = .seconds(3)
        }
        try await stopping(started) {
            // A client that paces itself too generously meets 429s without Retry-After.
            var harness = started.withCopper(perWindow: 100, window: .seconds(1))
            harness.copperSettings?.pageSize = 100
            let summary = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(summary.outcome == .ok)
            #expect(harness.sandbox.copperRateLimited > 0)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies") == 900)
            #expect((summary.reports.first?.statistics.retries ?? 0) > 0)
        }
    }

    @Test func purchasesAreLinkedAndUnmappedOrDoublyClaimedNumbersReported() async throws {
        let started = try await Harness.start(twotcloud: true)
        try await stopping(started) {
            let harness = started.withCopper()
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .ok)
            let data = harness.sandbox.copperData
            let claims = data.customerNumberClaims
            let rows = try harness.read { try Row.fetchAll($0, sql: "SELECT DISTINCT customer_number, crm_company_id, crm_company_name FROM purchases") }
            #expect(!rows.isEmpty)
            for row in rows {
                let number: String = row["customer_number"]
                let owners = claims[number] ?? []
                if owners.count == 1 {
                    #expect(row["crm_company_id"] as String? == String(owners[0]), "\(number)")
                    #expect(row["crm_company_name"] as String? == harness.sandbox.copperCompany(id: owners[0])?.name)
                } else {
                    #expect(row["crm_company_id"] as String? == nil, "\(number) has \(owners.count) owners")
                }
            }
            let seen = Set(rows.map { $0["customer_number"] as String })
            // Status counts Copper's companies as its documents.
            let copper = try harness.read { try StatusReport.endpoints($0) }.first { $0.vendor == "copper" }
            #expect(copper?.documents == harness.sandbox.copperData.companies.count)
            // `vendors`: the field definitions answered in the same run as the companies.
            let listed = try harness.read { try VendorsReport.withLastSuccess(VendorsReport.rows(settings: harness.settings), $0) }
            let definitions = try #require(listed.first { $0.endpoint == "custom_field_definitions" })
            #expect(definitions.lastSuccess != nil && definitions.lastSuccess == listed.first { $0.endpoint == CopperSync.endpoint.name }?.lastSuccess)
            let unmapped = try harness.read { try StatusReport.unmappedCustomers($0) }.map(\.customerNumber)
            #expect(!unmapped.isEmpty)
            #expect(Set(unmapped) == seen.filter { (claims[$0] ?? []).isEmpty })
            let duplicates = try harness.read { try StatusReport.duplicateClaims($0) }.map(\.customerNumber)
            #expect(!duplicates.isEmpty && Set(duplicates) == Set(data.duplicateCustomerNumbers))
            let status = try await runBillwh(["status", "--db", harness.databasePath])
            #expect(status.stdout.contains("no company claims") && status.stdout.contains("claimed by more than one company"))
            #expect(status.stdout.contains(unmapped[0]))
        }
    }

    /// The sandbox's history with Copper linked; `body` gets the harness and a company that
    /// alone claims a customer number with purchases (so its links can be watched).
    func linked(_ body: (Harness, Int) async throws -> Void) async throws {
        let started = try await Harness.start()
        try await stopping(started) {
            let harness = started.withCopper()
            _ = try await harness.backfillAndReconcile()
            let id = try #require(try harness.read { db in
                try String.fetchOne(db, sql: """
                    SELECT crm_company_id FROM purchases WHERE crm_company_id IS NOT NULL GROUP BY crm_company_id ORDER BY count(*) DESC LIMIT 1
                    """)
            }.flatMap { Int($0) })
            try await body(harness, id)
        }
    }

    func purchases(linkedTo id: Int, _ harness: Harness) throws -> Int64 {
        try harness.scalar("SELECT count(*) FROM purchases WHERE crm_company_id = '\(id)'")
    }

    /// Copper's search shows no deleted company, so an incremental sync cannot see one go; the
    /// full read a week after the last one finds it missing and removes it.
    @Test func aCompanyDeletedInCopperIsRemovedByTheWeeklyFullRead() async throws {
        try await linked { harness, id in
            let linkedBefore = try purchases(linkedTo: id, harness)
            #expect(linkedBefore > 0)
            #expect(harness.sandbox.deleteCopperCompany(id: id))
            let incremental = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(incremental.outcome == .ok)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
            let aged = try await runBillwh(["query", "--write", "--db", harness.databasePath,
                                            "UPDATE crm_sync_state SET full_sync_at = '2000-01-01T00:00:00Z'"])
            #expect(aged.status == 0, "\(aged.stderr)")
            let full = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(full.outcome == .ok)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies WHERE company_id = \(id)") == 0)
            #expect(try harness.scalar("SELECT count(*) FROM crm_customer_numbers WHERE company_id = \(id)") == 0)
            #expect(try purchases(linkedTo: id, harness) == 0)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies") == Int64(harness.sandbox.copperData.companies.count))
            #expect(harness.logs.text.contains("reading every company (the last full read was on 2000-01-01"))
            #expect(harness.logs.text.contains("1 companies are no longer in Copper's search and were removed with their customer numbers (their purchases in open months are unlinked): \(id)."))
            #expect(try harness.scalar("SELECT count(*) FROM crm_sync_state WHERE full_sync_at > '2026'") == 1)
        }
    }

    /// A full read that finds no company at all, while companies are stored, is more likely a
    /// key whose user sees none than an account emptied overnight: nothing is removed, nothing
    /// unlinked, and the sync fails saying so.
    @Test func aFullReadThatFindsNoCompanyRemovesNone() async throws {
        try await linked { harness, id in
            let linkedBefore = try purchases(linkedTo: id, harness)
            let stored = try harness.scalar("SELECT count(*) FROM crm_companies")
            for company in harness.sandbox.copperData.companies { _ = harness.sandbox.deleteCopperCompany(id: company.id) }
            let full = try await harness.runner.ingest(vendors: [.copper], window: nil, copperFullRead: true)
            #expect(full.outcome != .ok)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies") == stored)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
            #expect(harness.logs.text.contains("a full read found no company at all, while \(stored) are stored"), "\(harness.logs.text.suffix(2000))")
        }
    }

    /// Whoever deleted a company in Copper need not wait for the weekly read: `ingest
    /// --full-copper-read` reads every company now. Without Copper among the vendors, the flag
    /// is refused as bad usage rather than ignored.
    @Test func aFullCopperReadAskedForRemovesADeletedCompanyAtOnce() async throws {
        try await linked { harness, id in
            #expect(try purchases(linkedTo: id, harness) > 0)
            #expect(harness.sandbox.deleteCopperCompany(id: id))
            let full = try await harness.runner.ingest(vendors: [.copper], window: nil, copperFullRead: true)
            #expect(full.outcome == .ok)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies WHERE company_id = \(id)") == 0)
            #expect(try purchases(linkedTo: id, harness) == 0)
            #expect(harness.logs.text.contains("reading every company (asked for)"))
            let refused = try await runBillwh(["ingest", "--db", harness.databasePath, "--vendor", "copaco", "--full-copper-read"])
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(refused.stderr.contains("--full-copper-read reads Copper: add --vendor copper"))
        }
    }

    /// The customer numbers come from another field: every company is read again with it,
    /// also those Copper did not change, and going back restores the numbers.
    @Test func anotherCustomerNumberFieldReadsEveryCompanyAgain() async throws {
        try await linked { harness, _ in
            let numbers = { try harness.read { try String.fetchAll($0, sql: "SELECT customer_number || '@' || company_id FROM crm_customer_numbers ORDER BY 1") } }
            let before = try numbers()
            #expect(!before.isEmpty)
            var other = harness
            other.copperSettings?.customerNumberField = "Customer Number (old)"
            let switched = try await other.runner.ingest(vendors: [.copper], window: nil)
            #expect(switched.outcome == .ok)
            let oldField = 620_007
            let expected = harness.sandbox.copperData.companies.flatMap { company in
                CopperSandboxCompany.splitCustomerNumbers(company.customField(oldField)?.text ?? "").map { "\($0)@\(company.id)" }
            }.sorted()
            #expect(try numbers() == expected)
            #expect(harness.logs.text.contains("the customer-number field is now \"Customer Number (old)\""))
            let back = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(back.outcome == .ok)
            #expect(try numbers() == before)
        }
    }

    /// A company without its `custom_fields` array cannot say which numbers it claims: it is
    /// quarantined (the run is partial) and its earlier version keeps its links.
    @Test func aCompanyWithoutCustomFieldsIsQuarantinedAndKeepsItsLinks() async throws {
        try await linked { harness, id in
            let linkedBefore = try purchases(linkedTo: id, harness)
            harness.sandbox.updateCopperCompany(id: id) { $0.customFieldsMember = "customFieldValues" }
            let summary = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(summary.outcome == .partial)
            #expect(summary.reports.first?.outcome.quarantined == 1)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
            #expect(try harness.scalar("""
                SELECT count(*) FROM quarantine WHERE vendor = 'copper' AND document_key = '\(id)' AND reason LIKE 'custom_fields: missing%'
                """) == 1)
            // Copper sends the array again.
            harness.sandbox.updateCopperCompany(id: id) { $0.customFieldsMember = "custom_fields" }
            let again = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(again.outcome == .ok)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE vendor = 'copper' AND resolved_at IS NULL") == 0)
        }
    }

    /// A customer-number value of a type the contract does not allow (an array, an object, a
    /// boolean) is no claim of "no number": the company is quarantined and keeps its links.
    @Test func aCustomerNumberOfAnotherTypeIsQuarantinedAndKeepsItsLinks() async throws {
        try await linked { harness, id in
            let linkedBefore = try purchases(linkedTo: id, harness)
            let number = try #require(harness.sandbox.copperData.companies.first { $0.id == id }?.customerNumbers.first)
            harness.sandbox.updateCopperCompany(id: id) { $0.setCustomField(CopperCatalog.customerNumberFieldID, .drifted("[\"\(number)\"]")) }
            let summary = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(summary.outcome == .partial)
            #expect(summary.reports.first?.outcome.quarantined == 1)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
            #expect(try harness.scalar("""
                SELECT count(*) FROM quarantine WHERE vendor = 'copper' AND document_key = '\(id)'
                  AND reason LIKE 'custom_fields: the customer-number field''s value is an array%'
                """) == 1)
        }
    }

    /// A full read that meets a company without a readable id cannot tell which stored company
    /// that one is: it removes none (and says so), and the next sync reads every company again.
    @Test func aFullReadWithACompanyWithoutItsIDRemovesNothing() async throws {
        try await linked { harness, id in
            let linkedBefore = try purchases(linkedTo: id, harness)
            let companies = try harness.scalar("SELECT count(*) FROM crm_companies")
            harness.sandbox.updateCopperCompany(id: id) { $0.servesID = false }
            let full = try await harness.runner.ingest(vendors: [.copper], window: nil, copperFullRead: true)
            #expect(full.outcome == .partial)
            #expect(try harness.scalar("SELECT count(*) FROM crm_companies") == companies)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
            #expect(harness.logs.text.contains("1 companies of this full read have no readable id (quarantined), so it removes no company"))
            harness.sandbox.updateCopperCompany(id: id) { $0.servesID = true }
            let next = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(next.outcome == .ok)
            #expect(try purchases(linkedTo: id, harness) == linkedBefore)
        }
    }

    /// A search page that arrives whole but is no JSON is not transient: the sync fails (the
    /// rest of the run goes on) and the page's bytes are quarantined for someone to look at.
    @Test func anUnreadableSearchPageIsQuarantined() async throws {
        try await linked { harness, _ in
            harness.sandbox.faults.invalidJSONNext(1, path: "/developer_api/v1/companies/search")
            let summary = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(summary.outcome == .failed)
            let report = try #require(summary.reports.first)
            #expect(report.outcome.quarantined == 1)
            #expect(report.failure?.contains("not a JSON array of companies") == true, "\(report.failure ?? "")")
            #expect(try harness.scalar("""
                SELECT count(*) FROM quarantine WHERE vendor = 'copper' AND document_key IS NULL AND reason LIKE 'companies/search: the answer is not a JSON array%'
                """) == 1)
            let again = try await harness.runner.ingest(vendors: [.copper], window: nil)
            #expect(again.outcome == .ok)
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE vendor = 'copper' AND resolved_at IS NULL") == 0)
        }
    }

    /// A warehouse with the sandbox's history reconciled and Copper linked, and a runner whose
    /// retries give up after `retryBudget` (the publish tests' faults then cost seconds).
    func publishing(retryBudget: Duration = .seconds(2), _ body: (Harness, PipelineRunner) async throws -> Void) async throws {
        let started = try await Harness.start(twotcloud: true)
        try await stopping(started) {
            let harness = started.withCopper()
            _ = try await harness.backfillAndReconcile()
            var settings = harness.settings
            settings.retryPolicy = RetryPolicy(baseDelay: .milliseconds(10), maxDelay: .milliseconds(50), maxTotal: retryBudget,
                                               requestTimeout: .seconds(5))
            try await body(harness, PipelineRunner(databasePath: harness.databasePath, settings: settings, logger: harness.logs.logger))
        }
    }

    @Test func publishIsADryRunUntilAppliedAndApplyingTwiceChangesNothing() async throws {
        try await publishing { harness, _ in
            let month = "2026-10"

            let dry = try await runBillwh(["publish", "copper", "--db", harness.databasePath, "--month", month], environment: harness.environment)
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("would write") && dry.stdout.contains("dry run"))
            #expect(harness.sandbox.copperWrites.isEmpty)

            let apply = try await runBillwh(["publish", "copper", "--db", harness.databasePath, "--month", month, "--apply"], environment: harness.environment)
            #expect(apply.status == 0, "\(apply.stderr)")
            let figures = try harness.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT crm_company_id, coalesce(sum(sell_micros), 0) AS sell, coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0) AS margin
                    FROM purchases WHERE substr(invoice_date, 1, 7) = ? AND crm_company_id IS NOT NULL GROUP BY crm_company_id
                    """, arguments: [month])
            }
            #expect(!figures.isEmpty)
            let writes = harness.sandbox.copperWrites
            #expect(writes.count == figures.count * 2)
            #expect(writes.filter { $0.kind == .createActivity }.count == figures.count)
            for row in figures {
                let id = Int(row["crm_company_id"] as String)!
                let company = try #require(harness.sandbox.copperCompany(id: id))
                let billed = company.customFields.first { $0.definitionID == CopperCatalog.monthlyBilledFieldID }?.value.text
                let margin = company.customFields.first { $0.definitionID == CopperCatalog.monthlyMarginFieldID }?.value.text
                #expect(billed.flatMap { try? Money(parsing: $0).micros } == row["sell"] as Int64, "company \(id): \(billed ?? "nil")")
                #expect(margin.flatMap { try? Money(parsing: $0).micros } == row["margin"] as Int64, "company \(id): \(margin ?? "nil")")
            }
            #expect(try harness.scalar("SELECT count(*) FROM crm_publications WHERE http_status = 200") == Int64(figures.count * 2))

            let twice = try await runBillwh(["publish", "copper", "--db", harness.databasePath, "--month", month, "--apply"], environment: harness.environment)
            #expect(twice.status == 0)
            #expect(harness.sandbox.copperWrites.count == writes.count)
            #expect(twice.stdout.contains("unchanged") && !twice.stdout.contains("written"))

            // Another month, then this one again: the custom fields hold one value whatever the
            // month, so this month's figures are written again (its notes were posted already).
            let september = try await runBillwh(["publish", "copper", "--db", harness.databasePath, "--month", "2026-09", "--apply"],
                                                environment: harness.environment)
            #expect(september.status == 0, "\(september.stderr)")
            harness.sandbox.clearCopperWrites()
            let back = try await runBillwh(["publish", "copper", "--db", harness.databasePath, "--month", month, "--apply"], environment: harness.environment)
            #expect(back.status == 0, "\(back.stderr)")
            let rewritten = harness.sandbox.copperWrites
            #expect(rewritten.count == figures.count && rewritten.allSatisfy { $0.kind != .createActivity })
            for row in figures {
                let company = try #require(harness.sandbox.copperCompany(id: Int(row["crm_company_id"] as String)!))
                let billed = company.customFields.first { $0.definitionID == CopperCatalog.monthlyBilledFieldID }?.value.text
                #expect(billed.flatMap { try? Money(parsing: $0).micros } == row["sell"] as Int64)
            }
            // Secrets stay out of what was printed and stored.
            let token = harness.sandbox.configuration.copperAccessToken
            #expect(!apply.stderr.contains(token) && !apply.stdout.contains(token))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: harness.databasePath))
            #expect(bytes.range(of: Data(token.utf8)) == nil)
        }
    }

    /// A note whose answer is lost after Copper saved it (a body cut off) is not posted again,
    /// neither by a retry nor by the next run, which calls it uncertain (exit 2) until asked to
    /// resend; the custom fields' PUT, the same whatever the repeats, is retried.
    @Test func aNoteThatMayHaveReachedCopperIsNeverPostedTwice() async throws {
        try await publishing { harness, runner in
            let month = "2026-10"
            func notes() -> Int { harness.sandbox.copperWrites.filter { $0.kind == .createActivity }.count }

            harness.sandbox.faults.truncateNext(1, path: "/developer_api/v1/activities")
            harness.sandbox.faults.failNext(1, status: 503, path: "/developer_api/v1/companies/")
            let first = try await runner.publishCopper(month: month, apply: true)
            let companies = first.filter { $0.skipped == nil }.count
            #expect(companies > 1)
            // Every company's note exists once: the cut-off one was saved and not posted again.
            #expect(notes() == companies)
            let lost = first.flatMap(\.writes).filter { $0.error != nil }
            #expect(lost.count == 1 && lost[0].kind == "activity", "\(lost.map(\.error))")
            #expect(lost.first?.error?.hasPrefix(FetchError.outcomeUnknownPrefix) == true)
            // The PUT that met a 503 was retried and written.
            #expect(first.flatMap(\.writes).filter { $0.kind == "custom_fields" }.allSatisfy { $0.error == nil })

            let again = try await runner.publishCopper(month: month, apply: true)
            #expect(notes() == companies)
            #expect(again.flatMap(\.writes).filter(\.uncertain).count == 1)
            #expect(CopperPublisher.render(again, apply: true).contains("uncertain, not sent again"))

            // Confirmed as there: recorded, nothing sent, and no longer uncertain.
            let confirmed = try await runner.publishCopper(month: month, apply: true, uncertainNotes: .confirm)
            #expect(notes() == companies)
            #expect(confirmed.flatMap(\.writes).allSatisfy { $0.error == nil && !$0.uncertain })
            let last = try await runner.publishCopper(month: month, apply: true)
            #expect(last.flatMap(\.writes).allSatisfy { $0.unchanged })
            #expect(notes() == companies)

            // Another uncertain note, said not to be there: posted again, once.
            // (The confirmation taken back: the last attempt is the uncertain one again.)
            try await DatabaseQueue(path: harness.databasePath).write { db in
                try db.execute(sql: "DELETE FROM crm_publications WHERE publication_id = (SELECT max(publication_id) FROM crm_publications WHERE kind = 'activity')")
            }
            let unsettled = try await runner.publishCopper(month: month, apply: true)
            #expect(unsettled.flatMap(\.writes).filter(\.uncertain).count == 1)
            let resent = try await runner.publishCopper(month: month, apply: true, uncertainNotes: .resend)
            #expect(notes() == companies + 1)
            #expect(resent.flatMap(\.writes).allSatisfy { $0.error == nil && !$0.uncertain })
        }
    }

    /// A publish killed while a note's POST waits for Copper's answer: the next run cannot know
    /// whether Copper saved it, so it holds that note as uncertain and posts it no second time.
    @Test func aNoteInFlightWhenPublishIsKilledIsUncertainNotPostedAgain() async throws {
        try await publishing { harness, _ in
            let month = "2026-10"
            func notes() -> Int { harness.sandbox.copperWrites.filter { $0.kind == .createActivity }.count }
            harness.sandbox.faults.delayNext(1, by: .seconds(8), path: "/developer_api/v1/activities")
            let arguments = ["publish", "copper", "--db", harness.databasePath, "--month", month, "--apply"]
            let killed = try BillwhChild(arguments, environment: harness.environment)
            let inFlight = await killed.waitFor {
                (try? harness.scalar("SELECT count(*) FROM crm_publications WHERE kind = 'activity' AND error LIKE 'outcome unknown: billwh ended%'")) == 1
            }
            #expect(inFlight, "\(killed.stderr)")
            #expect(killed.killHard())

            let again = try await runBillwh(arguments, environment: harness.environment)
            #expect(again.status == 2 && again.stdout.contains("uncertain, not sent again"), "\(again.stdout) \(again.stderr)")
            let companies = try harness.scalar("SELECT count(DISTINCT company_id) FROM crm_publications WHERE kind = 'activity'")
            #expect(companies > 1)
            // The delayed POST may still land at the sandbox: at most one note per company, ever.
            try await Task.sleep(for: .seconds(9))
            #expect(notes() <= Int(companies) && notes() >= Int(companies) - 1, "\(notes()) notes for \(companies) companies")
        }
    }

    /// Copper down for longer than the retry budget (503), or refusing the credentials (401,
    /// refused for every company alike): the first write fails and the rest are not attempted,
    /// instead of each company waiting out a budget of its own or being refused in turn.
    @Test(arguments: [(503, "gave up", "not sent: an earlier write gave up"),
                      (401, "HTTP 401", "not sent: Copper refused the credentials")])
    func aPublishStopsAtAFailureEveryWriteWouldMeet(status: Int, firstError: String, notSent: String) async throws {
        try await publishing(retryBudget: .seconds(1)) { harness, runner in
            harness.sandbox.faults.failNext(100_000, status: status, path: "/developer_api/v1/companies/")
            let items = try await runner.publishCopper(month: "2026-10", apply: true)
            let writes = items.flatMap(\.writes)
            #expect(writes.count > 2)
            #expect(writes.first?.error?.hasPrefix(firstError) == true, "\(writes.first?.error ?? "nil")")
            #expect(writes.dropFirst().allSatisfy { $0.error?.hasPrefix(notSent) == true })
            #expect(harness.sandbox.copperWrites.isEmpty)
            // Only the attempted write is recorded.
            #expect(try harness.scalar("SELECT count(*) FROM crm_publications") == 1)
        }
    }
}
