import GRDB

/// Fills `purchases.crm_company_id` / `crm_company_name` from the Copper companies that claim
/// the purchase's customer number. A number claimed by two companies links to neither (it is
/// reported by `status`); closed months keep the links they had when they were closed.
package enum CRMLinks {
    /// Every open row (after a Copper sync).
    package static func linkAll(_ db: Database) throws {
        try makeLinkTable(db)
        let open = "substr(purchases.invoice_date, 1, 7) NOT IN (SELECT month FROM closed_months)"
        try db.execute(sql: """
            UPDATE purchases SET crm_company_id = CAST(l.company_id AS TEXT), crm_company_name = l.name
            FROM temp.crm_link l
            WHERE purchases.customer_number = l.customer_number AND \(open)
              AND (purchases.crm_company_id IS NOT CAST(l.company_id AS TEXT) OR purchases.crm_company_name IS NOT l.name);

            UPDATE purchases SET crm_company_id = NULL, crm_company_name = NULL
            WHERE crm_company_id IS NOT NULL AND \(open)
              AND (customer_number IS NULL OR customer_number NOT IN (SELECT customer_number FROM temp.crm_link));

            DROP TABLE temp.crm_link;
            """)
    }

    /// The rows a reconcile just wrote (`purchase_id > mark`; they start unlinked). Driven by
    /// those rows, so the cost is the change's, not the linked customers' history.
    package static func link(_ db: Database, rebuiltAfter mark: Int64) throws {
        try makeLinkTable(db)
        try db.execute(sql: """
            UPDATE purchases SET
                crm_company_id = (SELECT CAST(l.company_id AS TEXT) FROM temp.crm_link l WHERE l.customer_number = purchases.customer_number),
                crm_company_name = (SELECT l.name FROM temp.crm_link l WHERE l.customer_number = purchases.customer_number)
            WHERE purchase_id > ? AND substr(invoice_date, 1, 7) NOT IN (SELECT month FROM closed_months)
              AND (crm_company_id IS NOT NULL OR customer_number IN (SELECT customer_number FROM temp.crm_link));
            DROP TABLE temp.crm_link;
            """, arguments: [mark])
    }

    static func makeLinkTable(_ db: Database) throws {
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.crm_link;
            CREATE TEMP TABLE crm_link (customer_number TEXT PRIMARY KEY, company_id INTEGER NOT NULL, name TEXT) WITHOUT ROWID;
            INSERT INTO temp.crm_link
            SELECT x.customer_number, x.company_id, c.name
            FROM (SELECT customer_number, min(company_id) AS company_id FROM crm_customer_numbers
                  GROUP BY customer_number HAVING count(*) = 1) x
            JOIN crm_companies c ON c.company_id = x.company_id;
            """)
    }
}
