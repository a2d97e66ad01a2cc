/// Which date `--month` / `--from`/`--to` select on (`--by`).
package enum DateBasis: String, Sendable, CaseIterable {
    /// `invoice_date`: the incoming invoice's date (for `unbacked` rows the outgoing document's).
    case invoiceDate = "invoice-date"
    /// `period_start`: the first day of the billing period the line is for.
    case period

    /// The `purchases` column the selection compares.
    var column: String {
        switch self {
        case .invoiceDate: "invoice_date"
        case .period: "period_start"
        }
    }
}
