import Hummingbird
import JSON
import Warehouse
import Synchronization

/// The Copper CRM Developer API v1 as docs/vendors.md describes it, under `/developer_api/v1`:
///
/// - `GET /custom_field_definitions`, `GET /activity_types`
/// - `POST /companies/search`: paged, sorted, sliced by `minimum/maximum_modified_date`; a bare
///   JSON array with `X-PW-TOTAL` (an upper bound: the true count plus a few); `422` on an
///   unknown body attribute; only the first `searchCap` records of one search are reachable.
///   Without `sort_by` the order is the sandbox's "relevance": it changes from page to page,
///   so pages overlap (the contract's warning, made real).
/// - `GET /companies/{id}`, `PUT /companies/{id}` (partial update, recorded, `date_modified`
///   bumped), `POST /activities` (a note on a company, recorded).
///
/// Checks in this order: path (404), method (405), the three `X-PW-*` headers (401), the
/// rolling rate limit per access token (429), the body (400 bad JSON / 422 bad attribute or
/// value), the company (404). Error bodies are `{"message": ...}`.
final class CopperAPI: Sendable {
    static let basePath = "/developer_api/v1"

    struct State: Sendable {
        var data: CopperSandboxData
        var writes: [CopperWrite] = []
        var activities: [CopperSandboxActivity] = []
        /// Per access token: when each accepted request arrived (only those in the window are kept).
        var accepted: [String: [ContinuousClock.Instant]] = [:]
        var rateLimited = 0
        /// The sandbox's clock in unix seconds: never behind any `date_modified`.
        var clock: Int
        var nextActivityID = 5_100_000_001

        /// A new `date_modified`, later than every other.
        mutating func tick() -> Int {
            clock = max(clock, data.latestModified) + 1
            return clock
        }
    }

    let accessToken: String
    let userEmail: String
    let rateLimit: Int
    let rateWindow: Duration
    let sendsRetryAfter: Bool
    let searchCap: Int
    let state: Mutex<State>

    init(configuration: SandboxConfiguration) {
        accessToken = configuration.copperAccessToken
        userEmail = configuration.copperUserEmail
        rateLimit = max(1, configuration.copperRateLimit)
        rateWindow = configuration.copperRateWindow
        sendsRetryAfter = configuration.copperSendsRetryAfter
        searchCap = max(0, configuration.copperSearchCap)
        let data: CopperSandboxData
        if configuration.copperCompanies > 0 {
            data = .generate(seed: configuration.copperSeed ?? configuration.copacoData.seed, companies: configuration.copperCompanies,
                             vendorCustomers: CopperSandboxData.vendorCustomers(copaco: configuration.copacoData, twotcloud: configuration.twotcloudData),
                             today: configuration.today)
        } else {
            data = .empty
        }
        state = Mutex(State(data: data, clock: data.latestModified))
    }

    static func handles(path: String) -> Bool { path == "/developer_api" || path.hasPrefix("/developer_api/") }

    static func notFound(_ path: String) -> String {
        "No resource at \(path). Endpoints under \(basePath): GET /custom_field_definitions, GET /activity_types, POST /companies/search, GET|PUT /companies/{id}, POST /activities."
    }

