import ArgumentParser
import Foundation
import Ingestion
import Pipeline
import Reconciliation
import Warehouse

enum Summaries {
    static func exitCode(_ outcome: RunOutcome) -> ExitCode {
        switch outcome {
        case .ok: .success
        case .partial: ExitCode(2)
        case .failed: ExitCode(1)
        }
    }

    static func ingest(_ summary: RunSummary) -> String {
        var text = "run \(summary.runID) \(summary.outcome.rawValue): window \(summary.window)\n"
        for report in summary.reports {
            text += "  \(report.vendor)/\(report.endpoint.name): \(report.outcome.documents) documents, \(report.outcome.lines) lines, \(report.outcome.quarantined) quarantined"
            if let failure = report.failure { text += "\n    FAILED: \(failure)" }
            text += "\n"
        }
        if let reconcile = summary.reconcile { text += Summaries.reconcile(reconcile) }
        return text
    }

    static func reconcile(_ report: ReconcileReport) -> String {
        var settled = ""
        if report.settled != MatchGroupIndex.Settled() {
            settled = "index: settled \(report.settled.lines) recent lines and \(report.settled.purchases) recent purchases into the match-group indexes\n"
        }
        if report.customers == 0 { return "reconcile: nothing changed\n" + settled }
        let statuses = report.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "reconcile: \(report.customers) customers rebuilt, \(report.purchases) purchases (\(statuses))\n" + settled
    }
}
