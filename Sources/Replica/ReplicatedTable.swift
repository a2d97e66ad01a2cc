/// A warehouse table as the replica holds it: the columns copied (same names on both sides;
/// internal ones such as the index tier `recent` stay behind) and how its changes are followed.
struct ReplicatedTable: Sendable {
    enum Tracking: Sendable {
        /// Whole documents: rows of a changed document are replaced (`staging_lines`, `documents`).
        case documents
        /// Customers and match groups reconcile rebuilt, and relinked purchases (`purchases`).
        case rebuilds
        /// Rows are only ever added, with growing ids: those above the last copied id.
        case appendOnly(idColumn: String)
        /// Small tables (runs, periods, CRM): copied whole, in the same transaction.
        case whole
    }

    let name: String
    let columns: [String]
    let tracking: Tracking

    /// `SELECT` list for SQLite, quoted (`"user"` is a column) and qualified by `alias`.
    func selectList(_ alias: String) -> String {
        columns.map { "\(alias).\"\($0)\"" }.joined(separator: ", ")
    }

    static let stagingLines = ReplicatedTable(name: "staging_lines", columns: [
        "line_id", "raw_id", "vendor", "endpoint", "direction", "document_key", "document_date", "document_type",
        "currency", "line_index", "customer_key", "customer_account_id", "customer_number", "customer_name",
        "subscription_id", "subscription_name", "line_ref", "uid", "row_hash", "match_group", "sku", "description",
        "charge_type", "quantity", "quantity_norm", "unit_price_micros", "amount_micros", "vat_micros",
        "period_start", "period_end",
    ], tracking: .documents)

    static let documents = ReplicatedTable(name: "documents", columns: [
        "vendor", "endpoint", "document_key", "direction", "document_date", "current_raw_id", "versions",
        "first_seen_at", "changed_at", "stated_total_micros",
    ], tracking: .documents)

    static let purchases = ReplicatedTable(name: "purchases", columns: [
        "purchase_id", "vendor", "invoice_id", "invoice_date", "customer_key", "customer_number", "customer_name",
        "subscription_id", "sku", "description", "charge_type", "period_start", "period_end", "currency",
        "quantity_bought", "quantity_billed", "cost_micros", "sell_micros", "margin_micros", "match_status",
        "match_rule", "match_candidates", "match_group", "outgoing_document", "incoming_line_id", "outgoing_line_id",
        "crm_company_id", "crm_company_name", "adjusts_month", "adjusts_purchase_ids",
        "document_type", "vat_micros",
    ], tracking: .rebuilds)

    static let rawDocuments = ReplicatedTable(name: "raw_documents", columns: [
        "raw_id", "vendor", "endpoint", "endpoint_version", "document_key", "document_date", "content_sha256",
        "payload", "fetched_at", "ingest_id",
    ], tracking: .appendOnly(idColumn: "raw_id"))

    /// Copied whole every time: each stays small (a row per run and endpoint, per bad document,
    /// per month, per CRM company), and some are updated in place without a log.
    static let small: [ReplicatedTable] = [
        ReplicatedTable(name: "ingest_runs", columns: [
            "ingest_id", "run_id", "vendor", "endpoint", "endpoint_version", "window_start", "window_end",
            "started_at", "finished_at", "status", "requests", "retries", "pages", "documents", "documents_changed",
            "lines", "quarantined", "error",
        ], tracking: .whole),
        ReplicatedTable(name: "quarantine", columns: [
            "quarantine_id", "vendor", "endpoint", "document_key", "kind", "reason", "content_sha256", "payload",
            "first_seen_at", "last_seen_at", "ingest_id", "resolved_at",
        ], tracking: .whole),
        ReplicatedTable(name: "closed_months", columns: ["month", "closed_at", "note"], tracking: .whole),
        ReplicatedTable(name: "period_events", columns: ["event_id", "month", "action", "at", "reason", "user"], tracking: .whole),
        ReplicatedTable(name: "crm_companies", columns: [
            "company_id", "name", "assignee_id", "email_domain", "tags", "customer_numbers", "date_modified",
            "raw_id", "synced_at",
        ], tracking: .whole),
        ReplicatedTable(name: "crm_customer_numbers", columns: ["customer_number", "company_id"], tracking: .whole),
        ReplicatedTable(name: "crm_publications", columns: [
            "publication_id", "month", "company_id", "kind", "payload", "payload_sha256", "http_status", "error",
            "written_at", "run_id",
        ], tracking: .whole),
    ]
}
