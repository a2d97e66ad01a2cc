"""Closed months (docs/reconciliation.md): after `billwh close --month 2024-05`, rows dated in
May never change; what later re-issues change there arrives as adjustment rows dated
2024-06-01, so that every line group (customer, invoice, outgoing document, subscription, SKU,
period, currency, charge type) still nets to what the model says and the totals still balance.
`reopen` brings the month back to the plain model.
"""
from collections import defaultdict

import matching_model
from csv_check import check_export
from harness import Harness
from purchase_check import brief, check_purchases, check_same_rows, totals_per_currency
from reissue import reissue

MONTH = "2024-05"
ADJUSTMENT_DATE = "2024-06-01"   # the first day of the first open month after MONTH


def line_group(r):
    return (r["customer_number"], r["invoice_id"], r["outgoing_document"], r["subscription_id"], r["sku"],
            r["period_start"], r["period_end"], r["currency"], r["charge_type"])


def unchanged_part(r):
    """A frozen row as stored (its lines' UIDs may go when a re-issue replaces the lines)."""
    return {k: v for k, v in r.items() if k not in ("recent", "in_uid", "out_uid")}


def net_per_group(rows):
    out = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        g = out[line_group(r)]
        g[0] += r["cost_micros"] or 0
        g[1] += r["sell_micros"] or 0
        g[2] += r["vat_micros"] or 0
    return out


def run_closed_month(billwh, workdir, seed, vendor, found, rounds=2):
    with Harness(billwh, workdir, seed, vendor, customers=3, items=6, name="closed-%s-%d" % (vendor, seed)) as h:
        h.serve()
        h.ingest()
        h.reconcile()
        billwh.run(["close", "--db", h.db, "--month", MONTH], h.env, label="close")
        frozen = {r["purchase_id"]: r for r in h.purchases() if r["invoice_date"].startswith(MONTH)}
        for n in range(1, rounds + 1):
            where = "closed month, re-issue %d" % n
            reissue(h)
            h.serve()
            h.ingest(label=where)
            h.reconcile(label=where)
            rows = [r for r in h.purchases() if r["vendor"] == vendor]
            by_id = {r["purchase_id"]: r for r in rows}
            for pid, before in frozen.items():
                after = by_id.get(pid)
                if after is None or unchanged_part(after) != unchanged_part(before):
                    found.add(where, "a row of the closed month changed", "before: %s" % brief(before),
                              "after:  %s" % (brief(after) if after else "deleted"))
            for r in rows:
                if r["adjusts_month"] is not None or r["match_rule"] == "adjustment":
                    if (r["invoice_date"], r["adjusts_month"], r["match_rule"]) != (ADJUSTMENT_DATE, MONTH, "adjustment"):
                        found.add(where, "an adjustment row of another shape", brief(r),
                                  "invoice_date %s, adjusts_month %s" % (r["invoice_date"], r["adjusts_month"]))
            lines = h.lines()
            sent = totals_per_currency((l.cur, matching_model.micros(l.amt) if l.dir == "in" else 0,
                                        matching_model.micros(l.amt) if l.dir == "out" else 0) for l in lines)
            stored = totals_per_currency((r["currency"], r["cost_micros"], r["sell_micros"]) for r in rows)
            # A currency whose lines all left a closed month keeps its frozen rows, netted to
            # zero by adjustment rows: it adds up to the (no) lines sent, as a zero.
            stored = {currency: total for currency, total in stored.items() if total != (0, 0) or currency in sent}
            if sent != stored:
                found.add(where, "cost/sell per currency differ from the lines sent", "sent:   %s" % sent, "billwh: %s" % stored)
            want = net_per_group(matching_model.expected(vendor, lines))
            got = net_per_group(rows)
            for g in sorted(set(want) | set(got), key=repr):
                if want.get(g, [0, 0, 0]) != got.get(g, [0, 0, 0]):
                    found.add(where, "a line group nets to another (cost, sell, VAT)", g,
                              "model %s, billwh %s" % (want.get(g), got.get(g)))
            full = h.copy_db("full-%d" % n)
            h.reconcile(db=full, full=True, label=where + ", reconcile --full")
            check_same_rows(where + ", reconcile --full", "incremental reconciles and reconcile --full disagree",
                            h.purchases(), h.purchases(full), found, ignore=("purchase_id", "recent"),
                            names=("incremental", "full"))
            check_export(h, where + ", export", found)
        billwh.run(["reopen", "--db", h.db, "--month", MONTH, "--reason", "contract check"], h.env, label="reopen")
        h.reconcile(label="reopen")
        check_purchases(h, "after reopen", found)
