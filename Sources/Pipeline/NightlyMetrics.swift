import Foundation
import GRDB
import Ingestion
import Prometheus
import Warehouse

/// The Prometheus textfile `nightly` writes when `BILLWH_METRICS_FILE` is set, for
/// node_exporter's textfile collector: replaced whole after each run (write, then rename), so
/// the collector never reads half a file.
package enum NightlyMetrics {
    /// What the file says about one run. `summary` is nil when the run stopped before it had one
    /// (a damaged file, the lock, bad settings): the exit code and times still go out.
    package struct Run: Sendable {
        package var summary: RunSummary?
        package var exitCode: Int32
        package var startedAt: Date
        package var duration: Duration
        /// The finish time of the newest run that ended ok or partial, read from the warehouse.
        package var lastSuccess: Date?
        /// Documents listed missing from the vendor's latest answer, by "vendor/endpoint".
        package var missingDocuments: [String: Int]

        package init(summary: RunSummary?, exitCode: Int32, startedAt: Date, duration: Duration, lastSuccess: Date?,
                     missingDocuments: [String: Int] = [:]) {
            self.summary = summary
            self.exitCode = exitCode
            self.startedAt = startedAt
            self.duration = duration
            self.lastSuccess = lastSuccess
            self.missingDocuments = missingDocuments
        }
    }

    package static func render(_ run: Run) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels).set(value)
        }
        gauge("billwh_nightly_last_run_timestamp_seconds", "When the last nightly run started (Unix time).",
              // Whole seconds down, as the runs table keeps its times: a run's own success is
              // then never earlier than its start.
              run.startedAt.timeIntervalSince1970.rounded(.down))
        gauge("billwh_nightly_duration_seconds", "How long the last nightly run took.",
              Double(run.duration.components.seconds) + Double(run.duration.components.attoseconds) / 1e18)
        gauge("billwh_nightly_exit_code", "The last nightly run's exit code: 0 ok, 1 failed (also another program holding the file), 2 partial, 75 another billwh run held the lock.",
              Double(run.exitCode))
        if let lastSuccess = run.lastSuccess {
            gauge("billwh_nightly_last_success_timestamp_seconds", "When the newest nightly run that committed (ok or partial) finished (Unix time).",
                  lastSuccess.timeIntervalSince1970.rounded(.down))
        }
        guard let summary = run.summary else { return registry.emitToString() }
        for report in summary.reports {
            let labels = [("vendor", report.vendor.rawValue), ("endpoint", report.endpoint.name)]
            gauge("billwh_nightly_documents", "Documents the last nightly run read, per vendor and endpoint.",
                  Double(report.outcome.documents), labels: labels)
            gauge("billwh_nightly_lines", "Lines the last nightly run read, per vendor and endpoint.",
                  Double(report.outcome.lines), labels: labels)
            gauge("billwh_nightly_quarantined", "Documents the last nightly run quarantined, per vendor and endpoint.",
                  Double(report.outcome.quarantined), labels: labels)
            gauge("billwh_nightly_endpoint_failed", "1 when the last nightly run could not read the endpoint (all or part of its window).",
                  report.succeeded ? 0 : 1, labels: labels)
            gauge("billwh_documents_missing", "Documents read before that the vendor's latest answer for their dates no longer holds (kept and counted; billwh status lists them).",
                  Double(run.missingDocuments["\(report.vendor.rawValue)/\(report.endpoint.name)"] ?? 0), labels: labels)
        }
        if let checks = summary.checks {
            let failed = checks.filter(\.failed)
            gauge("billwh_nightly_failed_checks", "Data checks the last nightly run failed (reminders such as open months not counted).",
                  Double(failed.count))
            // A reminder (an open month) is no failure: an alert on check_failed must not fire for it.
            for result in checks where !result.check.isReminder {
                gauge("billwh_nightly_check_failed", "1 when the data check failed in the last nightly run (reminders are billwh_nightly_reminder).",
                      result.passed ? 0 : 1, labels: [("check", result.check.name)])
            }
            for result in checks where result.check.isReminder {
                gauge("billwh_nightly_reminder", "1 when the last nightly run gave this reminder (e.g. months left open too long); not a failure.",
                      result.passed ? 0 : 1, labels: [("check", result.check.name)])
            }
        }
        return registry.emitToString()
    }

    /// Writes the file next to its final name and renames it into place.
    package static func write(_ run: Run, to path: String) throws {
        let partial = path + ".partial"
        do { try Data(render(run).utf8).write(to: URL(fileURLWithPath: partial)) } catch {
            let folder = (path as NSString).deletingLastPathComponent
            throw SettingsError.invalid("BILLWH_METRICS_FILE=\(path): cannot write it: "
                + (FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder)
                    ? "check that billwh's user may write in \(folder.isEmpty ? "." : folder)"
                    : "the folder \(folder) does not exist; create it or fix the path"))
        }
        // Metrics say nothing secret, and the collector runs as its own user.
        chmod(partial, 0o644)
        guard rename(partial, path) == 0 else {
            throw SettingsError.invalid("BILLWH_METRICS_FILE=\(path): cannot write it: \(String(cString: strerror(errno)))")
        }
    }

    /// What the file reports from the warehouse itself, in one read: the finish time of the
    /// newest committed nightly (`last_success`), and the documents listed missing by
    /// "vendor/endpoint". Nothing when the file cannot be read.
    /// `busyTimeout`: a run stopped mid-way may still have the file to itself (a first load).
    package static func warehouseFacts(databasePath: String, busyTimeout: TimeInterval = 10) -> (lastSuccess: Date?, missingDocuments: [String: Int]) {
        guard let queue = try? WarehouseDatabase.openReadOnly(path: databasePath, busyTimeout: busyTimeout) else { return (nil, [:]) }
        defer { try? queue.close() }
        let facts = try? queue.read { db in
            (try String.fetchOne(db, sql: """
                SELECT max(finished_at) FROM runs WHERE command = 'nightly' AND outcome IN ('ok', 'partial')
                """),
             try Row.fetchAll(db, sql: "SELECT vendor || '/' || endpoint, count(*) FROM missing_documents GROUP BY vendor, endpoint"))
        }
        let lastSuccess = (facts?.0).flatMap { ISO8601DateFormatter().date(from: $0) }
        return (lastSuccess, Dictionary((facts?.1 ?? []).map { ($0[0] as String, $0[1] as Int) }) { first, _ in first })
    }
}
