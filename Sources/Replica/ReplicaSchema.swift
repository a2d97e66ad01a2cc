import Logging
import PostgresNIO

/// The replica's DDL, versioned like the warehouse's migrations: each version is applied once,
/// in the transaction of the replicate that needs it, and recorded in `replica_ddl`; a replica made by an older billwh is
/// brought up to date in place by the next replicate. Applied versions are never edited: add one.
///
/// Types are exact: money in BIGINT micro-units, dates DATE, timestamps TIMESTAMPTZ, quantities
/// NUMERIC as the vendor sent them (scale kept: `1.50` stays `1.50`), raw payloads BYTEA.
enum ReplicaSchema {
    static let versions: [[String]] = [
        // 1: the tables and the replica's own bookkeeping.
        [
            """
            CREATE TABLE replica_state (
                singleton      BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
                warehouse_id   TEXT NOT NULL,
                change_id      BIGINT NOT NULL,
                raw_id         BIGINT NOT NULL,
                with_raw       BOOLEAN NOT NULL,
                replicated_at  TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE ingest_runs (
                ingest_id BIGINT PRIMARY KEY, run_id BIGINT NOT NULL, vendor TEXT NOT NULL, endpoint TEXT NOT NULL,
                endpoint_version TEXT NOT NULL, window_start DATE NOT NULL, window_end DATE NOT NULL,
                started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ NOT NULL, status TEXT NOT NULL,
                requests INTEGER NOT NULL, retries INTEGER NOT NULL, pages INTEGER NOT NULL, documents INTEGER NOT NULL,
                documents_changed INTEGER NOT NULL, lines INTEGER NOT NULL, quarantined INTEGER NOT NULL, error TEXT
            )
            """,
            """
            CREATE TABLE raw_documents (
                raw_id BIGINT PRIMARY KEY, vendor TEXT NOT NULL, endpoint TEXT NOT NULL, endpoint_version TEXT NOT NULL,
                document_key TEXT NOT NULL, document_date DATE, content_sha256 TEXT NOT NULL, payload BYTEA NOT NULL,
                fetched_at TIMESTAMPTZ NOT NULL, ingest_id BIGINT NOT NULL
            )
            """,
            "CREATE INDEX raw_documents_by_document ON raw_documents (vendor, endpoint, document_key)",
            """
            CREATE TABLE documents (
                vendor TEXT NOT NULL, endpoint TEXT NOT NULL, document_key TEXT NOT NULL, direction TEXT NOT NULL,
                document_date DATE NOT NULL, current_raw_id BIGINT NOT NULL, versions INTEGER NOT NULL,
                first_seen_at TIMESTAMPTZ NOT NULL, changed_at TIMESTAMPTZ NOT NULL, stated_total_micros BIGINT,
                PRIMARY KEY (vendor, endpoint, document_key)
            )
            """,
            """
            CREATE TABLE staging_lines (
                line_id BIGINT PRIMARY KEY, raw_id BIGINT NOT NULL, vendor TEXT NOT NULL, endpoint TEXT NOT NULL,
                direction TEXT NOT NULL, document_key TEXT NOT NULL, document_date DATE NOT NULL, document_type TEXT,
                currency TEXT NOT NULL, line_index INTEGER NOT NULL, customer_key TEXT NOT NULL,
                customer_account_id TEXT, customer_number TEXT, customer_name TEXT, subscription_id TEXT,
                subscription_name TEXT, line_ref TEXT, uid TEXT, row_hash TEXT, match_group TEXT, sku TEXT,
                description TEXT, charge_type TEXT, quantity NUMERIC, quantity_norm NUMERIC, unit_price_micros BIGINT,
                amount_micros BIGINT NOT NULL, vat_micros BIGINT, period_start DATE, period_end DATE
            )
            """,
            "CREATE INDEX staging_lines_by_document ON staging_lines (vendor, endpoint, document_key)",
            """
            CREATE TABLE purchases (
                purchase_id BIGINT PRIMARY KEY, vendor TEXT NOT NULL, invoice_id TEXT, invoice_date DATE NOT NULL,
                customer_key TEXT NOT NULL, customer_number TEXT, customer_name TEXT, subscription_id TEXT, sku TEXT,
                description TEXT, charge_type TEXT, period_start DATE, period_end DATE, currency TEXT NOT NULL,
                quantity_bought NUMERIC, quantity_billed NUMERIC, cost_micros BIGINT, sell_micros BIGINT,
                margin_micros BIGINT, match_status TEXT NOT NULL, match_rule TEXT, match_candidates TEXT,
                match_group TEXT, outgoing_document TEXT, incoming_line_id BIGINT, outgoing_line_id BIGINT,
                crm_company_id TEXT, crm_company_name TEXT, adjusts_month TEXT, adjusts_purchase_ids TEXT
            )
            """,
            "CREATE INDEX purchases_by_match_group ON purchases (vendor, customer_key, match_group)",
            "CREATE INDEX purchases_by_invoice_date ON purchases (invoice_date)",
            """
            CREATE TABLE quarantine (
                quarantine_id BIGINT PRIMARY KEY, vendor TEXT NOT NULL, endpoint TEXT NOT NULL, document_key TEXT,
                reason TEXT NOT NULL, content_sha256 TEXT NOT NULL, payload BYTEA NOT NULL,
                first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL, ingest_id BIGINT NOT NULL,
                resolved_at TIMESTAMPTZ
            )
            """,
            "CREATE TABLE closed_months (month TEXT PRIMARY KEY, closed_at TIMESTAMPTZ NOT NULL, note TEXT)",
            """
            CREATE TABLE period_events (
                event_id BIGINT PRIMARY KEY, month TEXT NOT NULL, action TEXT NOT NULL, at TIMESTAMPTZ NOT NULL,
                reason TEXT, "user" TEXT
            )
            """,
            """
            CREATE TABLE crm_companies (
                company_id BIGINT PRIMARY KEY, name TEXT, assignee_id BIGINT, email_domain TEXT, tags TEXT,
                customer_numbers TEXT, date_modified BIGINT NOT NULL, raw_id BIGINT NOT NULL, synced_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE crm_customer_numbers (
                customer_number TEXT NOT NULL, company_id BIGINT NOT NULL, PRIMARY KEY (customer_number, company_id)
            )
            """,
            """
            CREATE TABLE crm_publications (
                publication_id BIGINT PRIMARY KEY, month TEXT NOT NULL, company_id BIGINT NOT NULL, kind TEXT NOT NULL,
                payload TEXT NOT NULL, payload_sha256 TEXT NOT NULL, http_status INTEGER, error TEXT,
                written_at TIMESTAMPTZ NOT NULL, run_id BIGINT
            )
            """,
        ],
        // 2: the readable views, with exact NUMERIC amounts (micro-units × 0.000001: scale 6,
        // never a float).
        [
            """
            CREATE VIEW purchases_readable AS
            SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku,
                   description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                   cost_micros * 0.000001 AS cost, sell_micros * 0.000001 AS sell, margin_micros * 0.000001 AS margin,
                   match_status, match_rule, crm_company_name, adjusts_month
            FROM purchases
            """,
            """
            CREATE VIEW staging_lines_readable AS
            SELECT vendor, direction, document_key, document_date, document_type, currency, customer_number,
                   customer_name, subscription_id, sku, description, charge_type, quantity,
                   amount_micros * 0.000001 AS amount, period_start, period_end, row_hash
            FROM staging_lines
            """,
        ],
        // 3: what accounting books a row by (the warehouse's `purchases_export`): the document
        // type and the incoming line's VAT, and the export view itself. Existing rows get them
        // from a whole copy (`needsWholeCopy`).
        [
            "ALTER TABLE purchases ADD COLUMN document_type TEXT, ADD COLUMN vat_micros BIGINT",
            """
            CREATE VIEW purchases_export AS
            SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku, description,
                   charge_type, period_start, period_end, currency, quantity_bought, quantity_billed, cost_micros,
                   sell_micros, margin_micros, match_status,
                   CASE WHEN adjusts_month IS NULL THEN 'purchase' ELSE 'adjustment' END AS row_kind,
                   adjusts_month, document_type, outgoing_document AS sales_document_id, vat_micros, purchase_id
            FROM purchases
            """,
            """
            CREATE OR REPLACE VIEW purchases_readable AS
            SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku,
                   description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                   cost_micros * 0.000001 AS cost, sell_micros * 0.000001 AS sell, margin_micros * 0.000001 AS margin,
                   match_status, match_rule, crm_company_name, adjusts_month,
                   CASE WHEN adjusts_month IS NULL THEN 'purchase' ELSE 'adjustment' END AS row_kind,
                   document_type, outgoing_document AS sales_document_id, vat_micros * 0.000001 AS vat
            FROM purchases
            """,
        ],
        // 4: what a quarantined item is (the warehouse's migration 0016). The quarantine is
        // copied whole on every run, so the next one fills it.
        [
            "ALTER TABLE quarantine ADD COLUMN kind TEXT",
        ],
    ]

