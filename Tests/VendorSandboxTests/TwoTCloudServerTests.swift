import Foundation
import Testing
import Warehouse
import VendorSandbox

@Suite("2tCloud sandbox over HTTP")
struct TwoTCloudServerTests {
    let window = "/v2/invoices?startDate=20240101&endDate=20240630"

    @Test("endpoint paths")
    func paths() {
        #expect(TwoTCloudEndpoint.invoices.path(version: "v2") == "/v2/invoices")
        #expect(TwoTCloudEndpoint.customerInvoices.path(version: "v2") == "/v2/customerinvoices")
        #expect(TwoTCloudEndpoint.consolidatedInvoices.path(version: "v3") == "/v3/consolidatedinvoices")
    }

    @Test("Accept: application/json gives exactly the generated JSON")
    func servesJSON() async throws {
        try await withTwoTCloudSandbox { _, port in
            let response = try await RawHTTP.get(port: port, window, headers: twotJSON)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.contentLength == response.body.count && response.complete)
            let same = response.body == twotData.responseBody(.invoices, from: "2024-01-01", to: "2024-06-30")
            #expect(same)
            #expect(!response.text.contains("InvoiceRowHash"))
            #expect(try Served.documents(response.body).count == twotData.documentCount(.invoices, from: "2024-01-01", to: "2024-06-30"))
        }
    }

    @Test("without Accept, or with anything but JSON: XML")
    func servesXML() async throws {
        try await withTwoTCloudSandbox { _, port in
            let expected = twotData.responseBody(.invoices, from: "2024-01-01", to: "2024-06-30", format: .xml)
            for accept in [nil, "application/xml", "*/*", "text/html"] {
                let headers = twotAuth + (accept.map { [("Accept", $0)] } ?? [])
                let response = try await RawHTTP.get(port: port, window, headers: headers)
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "application/xml; charset=utf-8", "\(accept ?? "no Accept")")
                let same = response.body == expected
                #expect(same)
            }
            let text = String(decoding: expected, as: UTF8.self)
            #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>"))
            #expect(text.contains("<InvoiceResponse xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"))
            #expect(text.contains("<AccountID />") && text.contains("<SubPONumber />"))
            #expect(text.contains("<Street>") && text.contains("<TaxZoneID>"))
            #expect(text.contains("Bouwbedrijf &lt;De Toren&gt; B.V.") && text.contains("Müller &amp; Söhne"))
            // Parameters and lists still count as asking for JSON.
            for accept in ["application/json; charset=utf-8", "text/plain, Application/JSON"] {
                let response = try await RawHTTP.get(port: port, window, headers: twotAuth + [("Accept", accept)])
                #expect(response.header("Content-Type") == "application/json", "\(accept)")
            }
        }
    }

    @Test("JSON and XML carry the same lines and amounts, equal to the data's totals", arguments: TwoTCloudEndpoint.allCases)
    func sameAmounts(endpoint: TwoTCloudEndpoint) async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            for (from, to) in [("2023-10-01", testToday), ("2024-03-01", "2024-09-30")] {
                let target = "\(endpoint.path(version: "v2"))?startDate=\(compact(from))&endDate=\(compact(to))"
                let json = try ServedTwoTCloud.jsonLines(try await RawHTTP.get(port: port, target, headers: twotJSON).body)
                let xml = try ServedTwoTCloud.xmlLines(try await RawHTTP.get(port: port, target, headers: twotAuth).body)
                #expect(json.count > 0)
                #expect(json == xml)
                #expect(try ServedTwoTCloud.micros(json) == sandbox.twotcloudData.totalMicros(endpoint, from: from, to: to))
                #expect(json.count == sandbox.twotcloudData.lineCount(endpoint, from: from, to: to))
            }
        }
    }

    @Test("XML escaping: names with & < > \" ' and non-ASCII survive the round trip")
    func xmlEscaping() async throws {
        try await withTwoTCloudSandbox { _, port in
            let body = try await RawHTTP.get(port: port, "/v2/customerinvoices?startDate=20231001&endDate=20250615", headers: twotAuth).body
            let names = Set(try ServedTwoTCloud.xmlTexts(body, element: "CompanyName"))
            for name in ["Müller & Söhne Installatietechniek B.V.", "Bouwbedrijf <De Toren> B.V.", "Kapsalon 'Knip & Krul'",
                         "Huisartsenpraktijk \"Het Anker\"", "Öztürk Logistics > Groningen", "Brasserie l'Été & Co"] {
                #expect(names.contains(name), "\(name)")
            }
            let json = try await RawHTTP.get(port: port, "/v2/customerinvoices?startDate=20231001&endDate=20250615", headers: twotJSON).body
            let jsonNames = Set(try Served.documents(json).flatMap { $0["Customers"]!.array.compactMap { $0["CompanyName"]?.string } })
            #expect(names.isSuperset(of: jsonNames))
        }
    }

    @Test("Basic auth: 403 when missing or wrong, logged by kind without the secret")
    func authentication() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            let missing = try await RawHTTP.get(port: port, window)
            #expect(missing.status == 403)
            let message = try #require(try TJ.parse(missing.body)["message"]?.string)
            #expect(message.contains("IP address") && message.contains("Authorization"))
            let wrongKey = try await RawHTTP.get(port: port, window, headers: [basicAuth("100042", "wrong")])
            #expect(wrongKey.status == 403)
            #expect(try TJ.parse(wrongKey.body)["message"]?.string == message)
            #expect(try await RawHTTP.get(port: port, window, headers: [basicAuth("100043", "sandbox-2tcloud-key")]).status == 403)
            #expect(try await RawHTTP.get(port: port, window, headers: [("Authorization", "Bearer sandbox-2tcloud-key")]).status == 403)
            #expect(try await RawHTTP.get(port: port, window, headers: [("Authorization", "Basic !!!")]).status == 403)
            #expect(try await RawHTTP.get(port: port, window, headers: [("X-Api-Key", "sandbox-copaco-key")]).status == 403)
            #expect(try await RawHTTP.get(port: port, window, headers: [("authorization", twotAuth[0].1.replacingOccurrences(of: "Basic", with: "basic"))]).status == 200)
            #expect(try await RawHTTP.get(port: port, window, headers: twotAuth).status == 200)
            #expect(try await RawHTTP.get(port: port, "/v2/invoices?key=sandbox-2tcloud-key&startDate=20240101", headers: twotAuth).status == 200)

            let log = sandbox.requestLog
            #expect(log.map(\.status) == [403, 403, 403, 403, 403, 403, 200, 200, 200])
            #expect(log.map(\.credential) == [.missing, .unknown, .unknown, .unknown, .unknown, .missing, .full, .full, .full])
            let token = String(twotAuth[0].1.dropFirst("Basic ".count))
            for entry in log {
                #expect(!entry.description.contains("sandbox-2tcloud-key") && !entry.description.contains(token))
            }
            #expect(log.last?.query == "key=REDACTED&startDate=20240101")
        }
    }

    @Test("the IP switch: 403 with correct credentials from another address, 200 once cleared")
    func ipAllowList() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            #expect(sandbox.twotcloudAllowedIP == nil)
            sandbox.setTwoTCloudAllowedIP("203.0.113.7")
            let blocked = try await RawHTTP.get(port: port, window, headers: twotJSON)
            #expect(blocked.status == 403)
            let wrong = try await RawHTTP.get(port: port, window, headers: [basicAuth("100042", "nope")])
            #expect(try TJ.parse(blocked.body)["message"] == TJ.parse(wrong.body)["message"]) // does not tell which
            // Copaco is not affected.
            #expect(try await RawHTTP.get(port: port, "/api/v1/invoices", headers: fullKey).status == 200)
            sandbox.setTwoTCloudAllowedIP("127.0.0.1") // the caller's own address
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).status == 200)
            sandbox.setTwoTCloudAllowedIP("203.0.113.7")
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).status == 403)
            sandbox.setTwoTCloudAllowedIP(nil)
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).status == 200)
            let log = sandbox.requestLog.filter { $0.path.hasPrefix("/v2/") }
            #expect(log.map(\.status) == [403, 403, 200, 403, 200])
            #expect(log.map(\.credential) == [.full, .unknown, .full, .full, .full])
            #expect(log.map { $0.fault ?? "" } == ["ip-not-allowed", "ip-not-allowed", "", "ip-not-allowed", ""])
        }
        // Also from the configuration.
        try await withTwoTCloudSandbox(configure: { $0.twotcloudAllowedIP = "203.0.113.7" }) { (sandbox: VendorSandbox, port: Int) async throws in
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).status == 403)
            sandbox.setTwoTCloudAllowedIP(nil)
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).status == 200)
        }
    }

    @Test("faults.ignoreAccept: XML even when JSON is asked for")
    func ignoreAccept() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            sandbox.faults.ignoreAccept = true
            let response = try await RawHTTP.get(port: port, window, headers: twotJSON)
            #expect(response.status == 200 && response.header("Content-Type") == "application/xml; charset=utf-8")
            #expect(response.text.hasPrefix("<?xml"))
            #expect(sandbox.requestLog.last?.fault == "ignore-accept")
            // Copaco still answers JSON.
            #expect(try await RawHTTP.get(port: port, "/api/v1/invoices", headers: fullKey).header("Content-Type") == "application/json")
            sandbox.faults.reset()
            #expect(!sandbox.faults.ignoreAccept)
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).header("Content-Type") == "application/json")
        }
    }

    @Test("a malformed date answers 400 with a message", arguments: [
        "startDate=2024-01-01", "startDate=20240230", "endDate=2024011", "startDate=abcdefgh", "startDate=20240201&endDate=20240101",
    ])
    func badDates(query: String) async throws {
        try await withTwoTCloudSandbox { _, port in try await expectBadRequest(port: port, "/v2/customerinvoices?\(query)", headers: twotJSON) }
    }

    @Test("versions v1…v4 are served, others and unknown endpoints 404, POST 405; dates inclusive")
    func routing() async throws {
        try await withTwoTCloudSandbox { _, port in
            let expected = twotData.responseBody(.invoices, from: "2024-01-01", to: "2024-06-30")
            for version in ["v1", "v2", "v3", "v4"] {
                let response = try await RawHTTP.get(port: port, "/\(version)/invoices?startDate=20240101&endDate=20240630", headers: twotJSON)
                let same = response.body == expected
                #expect(response.status == 200 && same, "\(version)")
            }
            #expect(try await RawHTTP.get(port: port, "/v5/invoices", headers: twotJSON).status == 404)
            #expect(try await RawHTTP.get(port: port, "/v2/nothing", headers: twotJSON).status == 404)
            #expect(try await RawHTTP.get(port: port, "/v2", headers: twotJSON).status == 404)
            #expect(try await RawHTTP.get(port: port, "/v2/invoices", headers: twotJSON + [("Content-Length", "0")], method: "POST").status == 405)
            let day = try #require(twotData.invoices.first { $0.date >= "2024-06-01" }?.date)
            let exact = try await RawHTTP.get(port: port, "/v2/invoices?startDate=\(compact(day))&endDate=\(compact(day))", headers: twotJSON)
            #expect(try Served.invoiceIDs(exact.body) == twotData.documents(.invoices, from: day, to: day).map(\.invoiceID))
            // Without dates: the last 3 months up to today.
            let recent = try await RawHTTP.get(port: port, "/v2/invoices", headers: twotJSON)
            #expect(try Served.invoiceIDs(recent.body) == twotData.documents(.invoices, from: "2025-03-15", to: testToday).map(\.invoiceID))
        }
    }

    @Test("faults apply to 2tCloud paths: status, truncation, invalid body, path filters")
    func faults() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            sandbox.faults.failNext(1, status: 503, path: "/v2/")
            #expect(try await RawHTTP.get(port: port, "/api/v1/invoices", headers: fullKey).status == 200)
            #expect(try await RawHTTP.get(port: port, window).status == 503) // before authentication
            #expect(try await RawHTTP.get(port: port, window, headers: twotJSON).status == 200)
            sandbox.faults.rateLimitNext(1, retryAfter: "2", path: "/v2/customerinvoices")
            let limited = try await RawHTTP.get(port: port, "/v2/customerinvoices", headers: twotJSON)
            #expect(limited.status == 429 && limited.header("Retry-After") == "2")

            let whole = twotData.responseBody(.invoices, from: "2024-01-01", to: "2024-06-30", format: .xml)
            sandbox.faults.truncateNext(1, path: "/v2/invoices")
            let cut = try await RawHTTP.get(port: port, window, headers: twotAuth)
            #expect(cut.status == 200 && cut.contentLength == whole.count && !cut.complete)
            let prefix = Array(whole.prefix(cut.body.count)) == cut.body
            #expect(prefix && cut.body.count > 0)

            sandbox.faults.invalidJSONNext(1, path: "/v2/")
            let broken = try await RawHTTP.get(port: port, window, headers: twotJSON)
            #expect(broken.status == 200 && broken.complete)
            #expect(throws: (any Error).self) { try TJ.parse(broken.body) }
            #expect(sandbox.faults.pendingCount == 0)
            #expect(sandbox.requestLog.compactMap(\.fault) == ["status-503", "rate-limit", "truncated-contentLength", "invalid-json"])
        }
    }

    @Test("mutateFields: AccountId/SubscriptionId, another order, extra members; same values (JSON only)")
    func mutateFields() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            let plain = try await RawHTTP.get(port: port, window, headers: twotJSON).body
            let plainXML = try await RawHTTP.get(port: port, window, headers: twotAuth).body
            sandbox.faults.mutateFields = true
            let mutated = try await RawHTTP.get(port: port, window, headers: twotJSON).body
            let again = try await RawHTTP.get(port: port, window, headers: twotJSON).body
            let xml = try await RawHTTP.get(port: port, window, headers: twotAuth).body
            sandbox.faults.mutateFields = false
            let deterministic = mutated == again
            let xmlUnchanged = xml == plainXML
            #expect(mutated != plain && deterministic && xmlUnchanged)
            let plainTree = try TJ.parse(plain)
            let mutatedTree = try TJ.parse(mutated)
            let names = Set(mutatedTree.allNames)
            #expect(names.contains("AccountId") && names.contains("SubscriptionId") && !names.contains("AccountID"))
            let known = Set(plainTree.allNames.map { $0.lowercased() })
            #expect(names.contains { !known.contains($0.lowercased()) })
            let sameContent = mutatedTree.normalized(keeping: known) == plainTree.normalized(keeping: known)
            #expect(sameContent)
            #expect(try ServedTwoTCloud.jsonLines(mutated) == ServedTwoTCloud.jsonLines(plain))
        }
    }

    @Test("corruptDocument works on 2tCloud documents, in JSON and XML")
    func corrupt() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            let target = twotData.documents(.invoices, from: "2024-01-01", to: "2024-06-30")[1].invoiceID
            sandbox.faults.corruptDocument(invoiceID: target)
            let json = try Served.documents(try await RawHTTP.get(port: port, window, headers: twotJSON).body)
            let bad = try #require(json.first { $0["Header"]?["InvoiceID"]?.string == target })
            #expect(Served.lines(bad).first?["ExtendedPrice"] == .string("12,5x"))
            let xml = try await RawHTTP.get(port: port, window, headers: twotAuth)
            #expect(xml.text.contains("<ExtendedPrice>12,5x</ExtendedPrice>"))
            #expect(sandbox.requestLog.last?.fault == "corrupt:\(target)")
        }
    }

    @Test("reissue over HTTP: same InvoiceID, changed content")
    func reissue() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            let target = try #require(twotData.customerInvoices.last { !$0.isCredit })
            let path = "/v2/customerinvoices?startDate=\(compact(target.date))&endDate=\(compact(target.date))"
            let before = try ServedTwoTCloud.jsonLines(try await RawHTTP.get(port: port, path, headers: twotJSON).body).filter { $0.invoiceID == target.invoiceID }
            #expect(sandbox.reissueTwoTCloud(invoiceID: target.invoiceID))
            #expect(!sandbox.reissueTwoTCloud(invoiceID: "SI-000000-0"))
            let after = try ServedTwoTCloud.jsonLines(try await RawHTTP.get(port: port, path, headers: twotJSON).body).filter { $0.invoiceID == target.invoiceID }
            #expect(after.count == before.count + 1)
            #expect(after[0].quantity != before[0].quantity && after[0].lineID == before[0].lineID)
            #expect(sandbox.twotcloudData.document(invoiceID: target.invoiceID)?.revision == 1)
            let added = try #require(Set(after.map(\.lineID)).subtracting(before.map(\.lineID)).first.flatMap { Int($0) })
            #expect(sandbox.twotcloudData.anomalies.contains { $0.kind == .unbacked && $0.customerLineIDs == [added] })
        }
    }

    @Test("describe() has a 2tCloud section: endpoints, credentials, env vars, a curl -u example")
    func describe() async throws {
        try await withTwoTCloudSandbox { sandbox, port in
            let text = sandbox.describe()
            #expect(text.contains("BILLWH_COPACO_BASE_URL=http://127.0.0.1:\(port)"))
            #expect(text.contains("BILLWH_TWOTCLOUD_BASE_URL=http://127.0.0.1:\(port)"))
            #expect(text.contains("BILLWH_TWOTCLOUD_ACCOUNT_ID=100042"))
            #expect(text.contains("BILLWH_TWOTCLOUD_API_KEY=sandbox-2tcloud-key"))
            #expect(text.contains("curl -s -u '100042:sandbox-2tcloud-key'"))
            for endpoint in TwoTCloudEndpoint.allCases {
                #expect(text.contains("GET \(endpoint.path(version: "v2")) "))
            }
            #expect(text.contains(twotData.expectations))
        }
    }
}
