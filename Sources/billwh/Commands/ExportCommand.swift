import ArgumentParser
import Foundation

struct ExportCommand: CommandGroup {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Exports for accounting.",
        discussion: """
            Which format for what: --format xlsx for people (identifiers stay text with their leading zeros, amounts \
            are numbers, dates are dates, no cell is ever a formula); the Dutch CSV (--delimiter ';' --decimal-comma \
            --bom) for Excel in a Dutch locale; the default CSV for machine imports (ERP): it is byte-exact, every text \
            as stored, with no prefix added to text that starts with = + - or @. --spreadsheet-safe, and the Excel \
            variant (--bom, --decimal-comma), prefix such text with ' so that a spreadsheet never runs it as a formula.
            """,
        subcommands: [ExportPurchases.self])
}
