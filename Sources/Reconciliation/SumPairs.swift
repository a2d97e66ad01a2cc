import GRDB
import Warehouse

/// The `subscription_sku_period+sum` rule (docs/reconciliation.md): within a key, when the
/// lines the earlier rules left are one line on one side and several on the other, and those
/// several add up exactly to the one line's quantity (10 + 5 seats bought, 15 billed; or the
/// reverse), they are matched as a group. Each line of the many side gets a row, with the single
/// line's amount (and VAT) split across them in proportion to quantity (QuantitySum.split).
///
/// Only all the lines left on the many side are summed, never a subset: when two subsets could
/// add up, the lines stay `ambiguous`. The many side is ordered by what the documents say (date,
/// number, position), not by line id: a tie in the split must not move when a document is only
/// re-sent, which gives its lines new ids.
enum SumPairs {
    /// Fills `temp.sum_pairs` (one row per many-side line) from `temp.left_over`, `temp.pairs`
    /// and `temp.lines`.
    static func find(_ db: Database) throws {
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.sum_pairs;
            CREATE TEMP TABLE sum_pairs (line_id INTEGER PRIMARY KEY, single_id INTEGER NOT NULL,
                single_is_incoming INTEGER NOT NULL, part_micros INTEGER NOT NULL, vat_part_micros INTEGER);
            """)
        struct Line { var id: Int64; var incoming: Bool; var quantity: String?; var amount: Int64; var vat: Int64? }
        var groups: [[Line]] = []
        var lastKey: Int64?
        let rows = try Row.fetchCursor(db, sql: """
            SELECT k.key_id, k.line_id, k.direction = 'incoming' AS incoming, l.quantity_norm, l.amount_micros, l.vat_micros
            FROM (SELECT key_id, line_id, direction,
                         sum(direction = 'incoming') OVER (PARTITION BY key_id) AS r_in,
                         sum(direction = 'outgoing') OVER (PARTITION BY key_id) AS r_out
                  FROM temp.left_over
                  WHERE line_id NOT IN (SELECT in_id FROM temp.pairs) AND line_id NOT IN (SELECT out_id FROM temp.pairs)) k
            JOIN temp.lines l ON l.line_id = k.line_id
            WHERE (k.r_in = 1 AND k.r_out >= 2) OR (k.r_in >= 2 AND k.r_out = 1)
            ORDER BY k.key_id, l.document_date, l.document_key, l.line_index, k.line_id
            """)
        while let row = try rows.next() {
            let key: Int64 = row["key_id"]
            if key != lastKey { groups.append([]); lastKey = key }
            groups[groups.count - 1].append(Line(id: row["line_id"], incoming: row["incoming"], quantity: row["quantity_norm"],
                                                 amount: row["amount_micros"], vat: row["vat_micros"]))
        }
        let insert = try db.makeStatement(sql: "INSERT INTO temp.sum_pairs VALUES (?, ?, ?, ?, ?)")
        for lines in groups {
            let incoming = lines.filter(\.incoming), outgoing = lines.filter { !$0.incoming }
            let (single, many) = incoming.count == 1 ? (incoming[0], outgoing) : (outgoing[0], incoming)
            guard let wholeText = single.quantity, let whole = try? ExactDecimal(parsing: wholeText) else { continue }
            var parts: [ExactDecimal] = []
            for line in many {
                guard let text = line.quantity, let quantity = try? ExactDecimal(parsing: text) else { break }
                parts.append(quantity)
            }
            guard parts.count == many.count, let weights = QuantitySum.weights(parts: parts, whole: whole) else { continue }
            let amounts = QuantitySum.split(single.amount, weights: weights)
            let vats = single.vat.map { QuantitySum.split($0, weights: weights) }
            for (index, line) in many.enumerated() {
                try insert.execute(arguments: [line.id, single.id, single.incoming, amounts[index], vats?[index]])
            }
        }
    }
}
