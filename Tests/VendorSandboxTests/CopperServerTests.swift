import Foundation
import Testing
import VendorSandbox

@Suite("Copper sandbox over HTTP")
struct CopperServerTests {
    let sortAsc = "\"sort_by\":\"date_modified\",\"sort_direction\":\"asc\""

    // MARK: Authentication, routing

    @Test("401 without the three X-PW headers right; the log keeps the credential kind, never the token")
    func authentication() async throws {
        try await withCopperSandbox(companies: 20) { sandbox, port in
            let target = copperBase + "/custom_field_definitions"
            let cases: [([(String, String)], SandboxCredential)] = [
                ([], .missing),
                ([("X-PW-Application", "developer_api"), ("X-PW-UserEmail", "admin@reseller.example")], .missing),
                ([("X-PW-AccessToken", "wrong-token"), ("X-PW-Application", "developer_api"), ("X-PW-UserEmail", "admin@reseller.example")], .unknown),
                ([("X-PW-AccessToken", copperToken), ("X-PW-UserEmail", "admin@reseller.example")], .unknown),
                ([("X-PW-AccessToken", copperToken), ("X-PW-Application", "other"), ("X-PW-UserEmail", "admin@reseller.example")], .unknown),
                ([("X-PW-AccessToken", copperToken), ("X-PW-Application", "developer_api"), ("X-PW-UserEmail", "someone@else.example")], .unknown),
                ([("X-PW-AccessToken", copperToken), ("X-PW-Application", "developer_api")], .unknown),
            ]
            for (headers, _) in cases {
                let response = try await RawHTTP.get(port: port, target, headers: headers)
                #expect(response.status == 401)
                #expect(!CopperServed.message(response).isEmpty)
                #expect(!response.text.contains(copperToken))
            }
            // The email is matched ignoring letter case.
            let ok = try await RawHTTP.get(port: port, target, headers: [("X-PW-AccessToken", copperToken), ("X-PW-Application", "developer_api"),
                                                                        ("X-PW-UserEmail", "Admin@Reseller.Example")])
            #expect(ok.status == 200)
            let search = try await RawHTTP.exchange(port: port, "POST", copperBase + "/companies/search", headers: [("Content-Type", "application/json")], body: "{}")
            #expect(search.status == 401)
            let log = sandbox.requestLog
            #expect(log.map(\.credential) == cases.map(\.1) + [.full, .missing])
            #expect(log.allSatisfy { !$0.description.contains(copperToken) })
        }
    }

    @Test("404 for unknown paths and ids, 405 for the wrong method (with Allow)")
    func routing() async throws {
        try await withCopperSandbox(companies: 20) { sandbox, port in
            for target in ["/developer_api/v1/people/search", "/developer_api/v2/companies/search", "/developer_api/v1/companies/abc", "/developer_api"] {
                let response = try await RawHTTP.exchange(port: port, "GET", target)
                #expect(response.status == 404, "\(target)")
            }
            let wrong = try await RawHTTP.exchange(port: port, "GET", copperBase + "/companies/search")
            #expect(wrong.status == 405 && wrong.header("Allow") == "POST")
            let delete = try await RawHTTP.exchange(port: port, "DELETE", copperBase + "/companies/\(sandbox.copperData.companies[0].id)")
            #expect(delete.status == 405 && delete.header("Allow") == "GET, PUT")
            let missing = try await RawHTTP.exchange(port: port, "GET", copperBase + "/companies/1")
            #expect(missing.status == 404)
            let found = try await RawHTTP.exchange(port: port, "GET", copperBase + "/companies/\(sandbox.copperData.companies[3].id)")
            #expect(found.status == 200)
            #expect(CopperServed.id(try TJ.parse(found.body)) == sandbox.copperData.companies[3].id)
        }
    }