    /// A replica upgraded from below this version gained columns its rows do not fill yet: the
    /// next replicate copies the warehouse whole.
    static let wholeCopyBelow = 3

    /// Why an upgrade from `version` needs a whole copy, or nil.
    static func wholeCopyReason(upgradedFrom version: Int) -> String? {
        guard version > 0, version < wholeCopyBelow else { return nil }
        return "the replica's schema was upgraded from version \(version) to \(latest) and its tables gained columns"
    }

    static var latest: Int { versions.count }

    /// Each view as the latest version defines it, as CREATE OR REPLACE: a whole copy puts back
    /// a view someone dropped or changed by hand.
    static let currentViews: [String] = {
        var definitions: [(name: String, sql: String)] = []
        for statement in versions.joined() {
            guard let match = statement.firstMatch(of: /^CREATE (?:OR REPLACE )?VIEW (\w+) AS/) else { continue }
            let sql = statement.hasPrefix("CREATE VIEW") ? "CREATE OR REPLACE VIEW" + statement.dropFirst("CREATE VIEW".count) : statement
            definitions.removeAll { $0.name == String(match.1) }
            definitions.append((String(match.1), sql))
        }
        return definitions.map(\.sql)
    }()

    /// Runs with the schema first on the search path.
    static func recreateViews(_ connection: PostgresConnection, logger: Logger) async throws {
        for view in currentViews { try await connection.query(PostgresQuery(unsafeSQL: view), logger: logger) }
    }

