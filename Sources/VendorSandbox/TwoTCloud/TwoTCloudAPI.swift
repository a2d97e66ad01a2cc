import Foundation
import Hummingbird
import Warehouse

/// The 2tCloud Billing API as docs/vendors.md describes it: `GET /{version}/invoices`,
/// `/customerinvoices`, `/consolidatedinvoices`; HTTP Basic (`accountID:apiKey`), each key bound
/// to one caller IP; `startDate`/`endDate` as `YYYYMMDD` (inclusive, on `Header.Date`; without
/// them the last 3 months up to `today`, as Copaco — the contract does not say); JSON with
/// `Accept: application/json`, XML otherwise. Error bodies are `{"message": ...}` JSON.
struct TwoTCloudAPI {
    let accountID: String
    let apiKey: String
    /// Versions answered (`v1`…`v4` by default); any other `/vN/...` is a 404.
    let versions: [String]
    let today: CalendarDate

    /// `base64(accountID:apiKey)`: what follows `Basic ` in a correct `Authorization` header.
    var basicToken: String { Data("\(accountID):\(apiKey)".utf8).base64EncodedString() }

    static let forbiddenMessage = "Forbidden: the request was not authorised. Check that the Authorization header is HTTP Basic with the reseller's Account ID and an active Billing API key, and that the request comes from the IP address bound to that key."

