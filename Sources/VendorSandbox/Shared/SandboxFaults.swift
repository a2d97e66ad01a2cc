import Synchronization

/// How a document is made undecodable by `SandboxFaults.corruptDocument`.
package enum SandboxCorruption: Sendable, Hashable {
    /// The first price line's `ExtendedPrice` becomes the string `"12,5x"`.
    case badAmount
    /// The document has no `Header`.
    case missingHeader
    /// The document is sent under another number: its `InvoiceID` gains the suffix `-R`.
    case renumbered
    /// The first customer's `CompanyName` gains this text (a vendor, or a proxy, that writes
    /// the request's credentials into its answer); the document is otherwise valid.
    case companyNameEchoes(String)
}

/// Faults of the sandbox, switchable at runtime from any thread.
///
/// Per request, in this order:
/// 1. `delay` (if non-zero) and then the oldest armed `delayNext` whose path filter matches:
///    the answer (its status line and headers too) is held back that long.
/// 2. The oldest armed *status* fault (`failNext`, `rateLimitNext`, in the order they were
///    armed) whose path filter matches answers instead of the API — before authentication and
///    routing, like an outage at the vendor's gateway. Each consumes one of its count.
/// 3. Otherwise the API answers (404/405, 401/403, 400 or 200). Only a 200 data response
///    consumes the oldest armed *body* fault (`truncateNext`, `invalidJSONNext`,
///    `stallBodyNext`), and only a
///    200 data response is rewritten by `mutateFields` (JSON only) and `corruptDocument`.
/// Every fault applies to Copaco and 2tCloud paths alike (path filters: `/api/v1/...`, `/v2/...`).
package final class SandboxFaults: Sendable {
    /// How a truncated body ends on the wire.
    package enum TruncationMode: String, Sendable, Hashable {
        /// `Content-Length` announces the whole body; half of it is sent, then the connection closes.
        case contentLength
        /// `Transfer-Encoding: chunked`; half of the body is sent as chunks, then the connection
        /// closes without the terminating zero-length chunk.
        case chunked
    }

    enum StatusFault: Sendable, Equatable {
        case status(Int, message: String?)
        case rateLimit(retryAfter: String?)
        case redirect(Int, location: String)
    }

    enum BodyFault: Sendable, Equatable {
        case truncate(TruncationMode)
        case invalidJSON
        case stall(Duration)
    }

    struct Armed<Kind: Sendable>: Sendable {
        var kind: Kind
        var remaining: Int
        var pathPrefix: String?
    }

    struct State: Sendable {
        var statusFaults: [Armed<StatusFault>] = []
        var bodyFaults: [Armed<BodyFault>] = []
        var delayFaults: [Armed<Duration>] = []
        var delay: Duration = .zero
        var mutateFields = false
        var ignoreAccept = false
        var corrupted: [String: SandboxCorruption] = [:]
        var drift: [(drift: [SandboxDrift], pathPrefix: String?)] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// The next `count` requests (whose path starts with `path`, if given) answer `status`
    /// (500, 502, 503, 504 — any 4xx/5xx is accepted) with a small JSON body `{"message":...}`:
    /// `message` when given (e.g. a vendor that echoes what it was sent), else the reason phrase.
    package func failNext(_ count: Int, status: Int = 503, path: String? = nil, message: String? = nil) {
        precondition((400...599).contains(status), "failNext takes a 4xx/5xx status")
        guard count > 0 else { return }
        state.withLock { $0.statusFaults.append(Armed(kind: .status(status, message: message), remaining: count, pathPrefix: path)) }
    }

    /// The next `count` requests answer `429 Too Many Requests`, with `Retry-After: <retryAfter>`
    /// when it is non-nil (e.g. `"1"`, `"0"`, or an HTTP date).
    package func rateLimitNext(_ count: Int, retryAfter: String?, path: String? = nil) {
        guard count > 0 else { return }
        state.withLock { $0.statusFaults.append(Armed(kind: .rateLimit(retryAfter: retryAfter), remaining: count, pathPrefix: path)) }
    }

    /// The next `count` requests answer a redirect (`status` 301, 302, 307 or 308) to
    /// `location`, e.g. another host: a client must not carry its credentials there.
    package func redirectNext(_ count: Int, to location: String, status: Int = 302, path: String? = nil) {
        precondition((300...399).contains(status), "redirectNext takes a 3xx status")
        guard count > 0 else { return }
        state.withLock { $0.statusFaults.append(Armed(kind: .redirect(status, location: location), remaining: count, pathPrefix: path)) }
    }

    /// Every request waits this long before it is answered (`.zero`: off).
    package var delay: Duration {
        get { state.withLock { $0.delay } }
        set { state.withLock { $0.delay = newValue } }
    }

    /// The next `count` requests (whose path starts with `path`, if given) are held back by
    /// `duration` before anything is answered (after `delay`): a slow vendor, once.
    package func delayNext(_ count: Int, by duration: Duration, path: String? = nil) {
        guard count > 0, duration > .zero else { return }
        state.withLock { $0.delayFaults.append(Armed(kind: duration, remaining: count, pathPrefix: path)) }
    }

    /// The next `count` 200 data responses send their status, headers (with the full
    /// `Content-Length`) and the first half of the body at once, then stall for `duration`
    /// before the rest: a body that arrives slower than the client's request timeout.
    package func stallBodyNext(_ count: Int, for duration: Duration, path: String? = nil) {
        guard count > 0 else { return }
        state.withLock { $0.bodyFaults.append(Armed(kind: .stall(duration), remaining: count, pathPrefix: path)) }
    }

    /// The next `count` 200 data responses are cut off half-way and the connection is closed.
    package func truncateNext(_ count: Int, mode: TruncationMode = .contentLength, path: String? = nil) {
        guard count > 0 else { return }
        state.withLock { $0.bodyFaults.append(Armed(kind: .truncate(mode), remaining: count, pathPrefix: path)) }
    }

    /// The next `count` 200 data responses carry a complete body (correct `Content-Length`,
    /// `Content-Type: application/json`) that is not valid JSON: the first half of the real
    /// body followed by an HTML fragment.
    package func invalidJSONNext(_ count: Int, path: String? = nil) {
        guard count > 0 else { return }
        state.withLock { $0.bodyFaults.append(Armed(kind: .invalidJSON, remaining: count, pathPrefix: path)) }
    }

    /// While on, data responses carry extra unknown members (also objects and arrays), members
    /// in another order and names in other letter cases, everywhere; values and amounts are
    /// unchanged. Deterministic per document.
    package var mutateFields: Bool {
        get { state.withLock { $0.mutateFields } }
        set { state.withLock { $0.mutateFields = newValue } }
    }

    /// While on, 2tCloud answers XML whatever the `Accept` header says (as a server that
    /// ignores it would); the request log notes `ignore-accept` when JSON was asked for.
    package var ignoreAccept: Bool {
        get { state.withLock { $0.ignoreAccept } }
        set { state.withLock { $0.ignoreAccept = newValue } }
    }

    /// That document (any endpoint) becomes undecodable in every response until cleared; the
    /// rest of the response stays valid JSON.
    package func corruptDocument(invoiceID: String, how: SandboxCorruption = .badAmount) {
        state.withLock { $0.corrupted[invoiceID] = how }
    }

    package func clearCorruption(invoiceID: String) {
        _ = state.withLock { $0.corrupted.removeValue(forKey: invoiceID) }
    }

    /// Until cleared, JSON data documents of the paths starting with `path` (all when nil)
    /// change their structure as `drift` says, as a vendor's Beta endpoint may. Replaces any
    /// drift set before for the same `path`.
    package func setDrift(_ drift: [SandboxDrift], path: String? = nil) {
        state.withLock { state in
            state.drift.removeAll { $0.pathPrefix == path }
            if !drift.isEmpty { state.drift.append((drift, path)) }
        }
    }

    /// Disarms everything: counts, delay, mutation, corruption, `ignoreAccept`.
    package func reset() {
        state.withLock { $0 = State() }
    }

    /// How many armed counts are left (status, body and `delayNext` faults).
    package var pendingCount: Int {
        state.withLock { s in
            s.statusFaults.reduce(0) { $0 + $1.remaining } + s.bodyFaults.reduce(0) { $0 + $1.remaining }
                + s.delayFaults.reduce(0) { $0 + $1.remaining }
        }
    }

    // MARK: Used by the server

    var corruptedDocuments: [String: SandboxCorruption] { state.withLock { $0.corrupted } }

    func drift(for path: String) -> [SandboxDrift] {
        state.withLock { state in state.drift.filter { $0.pathPrefix.map { path.hasPrefix($0) } ?? true }.flatMap(\.drift) }
    }

    func takeStatusFault(path: String) -> StatusFault? {
        state.withLock { Self.take(&$0.statusFaults, path: path) }
    }

    func takeDelayFault(path: String) -> Duration? {
        state.withLock { Self.take(&$0.delayFaults, path: path) }
    }

    func takeBodyFault(path: String) -> BodyFault? {
        state.withLock { Self.take(&$0.bodyFaults, path: path) }
    }

    private static func take<Kind>(_ queue: inout [Armed<Kind>], path: String) -> Kind? {
        guard let index = queue.firstIndex(where: { $0.pathPrefix.map { path.hasPrefix($0) } ?? true }) else { return nil }
        let kind = queue[index].kind
        queue[index].remaining -= 1
        if queue[index].remaining <= 0 { queue.remove(at: index) }
        return kind
    }
}
