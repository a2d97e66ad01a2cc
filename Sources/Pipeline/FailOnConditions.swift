import Foundation
import GRDB
import Warehouse

/// `billwh status --fail-on stale[=HOURS],checks,quarantine`: the conditions a monitor
/// pages on. Each one that holds is explained in a line, and status exits 1.
package struct FailOnConditions: Sendable, Equatable {
    package static let defaultStaleHours = 26
    /// Endpoints not attempted for this long are taken as no longer read, not as stale.
    static let readRecently: TimeInterval = 7 * 86_400

    package var staleHours: Int?
    package var checks = false
    package var quarantine = false

    package init(staleHours: Int? = nil, checks: Bool = false, quarantine: Bool = false) {
        self.staleHours = staleHours
        self.checks = checks
        self.quarantine = quarantine
    }

    /// Both sets (a repeated `--fail-on`): every condition of either, the stricter stale limit.
    package func adding(_ other: FailOnConditions) -> FailOnConditions {
        FailOnConditions(staleHours: [staleHours, other.staleHours].compactMap { $0 }.min(),
                         checks: checks || other.checks, quarantine: quarantine || other.quarantine)
    }

    /// `stale[=HOURS],checks,quarantine`, in any order; nil for anything else.
    package init?(parsing text: String) {
        self.init()
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for item in items {
            switch item {
            case "checks": checks = true
            case "quarantine": quarantine = true
            case "stale": staleHours = min(staleHours ?? .max, Self.defaultStaleHours)
            default:
                guard item.hasPrefix("stale="), let hours = Int(item.dropFirst("stale=".count)), (1...8760).contains(hours) else { return nil }
                // Given twice in one list, as in two `--fail-on`s: the stricter limit.
                staleHours = min(staleHours ?? .max, hours)
            }
        }
    }

    /// The conditions that hold now, one sentence each (empty: none holds).
    package func evaluate(_ db: Database, now: Date = Date()) throws -> [String] {
        var holding: [String] = []
        if let staleHours { holding += try stale(db, hours: staleHours, now: now) }
        if checks, let failed = try String.fetchOne(db, sql: """
            SELECT failed_checks FROM runs WHERE command = 'nightly' AND finished_at IS NOT NULL ORDER BY run_id DESC LIMIT 1
            """), !failed.isEmpty {
            holding.append("checks: the last nightly run's data checks failed: \(failed.replacingOccurrences(of: ",", with: ", ")) (`billwh check` lists the rows)")
        }
        if quarantine {
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") ?? 0
            if count > 0 {
                holding.append("quarantine: \(count) quarantined document\(count == 1 ? "" : "s") not resolved (`billwh query \"SELECT * FROM quarantine WHERE resolved_at IS NULL\"`)")
            }
        }
        return holding
    }

    func stale(_ db: Database, hours: Int, now: Date) throws -> [String] {
        let formatter = ISO8601DateFormatter()
        let limit = now.addingTimeInterval(-Double(hours) * 3600)
        let recentSince = now.addingTimeInterval(-max(Self.readRecently, Double(hours) * 3600))
        let read = try StatusReport.endpoints(db).filter { endpoint in
            endpoint.lastAttempt.flatMap(formatter.date(from:)).map { $0 >= recentSince } ?? false
        }
        guard !read.isEmpty else {
            return ["stale: no vendor endpoint was read in the last \(hours) hours: is the nightly job scheduled (`systemctl list-timers billwh-nightly.timer`)?"]
        }
        return read.compactMap { endpoint in
            let good = endpoint.lastGoodRun.flatMap(formatter.date(from:))
            if let good, good >= limit { return nil }
            let when = good.map { "last read \(endpoint.lastGoodRun ?? "") (\(Int(now.timeIntervalSince($0) / 3600)) hours ago)" } ?? "never read"
            return "stale: \(endpoint.vendor)/\(endpoint.endpoint) \(when), limit \(hours) hours; last error: \(endpoint.lastError ?? "none")"
        }
    }
}
