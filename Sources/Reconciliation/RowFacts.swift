/// What a purchase row says about its documents for accounting (`document_type`).
enum RowFacts {
    /// SQL for `invoice` or `credit_note` from a staging line's `document_type` (the vendor's
    /// `Header.Type`: Copaco and 2tCloud send `Invoice` or `Credit`). Anything that is not a
    /// credit, or no type at all, is an invoice.
    static func documentType(_ column: String) -> String {
        "CASE WHEN lower(coalesce(\(column), '')) LIKE 'credit%' THEN 'credit_note' ELSE 'invoice' END"
    }
}
