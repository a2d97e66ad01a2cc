import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Why an endpoint could not be read. Messages never contain a credential.
public enum FetchError: Error, CustomStringConvertible, Sendable {
    /// 401/403: retrying cannot help; the advice says what to check.
    case notAuthorized(status: Int, advice: String)
    /// 400 and other request errors: the request itself is wrong.
    case rejected(status: Int, message: String)
    /// Transient failures until the time budget ran out.
    case gaveUp(attempts: Int, lastProblem: String)

    public var description: String {
        switch self {
        case let .notAuthorized(status, advice): "HTTP \(status): \(advice)"
        case let .rejected(status, message): "HTTP \(status): the vendor refused the request: \(message)"
        case let .gaveUp(attempts, last): "gave up after \(attempts) attempts: \(last)"
        }
    }
}

public struct FetchStatistics: Sendable {
    public var requests = 0
    public var retries = 0
    public init() {}
}

/// Performs vendor requests with retries. One per run; owns no credentials.
public struct HTTPFetcher: Sendable {
    public let client: HTTPClient
    public let policy: RetryPolicy
    public let logger: Logger
    /// Largest body accepted; a bigger one is a misconfiguration, not a billing document.
    public var maxBodyBytes = 1 << 30

    public init(client: HTTPClient = .shared, policy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.client = client
        self.policy = policy
        self.logger = logger
    }

    static let transientStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// Returns the whole body of a 2xx answer, retrying transient failures.
    public func fetch(_ request: VendorRequest, label: String, advice: (Int) -> String,
                      statistics: inout FetchStatistics) async throws -> [UInt8] {
        let started = ContinuousClock.now
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            statistics.requests += 1
            let problem: String
            var retryAfter: Int?
            do {
                var http = HTTPClientRequest(url: request.url)
                http.method = HTTPMethod(rawValue: request.method)
                for (name, value) in request.headers { http.headers.add(name: name, value: value) }
                for (name, secret) in request.secretHeaders { http.headers.add(name: name, value: secret.reveal()) }
                if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
                let timeout = TimeAmount.nanoseconds(policy.requestTimeout.nanoseconds)
                let response = try await client.execute(http, timeout: timeout, logger: nil)
                let status = Int(response.status.code)
                let body = try await response.body.collect(upTo: maxBodyBytes)
                let bytes = Array(buffer: body)
                switch status {
                case 200..<300:
                    return bytes
                case 401, 403:
                    throw FetchError.notAuthorized(status: status, advice: advice(status))
                case _ where Self.transientStatuses.contains(status):
                    retryAfter = RetryPolicy.parseRetryAfter(response.headers.first(name: "Retry-After"))
                    problem = "HTTP \(status)" + (retryAfter.map { " (Retry-After: \($0)s)" } ?? "")
                default:
                    throw FetchError.rejected(status: status, message: Self.messageOf(bytes))
                }
            } catch let error as FetchError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Resets, refused connections, timeouts and bodies cut off before their end.
                problem = Self.describe(error)
            }
            let wait = policy.delay(retry: attempt, retryAfterSeconds: retryAfter, random: &random)
            let elapsed = ContinuousClock.now - started
            if elapsed + wait > policy.maxTotal {
                throw FetchError.gaveUp(attempts: attempt, lastProblem: problem)
            }
            statistics.retries += 1
            logger.warning("\(label): \(problem); retry \(attempt) in \(Self.format(wait))")
            try await Task.sleep(for: wait)
        }
    }

    /// The vendor's `{"message": ...}` if there is one, else the start of the body.
    static func messageOf(_ body: [UInt8]) -> String {
        if let value = try? JSONParser.parse(body), let message = value.object?["message"], case .string(let text) = message {
            return text
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : text
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
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
