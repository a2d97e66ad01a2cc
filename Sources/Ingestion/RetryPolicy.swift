import Foundation

/// Exponential backoff with full jitter, bounded in total time (docs/vendors.md, "Rules for every vendor").
package struct RetryPolicy: Sendable {
    package var baseDelay: Duration
    package var maxDelay: Duration
    /// Give up once the next wait would end past this much time since the first attempt.
    package var maxTotal: Duration
    /// Per attempt: the whole response must have arrived by then.
    package var requestTimeout: Duration

    package init(baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
                maxTotal: Duration = .seconds(300), requestTimeout: Duration = .seconds(120)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotal = maxTotal
        self.requestTimeout = requestTimeout
    }

    /// The wait before retry number `retry` (1-based): a server's `Retry-After` when it gave a
    /// positive one (0 is no hint, per the contract), else a random share of the backoff.
    package func delay(retry: Int, retryAfterSeconds: Int?, random: inout some RandomNumberGenerator) -> Duration {
        if let seconds = retryAfterSeconds, seconds > 0 { return .seconds(seconds) }
        let exponent = min(retry - 1, 30)
        let ceiling = min(baseDelay * (1 << exponent), maxDelay)
        let ceilingNanos = max(Int64(1), ceiling.nanoseconds)
        return .nanoseconds(Int64.random(in: ceilingNanos / 2...ceilingNanos, using: &random))
    }

    /// `Retry-After` in seconds; an HTTP date or garbage gives no hint.
    package static func parseRetryAfter(_ value: String?) -> Int? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), let seconds = Int(value), seconds >= 0 else { return nil }
        return min(seconds, 3600)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
