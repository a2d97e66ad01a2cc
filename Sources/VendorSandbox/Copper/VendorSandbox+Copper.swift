import Warehouse
/// Copper CRM: what tests and `billwh demo` read and switch at runtime.
extension VendorSandbox {
    /// `http://127.0.0.1:PORT/developer_api/v1`: what `BILLWH_COPPER_BASE_URL` should be.
    package var copperBaseURL: String { baseURL + CopperAPI.basePath }

    /// The Copper companies currently served (writes and runtime changes included), with the
    /// truth about their customer-number claims (`customerNumberClaims`, `unclaimedCustomerNumbers`,
    /// `duplicateCustomerNumbers`).
    package var copperData: CopperSandboxData { core.copper.state.withLock { $0.data } }

    /// The company as it is now; nil if no company has that id.
    package func copperCompany(id: Int) -> CopperSandboxCompany? {
        core.copper.state.withLock { $0.data.company(id: id) }
    }

    /// Every accepted `PUT /companies/{id}` and `POST /activities`, oldest first.
    package var copperWrites: [CopperWrite] { core.copper.state.withLock { $0.writes } }

    package func clearCopperWrites() { core.copper.state.withLock { $0.writes.removeAll() } }

    /// Activities created by `POST /activities`, oldest first.
    package var copperActivities: [CopperSandboxActivity] { core.copper.state.withLock { $0.activities } }

    /// How many requests the rolling rate limit answered with `429` (not counting
    /// `faults.rateLimitNext`).
    package var copperRateLimited: Int { core.copper.state.withLock { $0.rateLimited } }

    /// Forgets the requests counted in the rolling window (and the `429` count).
    package func resetCopperRateLimit() {
        core.copper.state.withLock {
            $0.accepted.removeAll()
            $0.rateLimited = 0
        }
    }

    /// Modifies these companies as a CRM user would, so an incremental sync finds them: each
    /// gets a new `date_modified`, later than every other (one second apart, in the order
    /// given), one more `interaction_count` and a line added to `details`. Returns the new
    /// `date_modified` per company id (unknown ids are skipped).
    @discardableResult
    package func touchCopperCompanies(ids: [Int]) -> [Int: Int] {
        var stamps: [Int: Int] = [:]
        for id in ids {
            let updated = updateCopperCompany(id: id) { company in
                company.interactionCount += 1
                company.details = (company.details.map { $0 + "\n" } ?? "") + "Bijgewerkt in de sandbox."
            }
            if let updated { stamps[id] = updated.dateModified }
        }
        return stamps
    }

    /// Changes one company (any field, e.g. its "Customer Number" custom field) and gives it a
    /// new `date_modified`, later than every other. Not recorded in `copperWrites`. Returns
    /// the company as served now; nil if no company has that id.
    @discardableResult
    package func updateCopperCompany(id: Int, _ change: (inout CopperSandboxCompany) -> Void) -> CopperSandboxCompany? {
        core.copper.state.withLock { state -> CopperSandboxCompany? in
            guard let index = state.data.index(of: id) else { return nil }
            var company = state.data.companies[index]
            change(&company)
            company.id = id
            company.dateModified = state.tick()
            state.data.companies[index] = company
            return company
        }
    }

    /// Deletes the company, as a CRM user would: the search no longer shows it. Returns
    /// whether there was one.
    @discardableResult
    package func deleteCopperCompany(id: Int) -> Bool {
        core.copper.state.withLock { state in
            guard let index = state.data.index(of: id) else { return false }
            state.data.companies.remove(at: index)
            return true
        }
    }

    func describeCopper(base: String) -> [String] {
        let data = copperData
        let configuration = configuration
        let url = copperBaseURL
        var lines: [String] = []
        if data.companies.isEmpty {
            lines.append("Copper CRM Developer API v1 sandbox — no companies (SandboxConfiguration.copperCompanies is 0)")
        } else {
            let first = data.companies.map(\.dateModified).min() ?? 0
            lines.append("Copper CRM Developer API v1 sandbox — generated data, seed \(data.seed), \(data.companies.count) companies, "
                + "modified \(CalendarDate(daysSinceEpoch: first / 86_400).iso) … \(CalendarDate(daysSinceEpoch: data.latestModified / 86_400).iso)")
        }
        lines.append("  base URL   \(base)\(CopperAPI.basePath)")
        let numberField = data.fieldDefinitions.first { $0.id == CopperCatalog.customerNumberFieldID }
        lines.append("  GET  /custom_field_definitions      \(data.fieldDefinitions.count) definitions; \"\(numberField?.name ?? "?")\" (\(CopperCatalog.customerNumberFieldID)) holds vendor customer numbers")
        lines.append("  POST /companies/search               page_size 1..200 (20), page_number, sort_by date_modified|date_created|name,")
        lines.append("                                       sort_direction, minimum_/maximum_modified_date (unix s); X-PW-TOTAL is an upper bound")
        lines.append("  GET|PUT /companies/{id}              PUT: partial update, custom_fields by definition id (recorded)")
        lines.append("  POST /activities                     a note on a company (recorded)")
        lines.append("  auth       X-PW-AccessToken: \(configuration.copperAccessToken), X-PW-Application: developer_api,")
        lines.append("             X-PW-UserEmail: \(configuration.copperUserEmail)")
        let retry = configuration.copperSendsRetryAfter ? "with" : "without"
        lines.append("  limits     \(configuration.copperRateLimit) requests per rolling \(CopperAPI.seconds(configuration.copperRateWindow)) s per key (then 429, \(retry) Retry-After);")
        lines.append("             one search reaches the first \(configuration.copperSearchCap) records; 422 on an unknown body attribute")
        if !data.companies.isEmpty { lines.append("  built in   \(data.claimsSummary)") }
        lines.append("")
        lines.append("Point billwh at it:")
        lines.append("  export BILLWH_COPPER_BASE_URL=\(url)")
        lines.append("  export BILLWH_COPPER_ACCESS_TOKEN=\(configuration.copperAccessToken)")
        lines.append("  export BILLWH_COPPER_USER_EMAIL=\(configuration.copperUserEmail)")
        lines.append("  export BILLWH_COPPER_CUSTOMER_NUMBER_FIELD='\(CopperCatalog.customerNumberFieldName)'")
        lines.append("Try:")
        lines.append("  curl -s -X POST -H 'X-PW-AccessToken: \(configuration.copperAccessToken)' -H 'X-PW-Application: developer_api' "
            + "-H 'X-PW-UserEmail: \(configuration.copperUserEmail)' -H 'Content-Type: application/json' "
            + "-d '{\"page_size\":5,\"sort_by\":\"date_modified\"}' '\(url)/companies/search'")
        return lines
    }
}
