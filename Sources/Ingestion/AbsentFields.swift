/// What the contracts require of every line or document but billwh can do without, kept empty
/// when a new version lacks it; and credit notes whose lines are all positive, where the
/// contracts say credits are negative. Counted over a window's new versions and said once: a
/// vendor renaming `Quantity`, `VAT` or `AccountID` shows in the log, not only as empty columns.
package struct AbsentFields: Sendable, Equatable {
    var documents = 0
    var lines = 0
    var withoutQuantity = 0
    /// Incoming lines only: customer specifications may leave VAT out.
    var withoutVAT = 0
    var withoutType = 0
    /// Lines whose customer came without `AccountID`: 2tCloud matches customers by it.
    var withoutAccountID = 0
    var positiveCredits: [String] = []

    mutating func note(_ line: StagingLine, incoming: Bool) {
        lines += 1
        if line.quantity == nil { withoutQuantity += 1 }
        if incoming && line.vat == nil { withoutVAT += 1 }
        if line.customerAccountID?.isEmpty ?? true { withoutAccountID += 1 }
    }

    /// After a document's lines: its header, and how many of its lines were positive.
    mutating func note(_ header: DocumentHeader, lines: Int, positive: Int) {
        documents += 1
        if header.type == nil { withoutType += 1 }
        if isCreditNote(header.type), lines > 0, positive == lines { positiveCredits.append(String(header.key.prefix(80))) }
    }

    mutating func add(_ other: AbsentFields) {
        documents += other.documents
        lines += other.lines
        withoutQuantity += other.withoutQuantity
        withoutVAT += other.withoutVAT
        withoutType += other.withoutType
        withoutAccountID += other.withoutAccountID
        positiveCredits += other.positiveCredits
    }

    /// One sentence per kind of absence, none when nothing is missing.
    var warnings: [String] {
        var said: [String] = []
        func lines(_ count: Int, _ field: String, _ kept: String) {
            guard count > 0 else { return }
            said.append("\(count) of \(self.lines) lines of new or changed documents came without \(field), which the vendor's "
                + "contract requires: \(kept) (a field renamed by the vendor? see Vendor changes in `billwh status`)")
        }
        lines(withoutQuantity, "Quantity", "their quantities are empty, and quantity checks cannot match them")
        lines(withoutVAT, "VAT", "their VAT is empty, not zero")
        lines(withoutAccountID, "their customer's AccountID",
              "2tCloud's lines are then keyed by CustomerNumber and match only lines keyed the same way")
        if withoutType > 0 {
            said.append("\(withoutType) of \(documents) new or changed documents came without Header.Type, which the vendor's contract "
                + "requires: they count as invoices (a field renamed by the vendor? see Vendor changes in `billwh status`)")
        }
        if !positiveCredits.isEmpty {
            let named = positiveCredits.prefix(5).joined(separator: ", ") + (positiveCredits.count > 5 ? " and \(positiveCredits.count - 5) more" : "")
            said.append("\(positiveCredits.count) credit notes whose lines are all positive, where the vendor's contract says credits "
                + "are negative (\(named)): their amounts are kept as sent; check the sign with the vendor")
        }
        return said
    }
}

/// What reconcile calls a credit note (RowFacts): a type that starts with "credit", in any case.
func isCreditNote(_ type: String?) -> Bool {
    (type ?? "").lowercased().hasPrefix("credit")
}
