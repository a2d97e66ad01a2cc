import Testing
@testable import Pipeline

@Suite struct FailOnConditionsTests {
    @Test func parsesEachConditionAndRejectsTheRest() {
        #expect(FailOnConditions(parsing: "stale") == FailOnConditions(staleHours: 26))
        #expect(FailOnConditions(parsing: "stale=4,checks") == FailOnConditions(staleHours: 4, checks: true))
        #expect(FailOnConditions(parsing: "quarantine, checks") == FailOnConditions(checks: true, quarantine: true))
        // Twice in one list, as in two --fail-on options: the stricter limit, in either order.
        #expect(FailOnConditions(parsing: "stale=12,stale=48") == FailOnConditions(staleHours: 12))
        #expect(FailOnConditions(parsing: "stale=48,stale") == FailOnConditions(staleHours: 26))
        for bad in ["", "stale=0", "stale=x", "stale=9000", "checks,", "sometimes", "stale=-1"] {
            #expect(FailOnConditions(parsing: bad) == nil, "\(bad)")
        }
    }

    /// `--fail-on quarantine --fail-on stale` means both, whichever comes first.
    @Test func repeatedConditionsAddUp() {
        let quarantine = FailOnConditions(parsing: "quarantine")!, stale = FailOnConditions(parsing: "stale")!
        let both = FailOnConditions(staleHours: 26, quarantine: true)
        #expect(quarantine.adding(stale) == both && stale.adding(quarantine) == both)
        #expect(FailOnConditions(parsing: "stale=40,checks")!.adding(FailOnConditions(parsing: "stale=4")!)
                == FailOnConditions(staleHours: 4, checks: true))
    }
}
