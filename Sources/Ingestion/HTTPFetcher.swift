import AsyncHTTPClient
import Foundation
import JSON
import Logging
import NIOCore
import NIOHTTP1

/// Why an endpoint could not be read. Messages never contain a credential.
package enum FetchError: Error, CustomStringConvertible, Sendable {
    /// 401/403: retrying cannot help; the advice says what to check.
    case notAuthorized(status: Int, advice: String)
    /// 400 and other request errors: the request itself is wrong.
    case rejected(status: Int, message: String)
    /// Transient failures until the time budget ran out; `connected` is false when no attempt
    /// reached the vendor at all (refused, no route, no name), which its other endpoints would
    /// meet too.
    case gaveUp(attempts: Int, lastProblem: String, connected: Bool)
    /// A 3xx: not followed, since a redirect to another host would take the credentials along.
    case redirected(status: Int, location: String)
    /// The request's URL cannot be valid (a base URL with a newline in it, no host): retrying
    /// cannot help.
    case badURL(String)
    /// A request that is not repeatable failed in a way that leaves open whether the vendor
    /// processed it (a 5xx, a timeout, a connection closed mid-answer): not sent again.
    case outcomeUnknown(problem: String)

    /// The start of `outcomeUnknown`'s description, by which a recorded error is recognised.
    package static let outcomeUnknownPrefix = "outcome unknown"

    /// No attempt could connect for the whole retry budget.
    package var neverConnected: Bool {
        if case .gaveUp(_, _, connected: false) = self { true } else { false }
    }

    package var description: String {
        switch self {
        case let .notAuthorized(status, advice): "HTTP \(status): \(advice)"
        case let .rejected(status, message): "HTTP \(status): the vendor refused the request: \(message)"
        case let .gaveUp(attempts, last, _): "gave up after \(attempts) attempts: \(last)"
        case let .redirected(status, location):
            "HTTP \(status): the vendor redirects to \(location.isEmpty ? "(no Location)" : location); billwh does not follow redirects, which could carry the API credentials to another host: set the vendor's base URL (BILLWH_..._BASE_URL) to the address it redirects to, if you trust it"
        case let .badURL(url):
            "not a valid URL: \(url.debugDescription); check the vendor's base URL (BILLWH_..._BASE_URL or the config file): one http(s) address, nothing around it"
        case let .outcomeUnknown(problem):
            "\(Self.outcomeUnknownPrefix): \(problem); the vendor may have processed the request, so it was not sent again"
        }
    }
}

/// The connection failed or the answer came too late (before or during its body): the
/// attempt is retried, and whatever was done with part of the body is undone first.
package struct TransportFailure: Error, CustomStringConvertible {
    package var underlying: any Error
    package init(underlying: any Error) { self.underlying = underlying }
    package var description: String { "\(underlying)" }
}

package struct FetchStatistics: Sendable {
    package var requests = 0
    package var retries = 0
    package init() {}
}

