import Hummingbird
import Synchronization

/// What a request's middleware and handler tell the request log: the credential they looked
/// at and the faults that shaped the answer. One per request, shared through its context.
final class SandboxExchange: Sendable {
    private struct State {
        var credential = SandboxCredential.notChecked
        var notes: [String] = []
    }

    let received = ContinuousClock.now
    private let state = Mutex(State())

    var credential: SandboxCredential {
        get { state.withLock { $0.credential } }
        set { state.withLock { $0.credential = newValue } }
    }

    var notes: [String] { state.withLock { $0.notes } }

    func note(_ note: String) { state.withLock { $0.notes.append(note) } }
}

/// Hummingbird's basic context plus the caller's address and the request's exchange.
/// `ApplicationRequestContextSource` hands each request context the connection's NIO `Channel`,
/// whose `remoteAddress` is the TCP peer (what 2tCloud binds a key to).
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address (`127.0.0.1`), nil when the channel has none.
    let peerAddress: String?
    let exchange = SandboxExchange()

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }
}

typealias SandboxRouter = Router<SandboxRequestContext>

extension SandboxCore {
    /// The three vendor APIs on one router. Every request goes through the request log, then
    /// the faults armed for its path, then the vendor's own answer to an unknown path; each
    /// vendor's routes check the method (405), then the credentials (its middleware), then
    /// answer.
    func makeRouter() -> SandboxRouter {
        let router = SandboxRouter(context: SandboxRequestContext.self)
        router.add(middleware: RequestLogMiddleware(core: self))
        router.add(middleware: FaultMiddleware(core: self))
        router.add(middleware: NotFoundMiddleware(twotcloud: twotcloud))
        copaco.addRoutes(to: router, core: self)
        twotcloud.addRoutes(to: router, core: self)
        copper.addRoutes(to: router, core: self)
        return router
    }

    /// The reply as a response; a 200 takes the oldest armed body fault for its path.
    func deliver(_ reply: SandboxReply, path: String, context: SandboxRequestContext) -> Response {
        var reply = reply
        if reply.status == 200, let bodyFault = faults.takeBodyFault(path: path) {
            switch bodyFault {
            case .truncate(let mode):
                reply.truncation = mode
                context.exchange.note("truncated-\(mode.rawValue)")
            case .invalidJSON:
                let whole = reply.chunks.flatMap { $0 }
                reply.chunks = [Array(whole.prefix(whole.count / 2)) + Array("\n<html><body><h1>502 Proxy Error</h1></body></html>\n".utf8)]
                context.exchange.note("invalid-json")
            case .stall(let duration):
                reply.stall = duration
                context.exchange.note("stalled-body")
            }
        }
        return reply.response()
    }
}

extension RouterMethods where Context == SandboxRequestContext {
    /// Answers `405` with `Allow` on `path` for every method but `allowed`: registered before a
    /// vendor's credential middleware, so a wrong method is refused before the key is looked at.
    func refuseMethods(on path: RouterPath, allowed: [HTTPRequest.Method]) {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        let others: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .head, .options].filter { !allowed.contains($0) }
        for method in others {
            on(path, method: method) { request, _ in
                var reply = SandboxReply.message(405, "Method \(request.method.rawValue) is not allowed; use \(allow).")
                reply.headers.append(("Allow", allow))
                return reply.response()
            }
        }
    }
}

/// Counts requests in flight (`stop()` waits for them) and logs every answer, credential
/// values and keys redacted.
struct RequestLogMiddleware: RouterMiddleware {
    let core: SandboxCore

    func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
        core.requestStarted()
        defer { core.requestFinished() }
        let response = try await next(request, context)
        let exchange = context.exchange
        let notes = exchange.notes
        core.log(SandboxRequest(
            method: request.method.rawValue, path: core.redact(request.uri.path), query: request.uri.query.map(core.redactQuery),
            status: response.status.code, fault: notes.isEmpty ? nil : notes.joined(separator: ","), credential: exchange.credential,
            receivedAt: exchange.received, duration: ContinuousClock.now - exchange.received))
        return response
    }
}

/// The faults armed for the request's path, before any vendor looks at it: `delay`, then a
/// `delayNext`, then a status fault answers instead of the API (an outage at the gateway).
struct FaultMiddleware: RouterMiddleware {
    let core: SandboxCore

