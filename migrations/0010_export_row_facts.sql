-- 0010: what accounting needs to book a purchase row without opening the database: the
-- document type (a credit note is more than a negative amount) and the incoming line's VAT.
-- `row_kind`, `adjusts_month` and `sales_document_id` (= outgoing_document) are already there
-- or follow from other columns; `purchases_export` puts all of them in the export's order.
ALTER TABLE purchases ADD COLUMN document_type TEXT CHECK (document_type IN ('invoice', 'credit_note'));
ALTER TABLE purchases ADD COLUMN vat_micros INTEGER;

-- Rows of earlier reconciles: from the line behind them (the incoming one where there is one).
UPDATE purchases SET
    document_type = (SELECT CASE WHEN lower(coalesce(s.document_type, '')) LIKE 'credit%' THEN 'credit_note' ELSE 'invoice' END
                     FROM staging_lines s WHERE s.line_id = coalesce(purchases.incoming_line_id, purchases.outgoing_line_id)),
    vat_micros = (SELECT s.vat_micros FROM staging_lines s WHERE s.line_id = purchases.incoming_line_id)
WHERE adjusts_month IS NULL;
-- Adjustment rows: the type of the rows they adjust.
UPDATE purchases SET document_type = coalesce((SELECT f.document_type FROM purchases f
    WHERE f.vendor = purchases.vendor AND f.customer_key = purchases.customer_key AND f.invoice_id IS purchases.invoice_id
      AND f.outgoing_document IS purchases.outgoing_document AND f.adjusts_month IS NULL AND f.document_type IS NOT NULL), 'invoice')
WHERE adjusts_month IS NOT NULL;
UPDATE purchases SET document_type = 'invoice' WHERE document_type IS NULL;

-- The accounting export's columns, in its order (amounts still in micro-units).
CREATE VIEW purchases_export AS
SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku, description, charge_type,
       period_start, period_end, currency, quantity_bought, quantity_billed, cost_micros, sell_micros, margin_micros,
       match_status,
       CASE WHEN adjusts_month IS NULL THEN 'purchase' ELSE 'adjustment' END AS row_kind,
       adjusts_month, document_type, outgoing_document AS sales_document_id, vat_micros,
       purchase_id
FROM purchases;
