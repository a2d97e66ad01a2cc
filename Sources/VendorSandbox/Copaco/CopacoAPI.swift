import Hummingbird
import Warehouse

/// The Copaco Cloud Billing API v1 as docs/vendors.md describes it: GET only, `X-Api-Key` (header
/// name configurable), `startDate`/`endDate` as `YYYYMMDD` (inclusive, on `Header.Date`;
/// default the last 3 months up to `today`), `{"Invoices":[...]}`, no paging.
struct CopacoAPI {
    let apiKey: String
    let limitedAPIKey: String
    let apiKeyHeader: String
    let today: CalendarDate

    /// The routes under `/api/v1`: the method (405), then the key (401/403), then the query (400).
    func addRoutes(to router: SandboxRouter, core: SandboxCore) {
        for endpoint in CopacoEndpoint.allCases {
            let routes = router.group(RouterPath(endpoint.path()))
            routes.refuseMethods(on: "", allowed: [.get])
            routes.add(middleware: KeyMiddleware(api: self, endpoint: endpoint))
            routes.get { request, context in
                let data = core.state.withLock { $0.copacoData }
                return core.deliver(respond(endpoint: endpoint, query: request.uri.query, data: data, faults: core.faults, exchange: context.exchange),
                                    path: request.uri.path, context: context)
            }
        }
    }

    /// The key in `apiKeyHeader`: the full key reads every endpoint, the limited one only the examples.
    struct KeyMiddleware: RouterMiddleware {
        let api: CopacoAPI
        let endpoint: CopacoEndpoint

        func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
            let credential: SandboxCredential
            switch request.header(api.apiKeyHeader) {
            case nil, "": credential = .missing
            case api.apiKey: credential = .full
            case api.limitedAPIKey: credential = .limited
            default: credential = .unknown
            }
            context.exchange.credential = credential
            switch credential {
            case .missing:
                return SandboxReply.message(401, "Missing API key: send it in the \(api.apiKeyHeader) header.").response()
            case .unknown:
                return SandboxReply.message(401, "The API key is not valid or has expired.").response()
            case .limited where endpoint != .exampleInvoices:
                return SandboxReply.message(403, "This API key has no permission for \(endpoint.path()).").response()
            default:
                return try await next(request, context)
            }
        }
    }

    /// The documents of the window the query asks for (400 when it cannot be read).
    func respond(endpoint: CopacoEndpoint, query: String?, data: CopacoSandboxData, faults: SandboxFaults, exchange: SandboxExchange) -> SandboxReply {
        let window: (from: CalendarDate, to: CalendarDate)
        switch CopacoAPI.window(query: query, today: today) {
        case .success(let value): window = value
        case .failure(let problem): return .message(400, problem.message)
        }
        let documents = data.documents(endpoint, from: window.from.iso, to: window.to.iso)
        let corrupted = faults.corruptedDocuments
        let mutate = faults.mutateFields
        if mutate { exchange.note("mutated") }
        for document in documents where corrupted[document.invoiceID] != nil { exchange.note("corrupt:\(document.invoiceID)") }
        var options = InvoiceRenderer.Options(seed: data.seed)
        options.mutateFields = mutate
        options.corrupt = corrupted
        options.drift = faults.drift(for: endpoint.path())
        if !options.drift.isEmpty { exchange.note("drift") }
        let chunks = InvoiceRenderer.responseChunks(documents, dialect: .copaco, options: options)
        return SandboxReply(status: 200, headers: [("Content-Type", "application/json")], chunks: chunks)
    }

    struct Problem: Error { let message: String }

    static func window(query: String?, today: CalendarDate) -> Result<(from: CalendarDate, to: CalendarDate), Problem> {
        var start: CalendarDate?
        var end: CalendarDate?
        for (name, value) in QueryString.parse(query) {
            switch name {
            case "startDate", "endDate":
                guard let day = CalendarDate(compact: value) else {
                    return .failure(Problem(message: "Invalid \(name) '\(value.prefix(40))': expected a date as YYYYMMDD."))
                }
                if name == "startDate" { start = day } else { end = day }
            default:
                continue
            }
        }
        let to = end ?? today
        let from = start ?? to.adding(months: -3)
        guard from <= to else {
            return .failure(Problem(message: "startDate \(from.compact) is after endDate \(to.compact)."))
        }
        return .success((from, to))
    }
}

enum QueryString {
    /// `a=b&c=%20d` into pairs, percent-decoded (`+` is a space).
    static func parse(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            return (name, value)
        }
    }

    static func decode(_ text: Substring) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 65...70: byte - 55
            case 97...102: byte - 87
            default: nil
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
