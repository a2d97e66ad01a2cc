"""Compares billwh's `purchases` with the model, and with the purchases of another warehouse.

Rows are identified by the UIDs of the lines behind them (incoming, outgoing): the generator
makes every UID unique, and billwh keeps it in staging_lines.uid.
"""
import json
from collections import Counter, defaultdict

import matching_model
from billwh_cli import read

COMPARED = ("match_status", "match_rule", "invoice_id", "invoice_date", "customer_number", "customer_name",
            "subscription_id", "sku", "description", "charge_type", "period_start", "period_end", "currency",
            "quantity_bought", "quantity_billed", "cost_micros", "sell_micros", "margin_micros", "vat_micros",
            "document_type", "outgoing_document")

# Columns that name billwh's own bookkeeping rather than what a row says.
SURROGATES = ("purchase_id", "recent", "incoming_line_id", "outgoing_line_id", "match_candidates", "match_group")


def brief(r):
    """The columns that identify a row, for messages."""
    keys = ("in_uid", "out_uid", "match_status", "match_rule", "customer_number", "sku", "period_start", "currency",
            "quantity_bought", "quantity_billed", "cost_micros", "sell_micros", "vat_micros")
    return {k: r.get(k) for k in keys if r.get(k) is not None}


def totals_per_currency(pairs):
    out = defaultdict(lambda: [0, 0])
    for currency, cost, sell in pairs:
        out[currency][0] += cost or 0
        out[currency][1] += sell or 0
    return {k: tuple(v) for k, v in out.items()}


def check_purchases(h, where, found):
    """Every row of harness `h`'s vendor against the model of its current lines."""
    lines = h.lines()
    expected = matching_model.expected(h.vendor, lines)
    actual = [r for r in h.purchases() if r["vendor"] == h.vendor]

    # the invariant of docs/schema.md: per currency, the rows add up to the staged lines
    sent = totals_per_currency((l.cur, matching_model.micros(l.amt) if l.dir == "in" else 0,
                                matching_model.micros(l.amt) if l.dir == "out" else 0) for l in lines)
    stored = totals_per_currency((r["currency"], r["cost_micros"], r["sell_micros"]) for r in actual)
    if sent != stored:
        found.add(where, "cost/sell per currency differ from the lines sent (currency: (cost, sell))",
                  "sent:   %s" % sent, "billwh: %s" % stored)

    # INTERFACE: every line in exactly one row, nothing dropped, nothing twice
    def appearances(rows):
        return Counter(x for r in rows for x in (("in", r["in_uid"]), ("out", r["out_uid"])) if x[1] is not None)
    got = appearances(actual)
    for line in sorted({(l.dir, l.uid) for l in lines} | set(got)):
        if got[line] != 1:
            found.add(where, "line %s %s is in %d rows, expected exactly 1" % (line[0], line[1], got[line]))

    uid_of = {r["line_id"]: r["uid"] for r in read(h.db, "SELECT line_id, uid FROM staging_lines")}
    by_id_expected = {(r["in_uid"], r["out_uid"]): r for r in expected}
    by_id_actual = {}
    for r in actual:
        ident = (r["in_uid"], r["out_uid"])
        if ident in by_id_actual:
            found.add(where, "two rows for the same lines", brief(r), brief(by_id_actual[ident]))
        by_id_actual[ident] = r
    for ident in sorted(by_id_expected.keys() - by_id_actual.keys(), key=repr):
        e = by_id_expected[ident]
        near = [brief(a) for k, a in by_id_actual.items() if (ident[0] and k[0] == ident[0]) or (ident[1] and k[1] == ident[1])]
        found.add(where, "row missing", "expected: %s" % brief(e), "billwh has these rows for its lines: %s" % near)
    for ident in sorted(by_id_actual.keys() - by_id_expected.keys(), key=repr):
        found.add(where, "row not expected", "billwh: %s" % brief(by_id_actual[ident]))
    for ident in sorted(by_id_expected.keys() & by_id_actual.keys(), key=repr):
        e, a = by_id_expected[ident], by_id_actual[ident]
        diffs = ["%s: expected %r, billwh %r" % (c, e[c], a[c]) for c in COMPARED if e[c] != a[c]]
        if e["candidates"] is not None:
            got_candidates = sorted(uid_of.get(int(x), "line_id %s" % x) for x in (a["match_candidates"] or "").replace(" ", "").split(",") if x)
            if got_candidates != e["candidates"]:
                diffs.append("match_candidates: expected %s, billwh %s" % (e["candidates"], got_candidates))
        if diffs:
            found.add(where, "row differs (in %s, out %s)" % ident, *diffs)


def comparable(rows, ignore=SURROGATES):
    """Rows as sorted JSON texts without the columns in `ignore`, for comparing warehouses."""
    return sorted(json.dumps({k: v for k, v in r.items() if k not in ignore}, sort_keys=True, ensure_ascii=False) for r in rows)


def check_same_rows(where, what, rows_a, rows_b, found, ignore=SURROGATES, names=("before", "after")):
    """Two sets of purchase rows must be equal (as multisets, without `ignore`)."""
    a, b = comparable(rows_a, ignore), comparable(rows_b, ignore)
    if a == b:
        return
    only_a = sorted((Counter(a) - Counter(b)).elements())
    only_b = sorted((Counter(b) - Counter(a)).elements())
    found.add(where, "%s (%d rows vs %d; first of %d and %d differing)" % (what, len(a), len(b), len(only_a), len(only_b)),
              *(["only %s: %s" % (names[0], x) for x in only_a[:2]] + ["only %s: %s" % (names[1], x) for x in only_b[:2]]))
