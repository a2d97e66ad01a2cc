import ArgumentParser
import Foundation
import Pipeline

/// `--include-consolidated`, shared by `ingest` and `nightly`.
struct ConsolidatedOption: ParsableArguments {
    @Flag(help: ArgumentHelp(
        "Also read 2tCloud's consolidatedinvoices (raw only, never in purchases); `status` then counts its lines that disagree with the reconciled purchases.",
        discussion: "Same as BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED=true. The vendor warns this endpoint drops, duplicates and mis-assigns lines: it is a cross-check, not a source."))
    var includeConsolidated = false

    func apply(to settings: Settings) -> Settings {
        var settings = settings
        if includeConsolidated { settings.twotcloud?.includeConsolidated = true }
        return settings
    }
}