    /// The routes under `/developer_api/v1`: the method (405), the three `X-PW-*` headers (401)
    /// and the rate limit (429), then the body (413, 400, 422) and the company (404).
    func addRoutes(to router: SandboxRouter, core: SandboxCore) {
        let routes = router.group(RouterPath(CopperAPI.basePath))
        routes.refuseMethods(on: "custom_field_definitions", allowed: [.get])
        routes.refuseMethods(on: "activity_types", allowed: [.get])
        routes.refuseMethods(on: "companies/search", allowed: [.post])
        routes.refuseMethods(on: "activities", allowed: [.post])
        routes.add(middleware: AuthMiddleware(api: self))
        @Sendable func answer(_ request: Request, _ context: SandboxRequestContext, _ reply: SandboxReply) -> Response {
            core.deliver(reply, path: request.uri.path, context: context)
        }
        routes.get("custom_field_definitions") { request, context in
            answer(request, context, CopperAPI.json(CopperRenderer.definitions(self.state.withLock { $0.data.fieldDefinitions })))
        }
        routes.get("activity_types") { request, context in
            answer(request, context, CopperAPI.json(CopperRenderer.activityTypes()))
        }
        routes.post("companies/search") { request, context in
            var request = request
            guard let body = await request.collectBody() else { return CopperAPI.tooLarge(context) }
            var notes: [String] = []
            let reply = self.search(body: body, faults: core.faults, notes: &notes)
            notes.forEach(context.exchange.note)
            return answer(request, context, reply)
        }
        // `{id}` is digits or not found, before the method or the headers are looked at.
        let company = router.group(RouterPath(CopperAPI.basePath + "/companies/:id"))
        company.add(middleware: CompanyIDMiddleware())
        company.refuseMethods(on: "", allowed: [.get, .put])
        company.add(middleware: AuthMiddleware(api: self))
        company.get { request, context in
            let id = CopperAPI.companyID(context) ?? 0
            guard let company = self.state.withLock({ $0.data.company(id: id) }) else {
                return answer(request, context, .message(404, "Resource not found: no company with id \(id)."))
            }
            var notes: [String] = []
            let reply = CopperAPI.json(self.mutated(CopperRenderer.company(company), faults: core.faults, seed: UInt64(id), notes: &notes))
            notes.forEach(context.exchange.note)
            return answer(request, context, reply)
        }
        company.put { request, context in
            let id = CopperAPI.companyID(context) ?? 0
            var request = request
            guard let body = await request.collectBody() else { return CopperAPI.tooLarge(context) }
            return answer(request, context, self.update(id: id, path: request.uri.path, body: body, received: context.exchange.received))
        }
        routes.post("activities") { request, context in
            var request = request
            guard let body = await request.collectBody() else { return CopperAPI.tooLarge(context) }
            return answer(request, context, self.createActivity(path: request.uri.path, body: body, received: context.exchange.received))
        }
    }

    /// The `{id}` of `/companies/{id}`: digits only.
    static func companyID(_ context: SandboxRequestContext) -> Int? {
        guard let text = context.parameters.get("id"), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    struct CompanyIDMiddleware: RouterMiddleware {
        func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
            guard CopperAPI.companyID(context) != nil else { throw HTTPError(.notFound) }
            return try await next(request, context)
        }
    }

    static func tooLarge(_ context: SandboxRequestContext) -> Response {
        context.exchange.note("body-too-large")
        return SandboxReply.message(413, "The request body is larger than \(SandboxCore.bodyLimit) bytes.").response()
    }

    /// The access token, application and user email, then the rolling rate limit per token.
    struct AuthMiddleware: RouterMiddleware {
        let api: CopperAPI