/// Performs vendor requests with retries. One per run; owns no credentials.
package struct HTTPFetcher: Sendable {
    package let client: HTTPClient
    package let policy: RetryPolicy
    package let logger: Logger
    /// Largest body accepted; a bigger one is a misconfiguration, not a billing document.
    package var maxBodyBytes = 1 << 30

    package init(client: HTTPClient = HTTPFetcher.vendorClient, policy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.client = client
        self.policy = policy
        self.logger = logger
    }

    /// The client for vendor calls: the shared client's settings, except that
    /// - redirects are not followed (AsyncHTTPClient drops `Authorization` on a cross-origin
    ///   redirect, but not a custom key header such as Copaco's `X-Api-Key`), and
    /// - a refused connection fails the attempt at once (instead of the connection pool
    ///   retrying it until the request deadline and reporting a timeout), so the retry policy
    ///   backs off and the error says what happened.
    package static let vendorClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static let transientStatuses: Set<Int> = [429, 500, 502, 503, 504]
    /// Client errors about the URL itself: the same URL fails the same way every time.
    static let urlErrors: [HTTPClientError] = [.invalidURL, .emptyHost, .emptyScheme]

    /// Returns the whole body of a 2xx answer, retrying transient failures.
    package func fetch(_ request: VendorRequest, label: String, advice: (Int) -> String,
                      statistics: inout FetchStatistics) async throws -> [UInt8] {
        let (maxBodyBytes, timeout) = (maxBodyBytes, policy.requestTimeout)
        return try await fetch(request, label: label, advice: advice, statistics: &statistics) { body, _ in
            try await Self.collect(body, upTo: maxBodyBytes, within: timeout)
        }
    }

    /// Hands the body of a 2xx answer to `read` as it arrives, with the statistics of the
    /// attempts so far, retrying transient failures:
    /// those before the answer, and a body that `read` found cut off or late (it throws
    /// `TransportFailure`; whatever it did with the part it had must be undone by then).
    package func fetch<T: Sendable>(_ request: VendorRequest, label: String, advice: (Int) -> String,
                                   statistics: inout FetchStatistics,
                                   reading read: (HTTPClientResponse.Body, FetchStatistics) async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        var connected = false
        while true {
            attempt += 1
            statistics.requests += 1
            let problem: String
            var retryAfter: Int?
            do {
                let response: HTTPClientResponse
                do {
                    response = try await answer(request)
                } catch let error as HTTPClientError where Self.urlErrors.contains(error) {
                    throw FetchError.badURL(Self.redact(request.url, secrets: request.secretHeaders))
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // Resets, refused connections, timeouts before the answer.
                    throw TransportFailure(underlying: error)
                }
                connected = true
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    return try await read(response.body, statistics)
                }
                let bytes = try await Self.collect(response.body, upTo: maxBodyBytes, within: policy.requestTimeout)
                switch status {
                case 300..<400:
                    let location = String((response.headers.first(name: "Location") ?? "").prefix(300))
                    throw FetchError.redirected(status: status, location: Self.redact(location, secrets: request.secretHeaders))
                case 401, 403:
                    throw FetchError.notAuthorized(status: status, advice: advice(status))
                case _ where Self.transientStatuses.contains(status) && (request.repeatable || status == 429):
                    retryAfter = RetryPolicy.parseRetryAfter(response.headers.first(name: "Retry-After"))
                    problem = "HTTP \(status)" + (retryAfter.map { " (Retry-After: \($0)s)" } ?? "")
                case _ where Self.transientStatuses.contains(status):
                    throw FetchError.outcomeUnknown(problem: "HTTP \(status)")
                default:
                    throw FetchError.rejected(status: status, message: Self.redact(Self.messageOf(bytes), secrets: request.secretHeaders))
                }
            } catch let error as FetchError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as TransportFailure {
                try Task.checkCancellation()
                problem = Self.redact(Self.describe(error.underlying, url: request.url), secrets: request.secretHeaders)
                let reached = !Self.neverConnected(error.underlying)
                if reached { connected = true }
                if !request.repeatable && reached { throw FetchError.outcomeUnknown(problem: problem) }
            }
            let wait = policy.delay(retry: attempt, retryAfterSeconds: retryAfter, random: &random)
            let elapsed = ContinuousClock.now - started
            if elapsed + wait > policy.maxTotal {
                throw FetchError.gaveUp(attempts: attempt, lastProblem: problem, connected: connected)
            }
            statistics.retries += 1
            logger.warning("\(label): \(problem); retry \(attempt) in \(Self.format(wait))")
            FreedMemory.giveBack()
            try await Task.sleep(for: wait)
        }
    }

    /// The request timed out: no head within `RetryPolicy.requestTimeout`, or a body that stalled
    /// that long or came slower than `BodyPipe.slowestPace`.
    struct ResponseTimedOut: Error {}

    /// One attempt's answer: status and headers within `policy.requestTimeout` (AsyncHTTPClient's
    /// deadline runs until the head has arrived); the body's own deadline is its reader's.
    func answer(_ request: VendorRequest) async throws -> HTTPClientResponse {
        var http = HTTPClientRequest(url: request.url)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        for (name, secret) in request.secretHeaders { http.headers.add(name: name, value: secret.reveal()) }
        if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
        return try await client.execute(http, timeout: TimeAmount.nanoseconds(policy.requestTimeout.nanoseconds), logger: nil)
    }

    /// The whole body within `timeout`. A body that trickles or stalls (each gap shorter than
    /// the client's 90 s read timeout) would otherwise hold the run, and its lock, for as long
    /// as the server likes: an attempt past it is abandoned (its connection closed) and retried.
    /// Failures come as `TransportFailure`, to be retried.
    static func collect(_ body: HTTPClientResponse.Body, upTo maxBytes: Int, within timeout: Duration) async throws -> [UInt8] {
        do {
            return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask { try await collect(body, upTo: maxBytes) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                // The first to finish decides: the body, or the deadline (nil).
                guard let first = try await group.next(), let bytes = first else {
                    try Task.checkCancellation()
                    throw ResponseTimedOut()
                }
                return bytes
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportFailure(underlying: error)
        }
    }

    /// The body straight into one array, sized from `Content-Length` when the server sends it:
    /// `collect(upTo:)` grows a buffer by doubling and then needs a copy.
    static func collect(_ body: HTTPClientResponse.Body, upTo maxBytes: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.readableBytes <= maxBytes else { throw NIOTooManyBytesError(maxBytes: maxBytes) }
            chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// A vendor that echoes a credential back (in an error message, say) must not get it into a
    /// log line or the ledger: every secret header value, and for HTTP Basic also its base64 token,
    /// the decoded `user:password` and the password, is replaced by `<redacted>`, also as JSON
    /// or XML writers escape them (`CredentialEcho`).
    static func redact(_ text: String, secrets: [(String, Secret)]) -> String {
        CredentialEcho(secrets: secrets).redacting(text)
    }

    /// The texts `redact` replaces, longest first (so that a part never leaves the rest of a
    /// longer secret behind), none shorter than 4 characters.
    package static func needles(_ secrets: [(String, Secret)]) -> [String] {
        var needles: [String] = []
        for (_, secret) in secrets {
            let value = secret.reveal()
            needles.append(value)
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "basic" {
                let token = String(parts[1])
                needles.append(token)
                if let data = Data(base64Encoded: token), let pair = String(data: data, encoding: .utf8) {
                    needles.append(pair)
                    if let colon = pair.firstIndex(of: ":") { needles.append(String(pair[pair.index(after: colon)...])) }
                }
            } else if parts.count == 2 {
                needles.append(String(parts[1]))  // `Bearer <token>` and the like
            }
        }
        return needles.sorted(by: { $0.count > $1.count }).filter { $0.count >= 4 }
    }

    /// The vendor's `{"message": ...}` if there is one, else the start of the body.
    static func messageOf(_ body: [UInt8]) -> String {
        if let value = try? JSONParser.parse(body), let message = value.object?["message"], case .string(let text) = message {
            return text
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : text
    }

    /// The attempt failed before a connection was made, so the request cannot have arrived.
    static func neverConnected(_ error: any Error) -> Bool {
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        return "\(type(of: error))" == "NIOConnectionError"
    }

    /// What went wrong with an attempt, in words that say what to check.
    static func describe(_ error: any Error, url: String = "") -> String {
        let host = URL(string: url).map { u in "\(u.host ?? "?")\(u.port.map { ":\($0)" } ?? "")" } ?? "the vendor"
        if error is ResponseTimedOut { return "timed out (the response stalled, or came too slowly to finish)" }
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED {
                return "could not connect to \(host): connection refused (is the base URL right, and the vendor reachable from here?)"
            }
            return "connection to \(host) failed: \(String(cString: strerror(error.errnoCode)))"
        }
        if let error = error as? HTTPParserError, error == .invalidEOFState {
            return "the connection closed before the response was complete"
        }
        if "\(type(of: error))" == "NIOConnectionError" {
            return "could not connect to \(host): \(error)"
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "could not connect to \(host) in time"
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection closed before the response was complete"
            default: return "HTTP client error: \(error)"
            }
        }
        return "\(type(of: error)): \(error)"
    }

    static func format(_ duration: Duration) -> String {
        let ms = duration.nanoseconds / 1_000_000
        return ms >= 1000 ? "\(ms / 1000).\(ms % 1000 / 100)s" : "\(ms)ms"
    }
}
