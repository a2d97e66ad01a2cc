/// A fault the sandbox's command line arms (`billwh sandbox --fault …`), to rehearse an outage
/// by hand the way the tests do through `SandboxFaults`.
package enum SandboxFault: Sendable, Hashable {
    /// The next `count` requests answer this 4xx/5xx status.
    case status(Int, count: Int)
    /// The next `count` requests answer 429 with `Retry-After: 1`.
    case rateLimit(count: Int)
    /// Every request waits this many milliseconds.
    case slow(milliseconds: Int)
    /// The next `count` data responses are cut off half-way.
    case truncate(count: Int)
    /// The next `count` data responses are not valid JSON.
    case invalidJSON(count: Int)
    /// Every data response carries extra members, another member order and other letter cases.
    case mutateFields

    /// `503:3`, `429:2`, `slow:1500` (milliseconds), `truncate:1`, `invalid-json:1`,
    /// `mutate-fields`; a count left out is 1.
    package init?(parsing text: String) {
        if text == "mutate-fields" { self = .mutateFields; return }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let number: Int?
        if parts.count == 2 { number = Int(parts[1]) } else { number = 1 }
        guard let number, (1...1_000_000).contains(number) else { return nil }
        switch parts[0] {
        case "429": self = .rateLimit(count: number)
        case "slow" where parts.count == 2 && number <= 600_000: self = .slow(milliseconds: number)
        case "truncate": self = .truncate(count: number)
        case "invalid-json": self = .invalidJSON(count: number)
        default:
            guard let code = Int(parts[0]), (400...599).contains(code) else { return nil }
            self = .status(code, count: number)
        }
    }

    /// Arms the fault on `faults`.
    package func arm(_ faults: SandboxFaults) {
        switch self {
        case .status(let code, let count): faults.failNext(count, status: code)
        case .rateLimit(let count): faults.rateLimitNext(count, retryAfter: "1")
        case .slow(let milliseconds): faults.delay = .milliseconds(milliseconds)
        case .truncate(let count): faults.truncateNext(count)
        case .invalidJSON(let count): faults.invalidJSONNext(count)
        case .mutateFields: faults.mutateFields = true
        }
    }
}