    func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
        let faults = core.faults
        let path = request.uri.path
        let delay = faults.delay
        if delay > .zero {
            try? await Task.sleep(for: delay)
            context.exchange.note("delay")
        }
        if let once = faults.takeDelayFault(path: path) {
            try? await Task.sleep(for: once)
            context.exchange.note("delay-once")
        }
        guard let fault = faults.takeStatusFault(path: path) else { return try await next(request, context) }
        var reply: SandboxReply
        switch fault {
        case let .status(status, message):
            let phrase = HTTPResponse.Status(code: status).reasonPhrase
            reply = .message(status, message ?? "\(phrase.isEmpty ? "Error" : phrase) (sandbox fault)")
            context.exchange.note("status-\(status)")
        case .rateLimit(let retryAfter):
            reply = .message(429, "Rate limit exceeded. Try again later.")
            if let retryAfter { reply.headers.append(("Retry-After", retryAfter)) }
            context.exchange.note("rate-limit")
        case let .redirect(status, location):
            reply = .message(status, "Moved.")
            reply.headers.append(("Location", location))
            context.exchange.note("redirect")
        }
        return reply.response()
    }
}

/// A path no route takes: the vendor whose prefix it has answers `404` in its own words
/// (the endpoints it does have).
struct NotFoundMiddleware: RouterMiddleware {
    let twotcloud: TwoTCloudAPI

    func handle(_ request: Request, context: SandboxRequestContext, next: (Request, SandboxRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let message: String
            if CopperAPI.handles(path: path) {
                message = CopperAPI.notFound(path)
            } else if path.hasPrefix("/api/") {
                message = "No resource at \(path). Endpoints: \(CopacoEndpoint.allCases.map { $0.path() }.joined(separator: ", "))."
            } else if let twotcloudMessage = twotcloud.notFound(path) {
                message = twotcloudMessage
            } else {
                message = "No resource at \(path)."
            }
            return SandboxReply.message(404, message).response()
        }
    }
}

struct SandboxTruncated: Error {}

extension SandboxReply {
    /// On the wire: with a `Content-Length`, cut short when a truncation fault is armed, or
    /// stalled half-way. (`HTTPFields.Element` is HTTPTypes' `HTTPField`, through Hummingbird.)
    func response() -> Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let field = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: field, value: value)) }
        }
        let status = HTTPResponse.Status(code: self.status)
        let total = bodyCount
        if let mode = truncation {
            var partial = ByteBuffer()
            var left = max(0, total / 2)
            for chunk in chunks where left > 0 {
                let take = min(left, chunk.count)
                partial.writeBytes(chunk[0..<take])
                left -= take
            }
            let sent = partial
            let body = ResponseBody(contentLength: mode == .contentLength ? total : nil) { writer in
                try await writer.write(sent)
                // Let the bytes reach the socket before the connection is dropped.
                try? await Task.sleep(for: .milliseconds(50))
                throw SandboxTruncated()
            }
            return Response(status: status, headers: fields, body: body)
        }
        if let stall {
            let whole = chunks.flatMap { $0 }
            let half = whole.count / 2
            let first = ByteBuffer(bytes: whole[..<half]), rest = ByteBuffer(bytes: whole[half...])
            let body = ResponseBody(contentLength: total) { writer in
                try await writer.write(first)
                try await Task.sleep(for: stall)
                try await writer.write(rest)
                try await writer.finish(nil)
            }
            return Response(status: status, headers: fields, body: body)
        }
        if chunks.count == 1 {
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: chunks[0])))
        }
        return Response(status: status, headers: fields, body: ResponseBody(contentsOf: chunks.map { ByteBuffer(bytes: $0) }))
    }
}

extension Request {
    /// A header's value by name (nil when absent or not a valid field name).
    func header(_ name: String) -> String? {
        guard let field = HTTPFields.Element.Name(name) else { return nil }
        return headers[field]
    }

    /// The body up to `SandboxCore.bodyLimit` bytes; nil when it is larger (answered `413`).
    mutating func collectBody() async -> [UInt8]? {
        guard let buffer = try? await body.collect(upTo: SandboxCore.bodyLimit) else { return nil }
        return Array(buffer.readableBytesView)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values, list items).
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