    @Test("custom field definitions as served")
    func definitions() async throws {
        try await withCopperSandbox(companies: 20) { _, port in
            let response = try await RawHTTP.get(port: port, copperBase + "/custom_field_definitions", headers: copperAuth)
            #expect(response.status == 200 && response.header("Content-Type") == "application/json")
            let served = try TJ.parse(response.body).array
            let pairs = served.map { ($0["id"]?.numberText ?? "", $0["name"]?.string ?? "", $0["data_type"]?.string ?? "") }
            #expect(pairs.map(\.0) == CopperCatalog.fieldDefinitions.map { String($0.id) })
            #expect(pairs.contains { $0 == ("620001", "Customer Number", "String") })
            #expect(pairs.contains { $0 == ("620002", "Monthly Billed", "Float") })
            #expect(pairs.contains { $0 == ("620003", "Monthly Margin", "Float") })
            #expect(served.first { $0["data_type"]?.string == "Dropdown" }?["options"]?.array.count == 3)
            let types = try await RawHTTP.get(port: port, copperBase + "/activity_types", headers: copperAuth)
            #expect(try TJ.parse(types.body)["user"]?.array.first?["name"]?.string == "Note")
        }
    }

    // MARK: Search

    @Test("1,234 companies, page_size 200, sorted by date_modified: six full pages, a short one, every id once")
    func paging() async throws {
        try await withCopperSandbox { sandbox, port in
            let data = sandbox.copperData
            let (pages, totals) = try await CopperServed.allPages(port)
            #expect(pages.map(\.count) == [200, 200, 200, 200, 200, 200, 34])
            let served = pages.flatMap { $0 }
            let ids = served.map(CopperServed.id)
            #expect(Set(ids).count == ids.count)
            #expect(Set(ids) == Set(data.companies.map(\.id)))
            let keys = served.map { (CopperServed.modified($0), CopperServed.id($0)) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
            #expect(totals.allSatisfy { $0 >= 1_234 })
            // A page beyond the end: empty, the total still an upper bound.
            let (beyond, companies) = try await CopperServed.search(port, "{\"page_size\":200,\"page_number\":9,\(sortAsc)}")
            #expect(beyond.status == 200 && companies.isEmpty && Int(beyond.header("X-PW-TOTAL") ?? "") ?? 0 >= 1_234)
            // Served bytes carry every contract field.
            let first = served[0]
            for name in ["id", "name", "address", "assignee_id", "contact_type_id", "details", "email_domain", "phone_numbers", "socials",
                         "tags", "websites", "custom_fields", "interaction_count", "date_created", "date_modified"] {
                #expect(first[name] != nil, "\(name)")
            }
        }
    }

    @Test("defaults: an empty body or {} gives the first 20 (unsorted)")
    func defaults() async throws {
        try await withCopperSandbox(companies: 50) { sandbox, port in
            for body in ["", "{}", "{\"page_size\":null}"] {
                let (response, companies) = try await CopperServed.search(port, body)
                #expect(response.status == 200 && companies.count == 20, "\(body)")
                #expect(Int(response.header("X-PW-TOTAL") ?? "") ?? 0 >= 50)
            }
            #expect(sandbox.requestLog.last?.fault?.contains("unsorted") == true)
        }
    }

    @Test("without sort_by the order changes from page to page: pages overlap and miss companies")
    func unsortedPagesOverlap() async throws {
        try await withCopperSandbox { _, port in
            let (pages, _) = try await CopperServed.allPages(port, sort: "")
            let ids = pages.flatMap { $0 }.map(CopperServed.id)
            #expect(ids.count == 1_234)
            #expect(Set(ids).count < ids.count)
        }
    }

    @Test("422 names an unknown attribute; bad values 422; bad JSON 400")
    func rejections() async throws {
        try await withCopperSandbox(companies: 20) { sandbox, port in
            let (unknown, _) = try await CopperServed.search(port, "{\"page_size\":20,\"modified_since\":1600000000}")
            #expect(unknown.status == 422)
            #expect(CopperServed.message(unknown).contains("modified_since"))
            let (caseDiffers, _) = try await CopperServed.search(port, "{\"Page_Size\":20}")
            #expect(caseDiffers.status == 422 && CopperServed.message(caseDiffers).contains("Page_Size"))
            for body in ["{\"page_size\":201}", "{\"page_size\":0}", "{\"page_size\":\"20\"}", "{\"page_size\":20.5}", "{\"page_number\":0}",
                         "{\"sort_by\":\"id\"}", "{\"sort_direction\":\"up\"}", "{\"minimum_modified_date\":\"2024-01-01\"}",
                         "{\"maximum_modified_date\":1.7e9}", "[1,2]", "{\"page_size\":20,\"page_size\":30}"] {
                let (response, _) = try await CopperServed.search(port, body)
                #expect(response.status == 422, "\(body)")
            }
            for body in ["{\"page_size\":", "not json"] {
                let (response, _) = try await CopperServed.search(port, body)
                #expect(response.status == 400, "\(body)")
            }
            #expect(sandbox.requestLog.allSatisfy { $0.credential == .full })
        }
    }

    @Test("modified-date window (inclusive) and the sort orders, ties broken by id")
    func windowsAndSorting() async throws {
        try await withCopperSandbox { sandbox, port in
            let companies = sandbox.copperData.companies
            let sortedModified = companies.map(\.dateModified).sorted()
            let low = sortedModified[300], high = sortedModified[900]
            let filters = "\"minimum_modified_date\":\(low),\"maximum_modified_date\":\(high)"
            let expected = companies.filter { $0.dateModified >= low && $0.dateModified <= high }
            #expect(expected.count >= 601)

            let (ascPages, totals) = try await CopperServed.allPages(port, filters: filters)
            let asc = ascPages.flatMap { $0 }
            #expect(asc.map(CopperServed.id) == expected.sorted { ($0.dateModified, $0.id) < ($1.dateModified, $1.id) }.map(\.id))
            #expect(totals.allSatisfy { $0 >= expected.count })

            let (descPages, _) = try await CopperServed.allPages(port, filters: filters, sort: "\"sort_by\":\"date_modified\",\"sort_direction\":\"desc\"")
            #expect(descPages.flatMap { $0 }.map(CopperServed.id) == expected.sorted { ($0.dateModified, $0.id) > ($1.dateModified, $1.id) }.map(\.id))

            let (createdPages, _) = try await CopperServed.allPages(port, sort: "\"sort_by\":\"date_created\"")
            #expect(createdPages.flatMap { $0 }.map(CopperServed.id) == companies.sorted { ($0.dateCreated, $0.id) < ($1.dateCreated, $1.id) }.map(\.id))

            let (namePages, _) = try await CopperServed.allPages(port, sort: "\"sort_by\":\"name\",\"sort_direction\":\"asc\"")
            let byName = namePages.flatMap { $0 }
            let nameKeys = byName.map { ($0["name"]?.string ?? "").lowercased().unicodeScalars.map(\.value) }
            #expect(byName.count == companies.count)
            for index in 1..<byName.count {
                let a = nameKeys[index - 1], b = nameKeys[index]
                #expect(a.lexicographicallyPrecedes(b) || (a == b && CopperServed.id(byName[index - 1]) < CopperServed.id(byName[index])))
            }

            // Boundaries are inclusive: a window of one second holds exactly the companies of that second.
            let tied = Dictionary(grouping: companies, by: \.dateModified).max { $0.value.count < $1.value.count }!
            let (exact, served) = try await CopperServed.search(port, "{\"page_size\":200,\(sortAsc),\"minimum_modified_date\":\(tied.key),\"maximum_modified_date\":\(tied.key)}")
            #expect(exact.status == 200 && served.map(CopperServed.id) == tied.value.map(\.id).sorted())
            #expect(served.count >= 10)
            let (none, empty) = try await CopperServed.search(port, "{\"minimum_modified_date\":\(high),\"maximum_modified_date\":\(low)}")
            #expect(none.status == 200 && empty.isEmpty && none.header("X-PW-TOTAL") == "0")
        }
    }

    @Test("one search reaches only the first copperSearchCap records; slicing by minimum_modified_date reaches the rest")
    func searchCap() async throws {
        try await withCopperSandbox(configure: { $0.copperSearchCap = 500 }) { sandbox, port in
            let (pages, totals) = try await CopperServed.allPages(port)
            #expect(pages.map(\.count) == [200, 200, 100])
            #expect(totals.allSatisfy { $0 >= 1_234 })
            let (after, empty) = try await CopperServed.search(port, "{\"page_size\":200,\"page_number\":4,\(sortAsc)}")
            #expect(after.status == 200 && empty.isEmpty)
            let (small, straddle) = try await CopperServed.search(port, "{\"page_size\":150,\"page_number\":4,\(sortAsc)}")
            #expect(small.status == 200 && straddle.count == 50)
            #expect(sandbox.requestLog.last?.fault?.contains("search-cap") == true)

            // A connector's way round it: new searches from the last date_modified seen (inclusive).
            var seen = Set<Int>()
            var minimum: Int?
            var searches = 0
            while searches < 20 {
                searches += 1
                let filters = minimum.map { "\"minimum_modified_date\":\($0)" } ?? ""
                let (slice, _) = try await CopperServed.allPages(port, filters: filters)
                let served = slice.flatMap { $0 }
                let before = seen.count
                seen.formUnion(served.map(CopperServed.id))
                if served.count < 500 || seen.count == before { break }
                minimum = served.map(CopperServed.modified).max()
            }
            #expect(searches >= 3)
            #expect(seen == Set(sandbox.copperData.companies.map(\.id)))
        }
    }

    // MARK: Writes

    @Test("PUT: a partial update, reflected, recorded, date_modified later than all others")
    func put() async throws {
        try await withCopperSandbox(companies: 200) { sandbox, port in
            let before = sandbox.copperData
            let target = before.companies[17]
            let body = "{\"custom_fields\":[{\"custom_field_definition_id\":620002,\"value\":1234.56},{\"custom_field_definition_id\":620003,\"value\":-12.5}]}"
            let response = try await RawHTTP.exchange(port: port, "PUT", copperBase + "/companies/\(target.id)", body: body)
            #expect(response.status == 200)
            let served = try TJ.parse(response.body)
            #expect(CopperServed.id(served) == target.id)
            #expect(CopperServed.field(served, 620002)?.numberText == "1234.56")
            #expect(CopperServed.field(served, 620003)?.numberText == "-12.5")
            #expect(CopperServed.modified(served) > before.latestModified)

            let now = try #require(sandbox.copperCompany(id: target.id))
            #expect(now.customField(CopperCatalog.monthlyBilledFieldID) == .number("1234.56"))
            #expect(now.customField(CopperCatalog.monthlyMarginFieldID) == .number("-12.5"))
            #expect(now.name == target.name && now.tags == target.tags && now.customerNumbers == target.customerNumbers)
            #expect(now.dateModified == sandbox.copperData.latestModified)

            let writes = sandbox.copperWrites
            #expect(writes.count == 1)
            #expect(writes.first?.kind == .updateCompany && writes.first?.method == "PUT" && writes.first?.companyID == target.id)
            #expect(writes.first?.path == copperBase + "/companies/\(target.id)")
            #expect(writes.first?.body == body)
            #expect(writes.first?.attributes == ["custom_fields"])
            #expect(writes.first?.customFields == [620002: .number("1234.56"), 620003: .number("-12.5")])
            #expect(writes.first?.dateModified == now.dateModified)

            // An incremental search finds it.
            let (_, changed) = try await CopperServed.search(port, "{\"page_size\":200,\(sortAsc),\"minimum_modified_date\":\(before.latestModified + 1)}")
            #expect(changed.map(CopperServed.id) == [target.id])

            // null clears; other attributes; a second PUT is a second write.
            let second = "{\"details\":null,\"tags\":[\"msp\",\"billwh\"],\"address\":{\"city\":\"Zwolle\"},\"custom_fields\":[{\"custom_field_definition_id\":620002,\"value\":null}]}"
            let cleared = try await RawHTTP.exchange(port: port, "PUT", copperBase + "/companies/\(target.id)", body: second)
            #expect(cleared.status == 200)
            let after = try #require(sandbox.copperCompany(id: target.id))
            #expect(after.details == nil && after.tags == ["msp", "billwh"] && after.address == CopperSandboxAddress(city: "Zwolle"))
            #expect(after.customField(CopperCatalog.monthlyBilledFieldID) == .null)
            #expect(after.customField(CopperCatalog.monthlyMarginFieldID) == .number("-12.5"))
            #expect(after.dateModified > now.dateModified)
            #expect(sandbox.copperWrites.count == 2)
            // Nothing else changed.
            let others = sandbox.copperData.companies.filter { $0.id != target.id }
            #expect(others == before.companies.filter { $0.id != target.id })
        }
    }

    @Test("PUT rejections: 404 unknown company, 422 unknown attribute / definition / type / read-only; nothing recorded")
    func putRejections() async throws {
        try await withCopperSandbox(companies: 50) { sandbox, port in
            let before = sandbox.copperData
            let id = before.companies[5].id
            let missing = try await RawHTTP.exchange(port: port, "PUT", copperBase + "/companies/12345", body: "{\"details\":\"x\"}")
            #expect(missing.status == 404)
            let cases: [(String, String)] = [
                ("{\"colour\":\"blue\"}", "colour"),
                ("{\"custom_fields\":[{\"custom_field_definition_id\":999,\"value\":\"1\"}]}", "999"),
                ("{\"custom_fields\":[{\"custom_field_definition_id\":620002,\"value\":\"12.50\"}]}", "620002"),
                ("{\"custom_fields\":[{\"custom_field_definition_id\":620001,\"value\":12}]}", "620001"),
                ("{\"custom_fields\":[{\"custom_field_definition_id\":620004,\"value\":1}]}", "620004"),
                ("{\"custom_fields\":[{\"custom_field_definition_id\":620008,\"value\":\"x\"}]}", "620008"),
                ("{\"custom_fields\":[{\"custom_field_definition_id\":620002,\"value\":1,\"extra\":true}]}", "extra"),
                ("{\"date_modified\":1700000000}", "date_modified"),
                ("{\"name\":\"\"}", "name"),
                ("{\"address\":{\"town\":\"Zwolle\"}}", "town"),
                ("{\"details\":\"ok\",\"interaction_count\":3}", "interaction_count"),
                ("", "object"),
                ("[]", "object"),
            ]
            for (body, named) in cases {
                let response = try await RawHTTP.exchange(port: port, "PUT", copperBase + "/companies/\(id)", body: body)
                #expect(response.status == 422, "\(body)")
                #expect(CopperServed.message(response).contains(named), "\(body): \(CopperServed.message(response))")
            }
            let broken = try await RawHTTP.exchange(port: port, "PUT", copperBase + "/companies/\(id)", body: "{\"details\":")
            #expect(broken.status == 400)
            #expect(sandbox.copperWrites.isEmpty)
            #expect(sandbox.copperData == before)
        }
    }

    @Test("POST /activities: created, recorded; 404 unknown company; 422 bad bodies")
    func activities() async throws {
        try await withCopperSandbox(companies: 50) { sandbox, port in
            let id = sandbox.copperData.companies[9].id
            let before = sandbox.copperData
            let body = "{\"parent\":{\"type\":\"company\",\"id\":\(id)},\"type\":{\"category\":\"user\",\"id\":0},\"details\":\"Omzet 2025-05: € 1.234,56\\nmarge 12%\"}"
            let response = try await RawHTTP.exchange(port: port, "POST", copperBase + "/activities", body: body)
            #expect(response.status == 200)
            let served = try TJ.parse(response.body)
            #expect(served["id"]?.numberText != nil)
            #expect(served["parent"]?["id"]?.numberText == String(id) && served["parent"]?["type"]?.string == "company")
            #expect(served["details"]?.string == "Omzet 2025-05: € 1.234,56\nmarge 12%")
            let writes = sandbox.copperWrites
            #expect(writes.count == 1)
            #expect(writes.first?.kind == .createActivity && writes.first?.method == "POST" && writes.first?.companyID == id)
            #expect(writes.first?.activity?.details == "Omzet 2025-05: € 1.234,56\nmarge 12%")
            #expect(writes.first?.activity?.id == Int(served["id"]?.numberText ?? ""))
            #expect(writes.first?.body == body)
            #expect(sandbox.copperActivities.count == 1)
            // A note does not modify the company.
            #expect(sandbox.copperData == before)

            let unknown = try await RawHTTP.exchange(port: port, "POST", copperBase + "/activities",
                                                 body: "{\"parent\":{\"type\":\"company\",\"id\":1},\"type\":{\"category\":\"user\",\"id\":0},\"details\":\"x\"}")
            #expect(unknown.status == 404)
            for bad in ["{\"parent\":{\"type\":\"company\",\"id\":\(id)},\"type\":{\"category\":\"user\",\"id\":0},\"details\":\"x\",\"user\":1}",
                        "{\"parent\":{\"type\":\"person\",\"id\":\(id)},\"type\":{\"category\":\"user\",\"id\":0},\"details\":\"x\"}",
                        "{\"parent\":{\"type\":\"company\",\"id\":\(id)},\"type\":{\"category\":\"system\",\"id\":1},\"details\":\"x\"}",
                        "{\"parent\":{\"type\":\"company\",\"id\":\(id)},\"type\":{\"category\":\"user\",\"id\":424242},\"details\":\"x\"}",
                        "{\"type\":{\"category\":\"user\",\"id\":0},\"details\":\"x\"}",
                        "{\"parent\":{\"type\":\"company\",\"id\":\(id)},\"details\":\"x\"}"] {
                let response = try await RawHTTP.exchange(port: port, "POST", copperBase + "/activities", body: bad)
                #expect(response.status == 422, "\(bad)")
            }
            #expect(sandbox.copperWrites.count == 1)
        }
    }

    @Test("a body over 1 MB is answered 413")
    func bodyTooLarge() async throws {
        try await withCopperSandbox(companies: 5) { sandbox, port in
            let huge = "{\"details\":\"" + String(repeating: "x", count: 1_100_000) + "\"}"
            let response = try await RawHTTP.exchange(port: port, "PUT", copperBase + "/companies/\(sandbox.copperData.companies[0].id)", body: huge)
            #expect(response.status == 413)
            #expect(sandbox.copperWrites.isEmpty)
        }
    }

    // MARK: Rate limit

    /// `count` requests at once (so a loaded machine does not spread them out); their statuses.
    static func burst(_ count: Int, port: Int, target: String = copperBase + "/custom_field_definitions") async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count { group.addTask { try await RawHTTP.get(port: port, target, headers: copperAuth).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// No `window` (rolling, anywhere) holds more than `limit` admitted requests of the log.
    static func neverOverLimit(_ log: [SandboxRequest], limit: Int, window: Duration) -> Bool {
        let times = log.filter { $0.status != 429 }.map(\.receivedAt).sorted()
        return times.indices.allSatisfy { index in times[index...].prefix { $0 - times[index] < window }.count <= limit }
    }

    @Test("rate limit: beyond N requests in the window 429 (no Retry-After), counted in copperRateLimited")
    func rateLimit() async throws {
        try await withCopperSandbox(companies: 20, configure: {
            $0.copperRateLimit = 20
            $0.copperRateWindow = .seconds(60)
        }) { sandbox, port in
            let statuses = try await Self.burst(21, port: port)
            #expect(statuses.filter { $0 == 200 }.count == 20 && statuses.filter { $0 == 429 }.count == 1)
            #expect(sandbox.copperRateLimited == 1)
            let limited = try await RawHTTP.exchange(port: port, "POST", copperBase + "/companies/search", body: "{}")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == nil)
            #expect(!CopperServed.message(limited).isEmpty)
            #expect(sandbox.copperRateLimited == 2)
            let log = sandbox.requestLog
            #expect(log.filter { $0.fault == "copper-rate-limit" }.count == 2)
            #expect(log.filter { $0.status == 429 }.allSatisfy { $0.credential == .full })
            #expect(Self.neverOverLimit(log, limit: 20, window: .seconds(60)))
        }
    }

    /// Every decision is checked against a rolling window simulated over the instants the
    /// sandbox recorded (the ones its limiter used), so the test holds however loaded the
    /// machine is; timing only decides whether a 429 and a recovery are both seen, so a run that
    /// saw neither (the test process resumed after the window had emptied) is tried again.
    @Test("rolling window: 429 while the window is full, OK again as its oldest requests leave it")
    func rollingWindow() async throws {
        let window: Duration = .seconds(6)
        let limit = 5
        var attempts = 0, seen = false
        while !seen && attempts < 4 {
            attempts += 1
            seen = try await withCopperSandbox(companies: 20, configure: {
                $0.copperRateLimit = limit
                $0.copperRateWindow = window
            }) { sandbox, port in
                let clock = ContinuousClock()
                #expect(try await Self.burst(limit, port: port) == Array(repeating: 200, count: limit))
                var admitted = sandbox.requestLog.map(\.receivedAt)
                try await Task.sleep(until: admitted.max()! + window / 2, clock: clock)
                // One request at a time: the log's order is the limiter's order.
                var sawLimited = false, recovered = false
                let deadline = clock.now + window * 3
                while !recovered && clock.now < deadline {
                    let status = try await RawHTTP.get(port: port, copperBase + "/custom_field_definitions", headers: copperAuth).status
                    let at = try #require(sandbox.requestLog.last).receivedAt
                    let full = admitted.filter { at - $0 < window }.count >= limit
                    #expect(status == (full ? 429 : 200))
                    if status == 200 { admitted.append(at) }
                    if status == 429 { sawLimited = true } else if sawLimited { recovered = true }
                    try await Task.sleep(for: .milliseconds(150))
                }
                #expect(sandbox.copperRateLimited == sandbox.requestLog.filter { $0.status == 429 }.count)
                #expect(Self.neverOverLimit(sandbox.requestLog, limit: limit, window: window))
                return sawLimited && recovered
            }
        }
        #expect(seen, "no 429 followed by a recovery in \(attempts) attempts")
    }

    @Test("Retry-After when configured: seconds until the window has room; unauthenticated requests do not count")
    func retryAfter() async throws {
        try await withCopperSandbox(companies: 20, configure: {
            $0.copperRateLimit = 3
            $0.copperRateWindow = .seconds(30)
            $0.copperSendsRetryAfter = true
        }) { sandbox, port in
            let target = copperBase + "/custom_field_definitions"
            for _ in 0..<5 { #expect(try await RawHTTP.get(port: port, target).status == 401) }
            for _ in 0..<3 { #expect(try await RawHTTP.get(port: port, target, headers: copperAuth).status == 200) }
            let limited = try await RawHTTP.exchange(port: port, "POST", copperBase + "/companies/search", body: "{}")
            #expect(limited.status == 429)
            let log = sandbox.requestLog
            let oldest = log.filter { $0.status == 200 }.map(\.receivedAt).min()!
            let wait = oldest + .seconds(30) - log.last!.receivedAt
            let (whole, atto) = wait.components
            #expect(Int(limited.header("Retry-After") ?? "") == max(1, Int(whole) + (atto > 0 ? 1 : 0)))
            #expect((1...30).contains(Int(limited.header("Retry-After") ?? "") ?? -1))
            #expect(sandbox.copperRateLimited == 1)
            sandbox.resetCopperRateLimit()
            #expect(try await RawHTTP.get(port: port, target, headers: copperAuth).status == 200)
            #expect(sandbox.copperRateLimited == 0)
        }
    }

    // MARK: Runtime changes, determinism, describe

    @Test("touchCopperCompanies: an incremental search from the last date_modified finds exactly those")
    func touch() async throws {
        try await withCopperSandbox(companies: 300) { sandbox, port in
            let before = sandbox.copperData
            let ids = [before.companies[250].id, before.companies[3].id]
            let stamps = sandbox.touchCopperCompanies(ids: ids + [1])
            #expect(stamps.count == 2)
            #expect(stamps[ids[0]] == before.latestModified + 1 && stamps[ids[1]] == before.latestModified + 2)
            let (_, changed) = try await CopperServed.search(port, "{\"page_size\":200,\(sortAsc),\"minimum_modified_date\":\(before.latestModified + 1)}")
            #expect(changed.map(CopperServed.id) == ids)
            let touched = try #require(sandbox.copperCompany(id: ids[1]))
            #expect(touched.interactionCount == before.companies[3].interactionCount + 1)
            #expect(touched.details != before.companies[3].details)
            // updateCopperCompany moves a claim.
            let claimed = try #require(before.customerNumberClaims.first { $0.value.count == 1 && vendorCustomers[$0.key] != nil })
            sandbox.updateCopperCompany(id: claimed.value[0]) { $0.setCustomField(CopperCatalog.customerNumberFieldID, .null) }
            #expect(sandbox.copperData.unclaimedCustomerNumbers.contains(claimed.key))
            #expect(sandbox.copperWrites.isEmpty)
        }
    }

    @Test("the same seed serves the same bytes")
    func servedDeterminism() async throws {
        var bodies: [[UInt8]] = []
        for _ in 0..<2 {
            try await withCopperSandbox(companies: 300) { _, port in
                let (response, _) = try await CopperServed.search(port, "{\"page_size\":200,\"page_number\":2,\(sortAsc)}")
                bodies.append(response.body)
            }
        }
        #expect(bodies[0] == bodies[1] && !bodies[0].isEmpty)
        try await withCopperSandbox(companies: 300, configure: { $0.copperSeed = 7 }) { _, port in
            let (response, _) = try await CopperServed.search(port, "{\"page_size\":200,\"page_number\":2,\(sortAsc)}")
            #expect(response.body != bodies[0])
        }
    }

    @Test("the mutateFields fault varies member names on Copper answers too")
    func mutated() async throws {
        try await withCopperSandbox(companies: 30) { sandbox, port in
            sandbox.faults.mutateFields = true
            let (response, companies) = try await CopperServed.search(port, "{\"page_size\":30,\(sortAsc)}")
            #expect(response.status == 200 && companies.count == 30)
            let names = Set(companies.flatMap(\.allNames))
            #expect(names.contains { $0 != $0.lowercased() })
            // Names stay unique ignoring case within each object (the extra "Tags" would not be).
            for company in companies {
                guard case .object(let members) = company else { continue }
                #expect(Set(members.map { $0.0.lowercased() }).count == members.count)
            }
            #expect(Set(companies.map(CopperServed.id)) == Set(sandbox.copperData.companies.map(\.id)))
            #expect(sandbox.requestLog.last?.fault?.contains("mutated") == true)
        }
    }

    @Test("describe() has a Copper section with the environment variables")
    func describe() async throws {
        try await withCopperSandbox(companies: 12) { sandbox, port in
            let text = sandbox.describe()
            #expect(text.contains("Copper CRM Developer API v1 sandbox"))
            #expect(text.contains("export BILLWH_COPPER_BASE_URL=http://127.0.0.1:\(port)/developer_api/v1"))
            #expect(text.contains("export BILLWH_COPPER_ACCESS_TOKEN=sandbox-copper-token"))
            #expect(text.contains("export BILLWH_COPPER_USER_EMAIL=admin@reseller.example"))
            #expect(text.contains("export BILLWH_COPPER_CUSTOMER_NUMBER_FIELD='Customer Number'"))
            #expect(sandbox.copperBaseURL == "http://127.0.0.1:\(port)/developer_api/v1")
        }
    }
}