        func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
            let (credential, problem) = api.check(header: { request.header($0) })
            context.exchange.credential = credential
            if let problem { return SandboxReply.message(401, problem).response() }
            if let wait = api.admit(token: api.accessToken, at: context.exchange.received) {
                var reply = SandboxReply.message(429, "Rate limit exceeded: at most \(api.rateLimit) requests per \(CopperAPI.seconds(api.rateWindow)) s per API key.")
                if api.sendsRetryAfter { reply.headers.append(("Retry-After", String(max(1, CopperAPI.ceilSeconds(wait))))) }
                context.exchange.note("copper-rate-limit")
                return reply.response()
            }
            return try await next(request, context)
        }
    }

    // MARK: Authentication and rate limit

    /// `.missing` without `X-PW-AccessToken`; `.unknown` for a wrong token, application or user
    /// email (the message says which header, never a value); `.full` when all three match.
    func check(header: (String) -> String?) -> (SandboxCredential, String?) {
        guard let token = header("X-PW-AccessToken"), !token.isEmpty else {
            return (.missing, "Unauthorized: send the API key in the X-PW-AccessToken header, with X-PW-Application: developer_api and X-PW-UserEmail.")
        }
        guard token == accessToken else { return (.unknown, "Unauthorized: the API key in X-PW-AccessToken is not valid.") }
        guard header("X-PW-Application")?.trimmingSpaces == "developer_api" else {
            return (.unknown, "Unauthorized: X-PW-Application must be developer_api.")
        }
        guard let email = header("X-PW-UserEmail"), email.trimmingSpaces.lowercased() == userEmail.lowercased() else {
            return (.unknown, "Unauthorized: X-PW-UserEmail must be the email of the user who owns the API key.")
        }
        return (.full, nil)
    }

    /// nil: admitted (and counted). Else how long until the oldest request in the window
    /// leaves it. Refused requests do not count.
    func admit(token: String, at now: ContinuousClock.Instant) -> Duration? {
        let window = rateWindow, limit = rateLimit
        return state.withLock { state in
            var times = state.accepted[token] ?? []
            times.removeAll { now - $0 >= window }
            defer { state.accepted[token] = times }
            if times.count >= limit {
                state.rateLimited += 1
                let oldest = times.min() ?? now
                return max(.zero, oldest + window - now)
            }
            times.append(now)
            return nil
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, atto) = duration.components
        if atto == 0 { return String(whole) }
        let millis = Int(atto / 1_000_000_000_000_000)
        return "\(whole).\(pad(millis, 3))"
    }

    static func ceilSeconds(_ duration: Duration) -> Int {
        let (whole, atto) = duration.components
        return Int(whole) + (atto > 0 ? 1 : 0)
    }

    // MARK: Search

    struct Search {
        var pageSize = 20
        var pageNumber = 1
        var sortBy: String?
        var descending = false
        var minimumModified: Int?
        var maximumModified: Int?
    }

    static let searchAttributes = ["page_size", "page_number", "sort_by", "sort_direction", "minimum_modified_date", "maximum_modified_date"]
    static let sortFields = ["date_modified", "date_created", "name"]

    static func parseSearch(_ body: [UInt8]) -> Result<Search, Rejection> {
        let members: [(String, JSONValue)]
        switch object(body, allowEmpty: true) {
        case .success(let value): members = value
        case .failure(let rejection): return .failure(rejection)
        }
        var search = Search()
        var seen = Set<String>()
        for (name, value) in members {
            guard searchAttributes.contains(name) else {
                return .failure(.init(422, "Unknown attribute '\(name)' in the companies search. Allowed: \(searchAttributes.joined(separator: ", "))."))
            }
            guard seen.insert(name).inserted else { return .failure(.init(422, "Attribute '\(name)' is given twice.")) }
            if value == .null { continue }
            switch name {
            case "page_size":
                guard let size = integer(value), (1...200).contains(size) else {
                    return .failure(.init(422, "page_size must be an integer from 1 to 200."))
                }
                search.pageSize = size
            case "page_number":
                guard let number = integer(value), number >= 1 else { return .failure(.init(422, "page_number must be an integer of at least 1.")) }
                search.pageNumber = number
            case "sort_by":
                guard case .string(let field) = value, sortFields.contains(field) else {
                    return .failure(.init(422, "sort_by must be one of \(sortFields.joined(separator: ", "))."))
                }
                search.sortBy = field
            case "sort_direction":
                guard case .string(let direction) = value, direction == "asc" || direction == "desc" else {
                    return .failure(.init(422, "sort_direction must be asc or desc."))
                }
                search.descending = direction == "desc"
            case "minimum_modified_date":
                guard let seconds = integer(value), seconds >= 0 else { return .failure(.init(422, "minimum_modified_date must be unix seconds (an integer).")) }
                search.minimumModified = seconds
            default: // maximum_modified_date
                guard let seconds = integer(value), seconds >= 0 else { return .failure(.init(422, "maximum_modified_date must be unix seconds (an integer).")) }
                search.maximumModified = seconds
            }
        }
        return .success(search)
    }

    func search(body: [UInt8], faults: SandboxFaults, notes: inout [String]) -> SandboxReply {
        let search: Search
        switch CopperAPI.parseSearch(body) {
        case .success(let value): search = value
        case .failure(let rejection): return rejection.reply
        }
        let (companies, seed) = state.withLock { ($0.data.companies, $0.data.seed) }
        let (page, total) = CopperAPI.page(companies, search: search, cap: searchCap, seed: seed)
        if search.sortBy == nil { notes.append("unsorted") }
        let (offset, overflow) = (search.pageNumber - 1).multipliedReportingOverflow(by: search.pageSize)
        if overflow || offset + search.pageSize > searchCap { notes.append("search-cap") }
        var reply = CopperAPI.json(self.mutated(CopperRenderer.companies(page), faults: faults, seed: UInt64(search.pageNumber), notes: &notes))
        reply.headers.append(("X-PW-TOTAL", String(CopperAPI.totalUpperBound(total))))
        return reply
    }

    /// The page asked for, and how many companies match the filters.
    static func page(_ companies: [CopperSandboxCompany], search: Search, cap: Int, seed: UInt64) -> (ArraySlice<CopperSandboxCompany>, Int) {
        var matching = companies.filter { company in
            (search.minimumModified.map { company.dateModified >= $0 } ?? true) && (search.maximumModified.map { company.dateModified <= $0 } ?? true)
        }
        let total = matching.count
        let (offset, overflow) = (search.pageNumber - 1).multipliedReportingOverflow(by: search.pageSize)
        let reachable = min(total, cap)
        guard !overflow, offset < reachable else { return ([], total) }
        sort(&matching, search: search, seed: seed)
        return (matching[offset..<min(offset + search.pageSize, reachable)], total)
    }

    /// A total order: the sort key, then `id`, both in the direction asked. Without `sort_by`:
    /// an order drawn per page number (pages overlap).
    static func sort(_ companies: inout [CopperSandboxCompany], search: Search, seed: UInt64) {
        func ordered<Key: Comparable>(_ key: (CopperSandboxCompany) -> Key) {
            let keyed = companies.map { (key: key($0), company: $0) }
            let less: ((key: Key, company: CopperSandboxCompany), (key: Key, company: CopperSandboxCompany)) -> Bool = { a, b in
                a.key != b.key ? a.key < b.key : a.company.id < b.company.id
            }
            companies = keyed.sorted { search.descending ? less($1, $0) : less($0, $1) }.map(\.company)
        }
        switch search.sortBy {
        case "date_modified": ordered { $0.dateModified }
        case "date_created": ordered { $0.dateCreated }
        // Letter case ignored, then Unicode scalar order.
        case "name": ordered { ScalarKey(scalars: $0.name.lowercased().unicodeScalars.map(\.value)) }
        default:
            let pageLabel = UInt64(search.pageNumber)
            ordered { company -> UInt64 in
                var rng = SplitMix64.derive(seed, CopperSandboxData.domain, 0x5E, UInt64(company.id), pageLabel)
                return rng.next()
            }
        }
    }

    struct ScalarKey: Comparable {
        let scalars: [UInt32]
        static func < (a: ScalarKey, b: ScalarKey) -> Bool { a.scalars.lexicographicallyPrecedes(b.scalars) }
    }

    /// `X-PW-TOTAL`: at least the true count (Copper's is an estimate from above).
    static func totalUpperBound(_ total: Int) -> Int {
        total == 0 ? 0 : total + 1 + total % 5 + total / 100
    }

    // MARK: Writes

    static let companyAttributes = ["name", "address", "assignee_id", "contact_type_id", "details", "email_domain", "phone_numbers",
                                    "primary_contact_id", "socials", "tags", "websites", "custom_fields"]
    static let readOnlyAttributes = ["interaction_count", "date_created", "date_modified"]

    func update(id: Int, path: String, body: [UInt8], received: ContinuousClock.Instant) -> SandboxReply {
        let members: [(String, JSONValue)]
        switch CopperAPI.object(body, allowEmpty: false) {
        case .success(let value): members = value
        case .failure(let rejection): return rejection.reply
        }
        let text = String(decoding: body, as: UTF8.self)
        return state.withLock { state -> SandboxReply in
            guard let index = state.data.index(of: id) else { return .message(404, "Resource not found: no company with id \(id).") }
            var company = state.data.companies[index]
            var fields: [Int: CopperSandboxFieldValue] = [:]
            if let rejection = CopperAPI.apply(members, to: &company, definitions: state.data.fieldDefinitions, setFields: &fields) {
                return rejection.reply
            }
            company.dateModified = state.tick()
            state.data.companies[index] = company
            state.writes.append(CopperWrite(
                kind: .updateCompany, method: "PUT", path: path, companyID: id, body: text, attributes: members.map(\.0),
                customFields: fields, activity: nil, dateModified: company.dateModified, receivedAt: received))
            return CopperAPI.json(CopperRenderer.company(company))
        }
    }

    /// Applies a `PUT` body to the company; a rejection leaves the caller's copy to be dropped.
    static func apply(_ members: [(String, JSONValue)], to company: inout CopperSandboxCompany, definitions: [CopperSandboxFieldDefinition],
                      setFields: inout [Int: CopperSandboxFieldValue]) -> Rejection? {
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else { return Rejection(422, "Attribute '\(name)' is given twice.") }
            switch name {
            case "id":
                guard integer(value) == company.id else { return Rejection(422, "id is read-only (and differs from the company in the path).") }
            case "name":
                guard case .string(let text) = value, !text.isEmpty else { return Rejection(422, "name must be a non-empty string.") }
                company.name = text
            case "address":
                switch value {
                case .null: company.address = nil
                case .object(let parts):
                    var address = CopperSandboxAddress()
                    for (key, part) in parts.members {
                        let text: String?
                        switch part {
                        case .string(let s): text = s
                        case .null: text = nil
                        default: return Rejection(422, "address.\(key) must be a string or null.")
                        }
                        switch key {
                        case "street": address.street = text
                        case "city": address.city = text
                        case "state": address.state = text
                        case "postal_code": address.postalCode = text
                        case "country": address.country = text
                        default: return Rejection(422, "Unknown attribute 'address.\(key)'. Allowed: street, city, state, postal_code, country.")
                        }
                    }
                    company.address = address
                default: return Rejection(422, "address must be an object or null.")
                }
            case "assignee_id", "contact_type_id", "primary_contact_id":
                let number: Int?
                if value == .null { number = nil } else if let n = integer(value) { number = n } else {
                    return Rejection(422, "\(name) must be an integer or null.")
                }
                if name == "assignee_id" { company.assigneeID = number } else if name == "contact_type_id" { company.contactTypeID = number } else { company.primaryContactID = number }
            case "details", "email_domain":
                let text: String?
                switch value {
                case .string(let s): text = s
                case .null: text = nil
                default: return Rejection(422, "\(name) must be a string or null.")
                }
                if name == "details" { company.details = text } else { company.emailDomain = text }
            case "phone_numbers", "socials", "websites":
                let valueKey = name == "phone_numbers" ? "number" : "url"
                var items: [CopperSandboxLabeled] = []
                switch value {
                case .null: break
                case .array(let entries):
                    for entry in entries {
                        guard case .object(let parts) = entry else { return Rejection(422, "\(name) entries must be objects {\"\(valueKey)\", \"category\"}.") }
                        var item = CopperSandboxLabeled("", category: "work")
                        var hasValue = false
                        for (key, part) in parts.members {
                            guard case .string(let s) = part else { return Rejection(422, "\(name).\(key) must be a string.") }
                            if key == valueKey { item.value = s; hasValue = true } else if key == "category" { item.category = s } else {
                                return Rejection(422, "Unknown attribute '\(name).\(key)'. Allowed: \(valueKey), category.")
                            }
                        }
                        guard hasValue else { return Rejection(422, "\(name) entries need \"\(valueKey)\".") }
                        items.append(item)
                    }
                default: return Rejection(422, "\(name) must be an array or null.")
                }
                if name == "phone_numbers" { company.phoneNumbers = items } else if name == "socials" { company.socials = items } else { company.websites = items }
            case "tags":
                var tags: [String] = []
                switch value {
                case .null: break
                case .array(let entries):
                    for entry in entries {
                        guard case .string(let tag) = entry else { return Rejection(422, "tags must be strings.") }
                        tags.append(tag)
                    }
                default: return Rejection(422, "tags must be an array of strings or null.")
                }
                company.tags = tags
            case "custom_fields":
                guard case .array(let entries) = value else { return Rejection(422, "custom_fields must be an array of {\"custom_field_definition_id\", \"value\"}.") }
                for entry in entries {
                    guard case .object(let parts) = entry else { return Rejection(422, "custom_fields entries must be objects.") }
                    var definitionID: Int?
                    var fieldValue: JSONValue?
                    for (key, part) in parts.members {
                        switch key {
                        case "custom_field_definition_id":
                            guard let n = integer(part) else { return Rejection(422, "custom_field_definition_id must be an integer.") }
                            definitionID = n
                        case "value": fieldValue = part
                        default: return Rejection(422, "Unknown attribute 'custom_fields.\(key)'. Allowed: custom_field_definition_id, value.")
                        }
                    }
                    guard let definitionID else { return Rejection(422, "custom_fields entries need custom_field_definition_id.") }
                    guard let definition = definitions.first(where: { $0.id == definitionID }) else {
                        return Rejection(422, "Unknown custom_field_definition_id \(definitionID).")
                    }
                    guard definition.isOnCompanies else {
                        return Rejection(422, "Custom field \(definitionID) ('\(definition.name)') is not available on companies.")
                    }
                    let stored: CopperSandboxFieldValue
                    switch checkValue(fieldValue ?? .null, for: definition) {
                    case .success(let v): stored = v
                    case .failure(let rejection): return rejection
                    }
                    company.setCustomField(definitionID, stored)
                    setFields[definitionID] = stored
                }
            default:
                if readOnlyAttributes.contains(name) { return Rejection(422, "\(name) is read-only.") }
                return Rejection(422, "Unknown attribute '\(name)' for a company. Allowed: \(companyAttributes.joined(separator: ", ")).")
            }
        }
        return nil
    }

    /// String/Text: a string; Float: a number (kept as its text); Dropdown: an option id;
    /// Date: unix seconds; `null` clears any of them.
    static func checkValue(_ value: JSONValue, for definition: CopperSandboxFieldDefinition) -> Result<CopperSandboxFieldValue, Rejection> {
        if value == .null { return .success(.null) }
        let label = "Custom field \(definition.id) ('\(definition.name)', \(definition.dataType.rawValue))"
        switch definition.dataType {
        case .string, .text:
            guard case .string(let text) = value else { return .failure(Rejection(422, "\(label) takes a string or null.")) }
            return .success(.string(text))
        case .float:
            guard case .number(let text) = value else { return .failure(Rejection(422, "\(label) takes a number or null.")) }
            return .success(.number(text))
        case .dropdown:
            guard let option = integer(value), definition.options.contains(where: { $0.id == option }) else {
                return .failure(Rejection(422, "\(label) takes one of the option ids \(definition.options.map { String($0.id) }.joined(separator: ", ")) or null."))
            }
            return .success(.number(String(option)))
        case .date:
            guard let seconds = integer(value) else { return .failure(Rejection(422, "\(label) takes unix seconds (an integer) or null.")) }
            return .success(.number(String(seconds)))
        }
    }

    static let activityAttributes = ["parent", "type", "details", "activity_date"]

    func createActivity(path: String, body: [UInt8], received: ContinuousClock.Instant) -> SandboxReply {
        let members: [(String, JSONValue)]
        switch CopperAPI.object(body, allowEmpty: false) {
        case .success(let value): members = value
        case .failure(let rejection): return rejection.reply
        }
        var parentID: Int?
        var typeID: Int?
        var details = ""
        var activityDate: Int?
        var seen = Set<String>()
        for (name, value) in members {
            guard CopperAPI.activityAttributes.contains(name) else {
                return .message(422, "Unknown attribute '\(name)' for an activity. Allowed: \(CopperAPI.activityAttributes.joined(separator: ", ")).")
            }
            guard seen.insert(name).inserted else { return .message(422, "Attribute '\(name)' is given twice.") }
            switch name {
            case "parent":
                guard case .object(let parts) = value else { return .message(422, "parent must be an object {\"type\": \"company\", \"id\": N}.") }
                for (key, part) in parts.members {
                    switch key {
                    case "type":
                        guard case .string(let type) = part else { return .message(422, "parent.type must be a string.") }
                        guard type == "company" else { return .message(422, "parent.type '\(type)' is not served by the sandbox: use company.") }
                    case "id":
                        guard let n = CopperAPI.integer(part) else { return .message(422, "parent.id must be an integer.") }
                        parentID = n
                    default: return .message(422, "Unknown attribute 'parent.\(key)'. Allowed: type, id.")
                    }
                }
                guard parts.members.contains(where: { $0.key == "type" }) else { return .message(422, "parent.type is required (company).") }
            case "type":
                guard case .object(let parts) = value else { return .message(422, "type must be an object {\"category\": \"user\", \"id\": N}.") }
                var category: String?
                for (key, part) in parts.members {
                    switch key {
                    case "category":
                        guard case .string(let c) = part else { return .message(422, "type.category must be a string.") }
                        category = c
                    case "id":
                        guard let n = CopperAPI.integer(part) else { return .message(422, "type.id must be an integer.") }
                        typeID = n
                    default: return .message(422, "Unknown attribute 'type.\(key)'. Allowed: category, id.")
                    }
                }
                guard category == "user" else { return .message(422, "type.category must be user (system activities cannot be created).") }
                guard let typeID, CopperCatalog.userActivityTypes.contains(where: { $0.id == typeID }) else {
                    return .message(422, "type.id must be a user activity type: \(CopperCatalog.userActivityTypes.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")).")
                }
            case "details":
                guard case .string(let text) = value else { return .message(422, "details must be a string.") }
                details = text
            default: // activity_date
                guard let seconds = CopperAPI.integer(value) else { return .message(422, "activity_date must be unix seconds (an integer).") }
                activityDate = seconds
            }
        }
        guard let parentID else { return .message(422, "parent {\"type\": \"company\", \"id\": N} is required.") }
        guard let typeID else { return .message(422, "type {\"category\": \"user\", \"id\": N} is required.") }
        let text = String(decoding: body, as: UTF8.self)
        return state.withLock { state -> SandboxReply in
            guard state.data.index(of: parentID) != nil else { return .message(404, "Resource not found: no company with id \(parentID).") }
            let now = max(state.clock, state.data.latestModified)
            let activity = CopperSandboxActivity(
                id: state.nextActivityID, parentType: "company", companyID: parentID, typeCategory: "user", typeID: typeID,
                details: details, activityDate: activityDate ?? now, dateCreated: now)
            state.nextActivityID += 1
            state.activities.append(activity)
            state.writes.append(CopperWrite(
                kind: .createActivity, method: "POST", path: path, companyID: parentID, body: text, attributes: members.map(\.0),
                customFields: [:], activity: activity, dateModified: nil, receivedAt: received))
            return CopperAPI.json(CopperRenderer.activity(activity, userID: CopperCatalog.adminUserID))
        }
    }

    // MARK: Helpers

    struct Rejection: Error {
        let status: Int
        let message: String
        init(_ status: Int, _ message: String) {
            self.status = status
            self.message = message
        }
        var reply: SandboxReply { .message(status, message) }
    }

    /// The body's members: `400` if it is not JSON, `422` if it is not an object. An empty
    /// body is `{}` when `allowEmpty`.
    static func object(_ body: [UInt8], allowEmpty: Bool) -> Result<[(String, JSONValue)], Rejection> {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return allowEmpty ? .success([]) : .failure(Rejection(422, "The request body must be a JSON object."))
        }
        let node: JSONValue
        do { node = try JSONParser.parse(body) } catch { return .failure(Rejection(400, "The request body is not valid JSON: \(error)")) }
        guard case .object(let object) = node else { return .failure(Rejection(422, "The request body must be a JSON object.")) }
        return .success(object.members.map { ($0.key, $0.value) })
    }

    /// A JSON number written as an integer (`-`? digits: no fraction, no exponent) that fits an Int.
    static func integer(_ node: JSONValue) -> Int? {
        guard case .number(let text) = node else { return nil }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    static func json(_ bytes: [UInt8]) -> SandboxReply {
        SandboxReply(status: 200, headers: [("Content-Type", "application/json")], chunks: [bytes])
    }

    /// With the `mutateFields` fault: member names in other letter cases, other order, extra members.
    func mutated(_ bytes: [UInt8], faults: SandboxFaults, seed: UInt64, notes: inout [String]) -> [UInt8] {
        guard faults.mutateFields, let tree = try? JSONParser.parse(bytes) else { return bytes }
        var mutator = FieldMutator(rng: SplitMix64.derive(seed, CopperSandboxData.domain, 0x3A7E))
        var writer = JSONWriter(capacity: bytes.count + bytes.count / 4)
        CopperAPI.dropCollidingExtras(mutator.mutate(tree)).write(to: &writer)
        notes.append("mutated")
        return writer.bytes
    }

    /// `FieldMutator`'s extra members were chosen not to collide with Copaco's fields; one
    /// (`Tags`) is a Copper field: an extra whose name equals (ignoring case) another member's
    /// is dropped, so every name stays unique ignoring case.
    static func dropCollidingExtras(_ node: JSONValue) -> JSONValue {
        switch node {
        case .object(let object):
            let members = object.members.map { ($0.key, $0.value) }
            var counts: [String: Int] = [:]
            for (name, _) in members { counts[name.lowercased(), default: 0] += 1 }
            let kept = members.filter { member in
                !(counts[member.0.lowercased(), default: 0] > 1 && FieldMutator.extras.contains { $0.0 == member.0 && $0.1 == member.1 })
            }
            return .object(kept.map { ($0.0, dropCollidingExtras($0.1)) })
        case .array(let items):
            return .array(items.map(dropCollidingExtras))
        default:
            return node
        }
    }
}
