import Foundation
import Ingestion
import Testing
@testable import Pipeline

@Suite struct NightlyMetricsTests {
    /// A run that stopped before it had a summary still reports its exit code and times.
    @Test func aRunWithoutSummaryStillHasItsExitCode() {
        let run = NightlyMetrics.Run(summary: nil, exitCode: 75, startedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                     duration: .milliseconds(1500), lastSuccess: nil)
        let text = NightlyMetrics.render(run)
        #expect(text.contains("# TYPE billwh_nightly_exit_code gauge"))
        #expect(text.contains("billwh_nightly_exit_code 75"))
        #expect(text.contains("billwh_nightly_last_run_timestamp_seconds 1800000000"))
        #expect(text.contains("billwh_nightly_duration_seconds 1.5"))
        #expect(!text.contains("billwh_nightly_last_success_timestamp_seconds"))
        #expect(!text.contains("billwh_nightly_lines"))
    }

    /// A successful run started late in a second: its success (kept to the second, as the runs
    /// table keeps it) is not earlier than its start, so `last_success < last_run` alerts only
    /// when the last run failed.
    @Test func aRunsSuccessIsNeverEarlierThanItsStart() {
        let run = NightlyMetrics.Run(summary: nil, exitCode: 0, startedAt: Date(timeIntervalSince1970: 1_800_000_000.6),
                                     duration: .milliseconds(300), lastSuccess: Date(timeIntervalSince1970: 1_800_000_000))
        let text = NightlyMetrics.render(run)
        #expect(text.contains("billwh_nightly_last_run_timestamp_seconds 1800000000.0\n"), "\(text)")
        #expect(text.contains("billwh_nightly_last_success_timestamp_seconds 1800000000.0\n"), "\(text)")
    }
}
