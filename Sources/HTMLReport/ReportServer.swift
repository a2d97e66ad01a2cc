import Foundation
import Hummingbird
import Logging
import NIOCore
import Reconciliation
import Warehouse

/// `billwh serve`: the HTML report over HTTP on 127.0.0.1, read-only — one GET route that opens
/// the warehouse read-only and renders the page anew, so a browser tab always shows the latest
/// run. `?month=YYYY-MM&months=N&locale=en|nl` choose what `report html`'s options choose.
package enum ReportServer {
    package enum QueryError: Error, CustomStringConvertible {
        case invalid(String)
        package var description: String { switch self { case .invalid(let message): message } }
    }

    /// The report's options from a request's query (a wrong value is the client's error).
    package static func options(month: String?, months: String?, locale: String?) throws(QueryError) -> HTMLReport.Options {
        var options = HTMLReport.Options()
        if let month {
            guard let parsed = Month(month) else { throw .invalid("month takes YYYY-MM, got \(month)") }
            options.month = parsed
        }
        if let months {
            guard let n = Int(months), (1...120).contains(n) else { throw .invalid("months takes 1 to 120, got \(months)") }
            options.months = n
        }
        if let locale {
            guard let parsed = ReportLocale(rawValue: locale) else { throw .invalid("locale takes en or nl, got \(locale)") }
            options.locale = parsed
        }
        return options
    }

    /// How long a connection may stay open with no request.
    package static let idleTimeout = TimeAmount.seconds(15)
    /// How long a request waits for a process that has the warehouse to itself.
    static let busyTimeout: TimeInterval = 1

    /// Serves until the process is stopped; `onListening` gets the bound port (0 picks a free one).
    package static func run(databasePath: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void) async throws {
        // HEAD as GET without the body: a monitor's check of the page is not a "not found".
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: LoopbackHostMiddleware())
        router.add(middleware: ReadOnlyMethodsMiddleware())
        router.get("/") { request, _ -> Response in
            let query = request.uri.queryParameters
            let options: HTMLReport.Options
            do {
                options = try Self.options(month: query["month"].map(String.init), months: query["months"].map(String.init),
                                           locale: query["locale"].map(String.init))
            } catch {
                return Response(status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "\(error)\n")))
            }
            let html: String
            do {
                // A first load has the file to itself for minutes: answered 503 at once, rather
                // than each request holding a thread for the CLI's wait.
                html = try HTMLReport.render(databasePath: databasePath, options: options, busyTimeout: Self.busyTimeout)
            } catch {
                // Said to the browser and the log, as the CLI says it: an empty 500 said nothing.
                let reason = WarehouseBusy.detect(error, path: databasePath).map { "\($0)" } ?? "\(error)"
                logger.error("serve: \(reason)")
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "10"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "the report cannot be read now: \(reason)\n")))
            }
            var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
            // The page needs nothing beyond itself; tell the browser so.
            headers[HTTPFields.Element.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        let app = Application(
            router: router,
            // A connection left open and idle is closed: otherwise any local client could hold
            // every descriptor the process has.
            server: .http1(configuration: .init(idleTimeout: Self.idleTimeout)),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService()
    }
}

/// Answers only requests addressed to a loopback name. A web page can point its own domain at
/// 127.0.0.1 (DNS rebinding) and then read this server as same-origin; the Host header it sends
/// still names that domain.
struct LoopbackHostMiddleware<Context: RequestContext>: RouterMiddleware {
    static func isLoopback(_ authority: String) -> Bool {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return host == "127.0.0.1" || host == "localhost" || host == "::1"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, Self.isLoopback(authority) else {
            return Response(status: .misdirectedRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "this server answers requests to 127.0.0.1 or localhost only\n")))
        }
        return try await next(request, context)
    }
}

/// The report is read, never written: any method but GET and HEAD is 405 with `Allow`, not a
/// 404 that would say the page is not there.
struct ReadOnlyMethodsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Response(status: .methodNotAllowed, headers: [.allow: "GET, HEAD", .contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "this server only reads: GET or HEAD\n")))
        }
        return try await next(request, context)
    }
}
