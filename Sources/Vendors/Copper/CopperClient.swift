import Foundation
import Ingestion
import JSON
import Warehouse

/// Copper CRM Developer API v1 (docs/vendors.md): companies in, monthly figures out.
package struct CopperSettings: Sendable {
    package var baseURL: String
    package var accessToken: Secret
    package var userEmail: String
    /// The company custom field (by definition name) that holds vendor customer numbers.
    package var customerNumberField: String
    /// Custom fields (by definition name) `publish copper` writes the month's billed total and
    /// margin to; nil: not written.
    package var billedField: String?
    package var marginField: String?
    /// Whether `publish copper` also posts an activity note per company.
    package var publishNote: Bool
    /// Copper's activity type for the note (`{"category": "user", "id": N}`; 0 is "Note").
    package var noteActivityTypeID: Int
    /// Client-side pacing: Copper allows 180 requests per rolling minute per key; staying
    /// below it by design leaves room for a retry.
    package var requestsPerWindow: Int
    package var window: Duration
    package var pageSize: Int
    /// One search reaches at most this many records; bigger syncs continue in a new search
    /// from the last modified date seen.
    package var maxRecordsPerSearch: Int
    /// An incremental sync starts this long before the last modification seen.
    package var overlapSeconds: Int64

    package init(baseURL: String = "https://api.copper.com/developer_api/v1", accessToken: Secret, userEmail: String,
                customerNumberField: String = "Customer Number", billedField: String? = nil, marginField: String? = nil,
                publishNote: Bool = false, noteActivityTypeID: Int = 0, requestsPerWindow: Int = 160,
                window: Duration = .seconds(60), pageSize: Int = 200, maxRecordsPerSearch: Int = 100_000, overlapSeconds: Int64 = 300) {
        self.baseURL = baseURL
        self.accessToken = accessToken
        self.userEmail = userEmail
        self.customerNumberField = customerNumberField
        self.billedField = billedField
        self.marginField = marginField
        self.publishNote = publishNote
        self.noteActivityTypeID = noteActivityTypeID
        self.requestsPerWindow = requestsPerWindow
        self.window = window
        self.pageSize = pageSize
        self.maxRecordsPerSearch = maxRecordsPerSearch
        self.overlapSeconds = overlapSeconds
    }
}

/// Keeps requests under a rolling-window limit: `acquire()` waits until one more request fits.
package actor RequestPacer {
    let limit: Int
    let window: Duration
    private var sent: [ContinuousClock.Instant] = []

    package init(limit: Int, window: Duration) {
        self.limit = max(1, limit)
        self.window = window
    }

    package func acquire() async throws {
        let clock = ContinuousClock()
        while true {
            // A cancelled caller takes no slot, even one that is free.
            try Task.checkCancellation()
            let now = clock.now
            sent.removeAll { now - $0 >= window }
            if sent.count < limit {
                sent.append(now)
                return
            }
            try await Task.sleep(until: sent[0] + window + .milliseconds(5), clock: clock)
        }
    }

    /// Requests made without `acquire()` (a fetch's retries) still count.
    package func record(_ count: Int) {
        guard count > 0 else { return }
        let now = ContinuousClock.now
        sent.append(contentsOf: Array(repeating: now, count: count))
    }
}

package struct CopperCustomFieldDefinition: Sendable, Equatable {
    package var id: Int64
    package var name: String
    package var dataType: String?
    /// `available_on` as sent (`company`, `person`, …); nil when not sent.
    package var availableOn: [String]? = nil

    var isOnCompanies: Bool { availableOn.map { $0.contains { $0.lowercased() == "company" } } ?? true }
}

extension [CopperCustomFieldDefinition] {
    /// The company field with this name, ignoring case and surrounding whitespace (a name
    /// typed with a trailing space in Copper or in the environment): one that exists on
    /// companies wins over a namesake on people, and the exact spelling over another letter
    /// case. Two fields still tied are refused: reading or writing the wrong one would unlink
    /// every purchase, or put an amount where nobody looks, without a word.
    func companyField(named name: String) throws(CopperError) -> CopperCustomFieldDefinition? {
        let wanted = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let named = filter { $0.name.trimmingCharacters(in: .whitespacesAndNewlines).caseInsensitiveCompare(wanted) == .orderedSame }
        let onCompanies = named.filter(\.isOnCompanies)
        let candidates = onCompanies.isEmpty ? named : onCompanies
        let exact = candidates.filter { $0.name.trimmingCharacters(in: .whitespacesAndNewlines) == wanted }
        let best = exact.isEmpty ? candidates : exact
        guard best.count <= 1 else {
            throw .settings("Copper has \(best.count) company custom fields named \(JSONString.quoted(wanted)) (ids \(best.map { String($0.id) }.joined(separator: ", "))): "
                            + "billwh cannot tell which one holds the value; rename or delete the others in Copper's settings")
        }
        return best.first
    }