    /// `/v` + digits, then `/` or the end: 2tCloud's routes.
    static func handles(path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "/"), bytes[1] == UInt8(ascii: "v") || bytes[1] == UInt8(ascii: "V") else { return false }
        var index = 2
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
        return index > 2 && (index == bytes.count || bytes[index] == UInt8(ascii: "/"))
    }

    /// The endpoint of `/{version}/{endpoint}` (letter case ignored); nil for a version that is
    /// not served or no such endpoint.
    func resolve(version: String, endpoint: String) -> TwoTCloudEndpoint? {
        versions.contains(version.lowercased()) ? TwoTCloudEndpoint(pathComponent: endpoint) : nil
    }

    /// The `404` message for a 2tCloud-looking path no route takes; nil for other paths.
    func notFound(_ path: String) -> String? {
        guard TwoTCloudAPI.handles(path: path) else { return nil }
        let version = path.split(separator: "/").first.map { $0.lowercased() } ?? ""
        guard versions.contains(version) else {
            return "No resource at \(path): API version '\(version)' is not served (\(versions.joined(separator: ", ")))."
        }
        let known = TwoTCloudEndpoint.allCases.map { $0.path(version: version) }.joined(separator: ", ")
        return "No resource at \(path). Endpoints: \(known)."
    }

    /// `/{version}/{endpoint}`: the version and endpoint (404), the method (405), the
    /// credentials and caller IP (403, one message for both), then the query (400).
    func addRoutes(to router: SandboxRouter, core: SandboxCore) {
        let routes = router.group(":version/:endpoint")
        routes.add(middleware: EndpointMiddleware(api: self))
        routes.refuseMethods(on: "", allowed: [.get])
        routes.add(middleware: BasicAuthMiddleware(api: self, core: core))
        routes.get { request, context in
            let parameters = context.parameters
            guard let endpoint = resolve(version: parameters.get("version") ?? "", endpoint: parameters.get("endpoint") ?? "") else {
                throw HTTPError(.notFound)
            }
            let data = core.state.withLock { $0.twotcloudData }
            let reply = respond(endpoint: endpoint, path: request.uri.path, query: request.uri.query, accept: request.header("Accept"),
                                data: data, faults: core.faults, exchange: context.exchange)
            return core.deliver(reply, path: request.uri.path, context: context)
        }
    }

    /// A version that is not served or an unknown endpoint is not found (`NotFoundMiddleware`
    /// words it), before the method or the credentials are looked at.
    struct EndpointMiddleware: RouterMiddleware {
        let api: TwoTCloudAPI

        func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
            let parameters = context.parameters
            guard api.resolve(version: parameters.get("version") ?? "", endpoint: parameters.get("endpoint") ?? "") != nil else {
                throw HTTPError(.notFound)
            }
            return try await next(request, context)
        }
    }

    /// HTTP Basic with the account ID and key, from the bound IP when one is set.
    struct BasicAuthMiddleware: RouterMiddleware {
        let api: TwoTCloudAPI
        let core: SandboxCore

        func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
            let credential = api.check(authorization: request.header("Authorization"))
            context.exchange.credential = credential
            let allowedIP = core.state.withLock { $0.twotcloudAllowedIP }
            let peer = context.peerAddress
            let ipAllowed = allowedIP.map { allowed in peer.map(TwoTCloudAPI.normalize) == TwoTCloudAPI.normalize(allowed) } ?? true
            if !ipAllowed { context.exchange.note("ip-not-allowed") }
            guard credential == .full, ipAllowed else { return SandboxReply.message(403, TwoTCloudAPI.forbiddenMessage).response() }
            return try await next(request, context)
        }
    }

    /// The documents of the window the query asks for, as JSON when `Accept` asks for it.
    func respond(endpoint: TwoTCloudEndpoint, path: String, query: String?, accept: String?, data: TwoTCloudSandboxData,
                 faults: SandboxFaults, exchange: SandboxExchange) -> SandboxReply {
        let window: (from: CalendarDate, to: CalendarDate)
        switch CopacoAPI.window(query: query, today: today) {
        case .success(let value): window = value
        case .failure(let problem): return .message(400, problem.message)
        }
        let wantsJSON = TwoTCloudAPI.acceptsJSON(accept)
        var format: TwoTCloudFormat = wantsJSON ? .json : .xml
        if faults.ignoreAccept {
            if wantsJSON { exchange.note("ignore-accept") }
            format = .xml
        }
        let documents = data.documents(endpoint, from: window.from.iso, to: window.to.iso)
        let corrupted = faults.corruptedDocuments
        var options = TwoTCloudRenderer.Options(seed: data.seed)
        options.corrupt = corrupted
        if format == .json && faults.mutateFields {
            options.mutateFields = true
            exchange.note("mutated")
        }
        if format == .json {
            options.drift = faults.drift(for: path)
            if !options.drift.isEmpty { exchange.note("drift") }
        }
        for document in documents where corrupted[document.invoiceID] != nil { exchange.note("corrupt:\(document.invoiceID)") }
        let chunks = TwoTCloudRenderer.responseChunks(documents, format: format, options: options)
        let contentType = format == .json ? "application/json" : "application/xml; charset=utf-8"
        return SandboxReply(status: 200, headers: [("Content-Type", contentType)], chunks: chunks)
    }

    /// `.missing` without a header, `.full` for the right Basic credentials, `.unknown` otherwise
    /// (another scheme, bad base64, wrong account ID or key).
    func check(authorization: String?) -> SandboxCredential {
        guard let authorization, !authorization.isEmpty else { return .missing }
        let pieces = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard pieces.count == 2, pieces[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: pieces[1].trimmingSpaces),
              let text = String(validating: decoded, as: UTF8.self),
              let colon = text.firstIndex(of: ":") else { return .unknown }
        let user = text[..<colon]
        let password = text[text.index(after: colon)...]
        return user == accountID && password == apiKey ? .full : .unknown
    }

    /// True when the `Accept` header lists `application/json` (parameters and case ignored).
    static func acceptsJSON(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { range in
            let type = range.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
            return type == "application/json"
        }
    }

    /// `::ffff:127.0.0.1` -> `127.0.0.1`; lower-cased.
    static func normalize(_ address: String) -> String {
        let lower = address.lowercased()
        return lower.hasPrefix("::ffff:") && lower.contains(".") ? String(lower.dropFirst(7)) : lower
    }
}