    /// Creates the schema if needed and applies the versions it lacks (up to `upTo`: tests make
    /// an older replica this way). Returns the version it found. Runs inside the caller's
    /// transaction, so that a replicate that fails after it leaves no tables behind, empty or
    /// upgraded without the whole copy their new columns need.
    @discardableResult
    static func upgrade(_ connection: PostgresConnection, schema: SchemaName, upTo: Int = latest, logger: Logger) async throws -> Int {
        // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when
        // the schema is there, and a least-privileged user may only own its schema.
        var exists = false
        for try await found in try await connection.query("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = \(schema.name))",
                                                          logger: logger).decode(Bool.self) {
            exists = found
        }
        if !exists {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema.quoted)"), logger: logger)
        }
        try await connection.query(PostgresQuery(unsafeSQL: """
            CREATE TABLE IF NOT EXISTS \(schema.quoted).replica_ddl (
                version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """), logger: logger)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT coalesce(max(version), 0) FROM \(schema.quoted).replica_ddl"), logger: logger)
        var found = 0
        for try await version in rows.decode(Int.self) { found = version }
        guard found <= latest else { throw ReplicaError.newerReplica(schema: schema.name, version: found, known: latest) }
        for version in (found + 1)...max(found + 1, upTo) where version <= upTo {
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema.quoted)"), logger: logger)
            for statement in versions[version - 1] {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("INSERT INTO replica_ddl (version) VALUES (\(version))", logger: logger)
            logger.info("replicate: schema \(schema) at replica version \(version)")
        }
        return found
    }
}