    /// `companyField(named:)`, refusing a name Copper does not have: `setting` names where the
    /// name came from, so the message says what to change.
    func requiredCompanyField(named name: String, setting: String) throws(CopperError) -> CopperCustomFieldDefinition {
        guard let field = try companyField(named: name) else {
            throw .settings("Copper has no company custom field named \(JSONString.quoted(name)) (\(setting)); its custom fields are: \(quotedNames)")
        }
        return field
    }

    /// The names for an error message, quoted so that stray spaces show.
    var quotedNames: String { map { JSONString.quoted($0.name) }.joined(separator: ", ") }
}

package struct CopperCompany: Sendable {
    package var id: Int64
    package var name: String?
    package var assigneeID: Int64?
    package var emailDomain: String?
    package var tags: [String]
    package var dateModified: Int64
    package var customFields: [(definitionID: Int64, value: String?)]
    /// Custom fields whose value is none of what the contract allows (text, a number, null),
    /// by definition, with the JSON type they came as: read as "no value", a customer-number
    /// field would unlink the company's purchases without a word.
    package var unreadableFields: [Int64: String] = [:]

    package func value(of definition: Int64) -> String? {
        customFields.first { $0.definitionID == definition }?.value
    }
}

package struct CopperClient: Sendable {
    package let settings: CopperSettings
    package let fetcher: HTTPFetcher
    package let pacer: RequestPacer

    package init(settings: CopperSettings, fetcher: HTTPFetcher) {
        self.settings = settings
        self.fetcher = fetcher
        self.pacer = RequestPacer(limit: settings.requestsPerWindow, window: settings.window)
    }

    package static let advice = "Copper did not accept the request: check BILLWH_COPPER_ACCESS_TOKEN (or _FILE) is an active API key and BILLWH_COPPER_USER_EMAIL is the email of the user who owns it (an admin, or team permissions hide records)"

    func request(_ method: String, _ path: String, body: [UInt8]? = nil, repeatable: Bool = true) -> VendorRequest {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        return VendorRequest(
            method: method, url: base + path,
            headers: [("X-PW-Application", "developer_api"), ("X-PW-UserEmail", settings.userEmail),
                      ("Content-Type", "application/json"), ("Accept", "application/json"), ("User-Agent", "billwh")],
            secretHeaders: [("X-PW-AccessToken", settings.accessToken)],
            body: body, repeatable: repeatable)
    }

    /// One paced call; returns the body of a 2xx answer. `repeatable`: VendorRequest.repeatable.
    package func send(_ method: String, _ path: String, body: [UInt8]? = nil, repeatable: Bool = true,
                      statistics: inout FetchStatistics) async throws -> [UInt8] {
        try await pacer.acquire()
        var local = FetchStatistics()
        defer {
            statistics.requests += local.requests
            statistics.retries += local.retries
        }
        do {
            let bytes = try await fetcher.fetch(request(method, path, body: body, repeatable: repeatable), label: "copper \(method) \(path)",
                                                advice: { _ in Self.advice }, statistics: &local)
            await pacer.record(local.requests - 1)
            return bytes
        } catch {
            await pacer.record(local.requests - 1)
            throw error
        }
    }

    package func customFieldDefinitions(statistics: inout FetchStatistics) async throws -> [CopperCustomFieldDefinition] {
        let body = try await send("GET", "/custom_field_definitions", statistics: &statistics)
        guard case .array(let items) = try JSONParser.parse(body) else {
            throw DocumentRejection("custom_field_definitions: expected an array")
        }
        return items.compactMap { item in
            guard case .object(let o) = item, let id = o.int64("id"), let name = o.string("name") else { return nil }
            var availableOn: [String]?
            if case .array(let places)? = o["available_on"] {
                availableOn = places.compactMap { if case .string(let place) = $0 { place } else { nil } }
            }
            return CopperCustomFieldDefinition(id: id, name: name, dataType: o.string("data_type"), availableOn: availableOn)
        }
    }

    /// One page of `POST /companies/search`, sorted by `date_modified` ascending from
    /// `minimumModified` (inclusive): each company's exact bytes and its fields. A page that
    /// arrived whole but is not a JSON array throws `UnreadablePage`, holding its bytes.
    package func searchPage(minimumModified: Int64?, page: Int, statistics: inout FetchStatistics) async throws -> [CopperSearchItem] {
        var body = "{\"page_size\":\(settings.pageSize),\"page_number\":\(page),\"sort_by\":\"date_modified\",\"sort_direction\":\"asc\""
        if let minimumModified { body += ",\"minimum_modified_date\":\(minimumModified)" }
        body += "}"
        let bytes = try await send("POST", "/companies/search", body: Array(body.utf8), statistics: &statistics)
        let elements: [(range: Range<Int>, value: JSONValue)]
        do { elements = try JSONParser.parseArray(bytes) } catch {
            throw UnreadablePage(body: bytes, reason: "companies/search: the answer is not a JSON array of companies: \(error)")
        }
        let echo = CredentialEcho(request("POST", "/companies/search"))
        return elements.map { element in
            let raw = Array(bytes[element.range])
            // Kept out, and quarantined without them: crm_companies and its raw rows are read by analysts.
            if echo.isEchoed(in: raw[...]) {
                return CopperSearchItem(raw: echo.redacting(raw), id: nil, company: .failure(DocumentRejection(CredentialEcho.reason)))
            }
            guard case .object(let o) = element.value else {
                return CopperSearchItem(raw: raw, id: nil, company: .failure(DocumentRejection("expected a company object, got \(element.value.kind)")))
            }
            return CopperSearchItem(raw: raw, id: o.int64("id"), company: Self.company(o))
        }
    }

    /// A search answer that came whole but cannot be read: quarantined with its bytes.
    package struct UnreadablePage: Error, CustomStringConvertible {
        package var body: [UInt8]
        package var reason: String
        package var description: String { reason }
    }

    static func company(_ o: JSONObject) -> Result<CopperCompany, DocumentRejection> {
        guard let id = o.int64("id") else { return .failure(DocumentRejection("id: missing or not a whole number")) }
        guard let modified = o.int64("date_modified") else { return .failure(DocumentRejection("date_modified: missing or not a whole number")) }
        // The sync's next search starts at the latest date read: one far ahead (milliseconds
        // where the contract sends seconds) would make every later search miss every change.
        guard modified <= Int64(Date().timeIntervalSince1970) + 86_400 else {
            return .failure(DocumentRejection("date_modified: \(modified) is in the future (seconds since 1970 are expected, not milliseconds); the company's earlier version stays current"))
        }
        var tags: [String] = []
        if case .array(let items)? = o["tags"] {
            for case .string(let tag) in items { tags.append(tag) }
        }
        // Every company has the array (empty when no field is set). Without it the customer
        // numbers cannot be told apart from "none": read as none, the company's purchases
        // would be unlinked without a word.
        guard case .array(let items)? = o["custom_fields"] else {
            return .failure(DocumentRejection("custom_fields: missing (absent or null, not an empty list) — field renamed or removed by Copper? The company's earlier version stays current"))
        }
        var fields: [(Int64, String?)] = []
        var unreadable: [Int64: String] = [:]
        for case .object(let field) in items {
            guard let definition = field.int64("custom_field_definition_id") else { continue }
            switch field["value"] {
            case .string(let s)?: fields.append((definition, s))
            // A number field's value: 10577.0 is the customer number 10577.
            case .number(let n)?: fields.append((definition, (try? ExactDecimal(parsing: n).description) ?? n))
            case nil, .null?: fields.append((definition, nil))
            case let other?: unreadable[definition] = other.kind
            }
        }
        return .success(CopperCompany(id: id, name: o.string("name"), assigneeID: o.int64("assignee_id"), emailDomain: o.string("email_domain"),
                                      tags: tags, dateModified: modified, customFields: fields, unreadableFields: unreadable))
    }
}

/// One company of a search page: its exact bytes, its id when readable (also for a company
/// that is quarantined), and the company or why it cannot be read.
package struct CopperSearchItem: Sendable {
    package var raw: [UInt8]
    package var id: Int64?
    package var company: Result<CopperCompany, DocumentRejection>
}

extension JSONObject {
    /// A whole number, also when sent as `2.0` or as a string.
    func int64(_ name: String) -> Int64? {
        let text: String
        switch self[name] {
        case .number(let n)?: text = n
        case .string(let s)?: text = s
        default: return nil
        }
        if let value = Int64(text) { return value }
        guard let canonical = try? ExactDecimal(parsing: text).description else { return nil }
        return Int64(canonical)
    }

    func string(_ name: String) -> String? {
        if case .string(let s)? = self[name] { return s }
        return nil
    }
}

/// Copper's answers do not fit the settings (a custom field that is not there), or its data
/// cannot be paged; the message says what to set.
package enum CopperError: Error, CustomStringConvertible {
    case settings(String)

    package var description: String {
        switch self {
        case .settings(let message): message
        }
    }
}
