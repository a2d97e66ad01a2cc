"""The reconciliation rules, implemented again from docs/reconciliation.md and the `purchases`
columns of the interface, to compare billwh's rows with.

It shares no code, SQL or data with billwh: it works on the generator's own lines (what was
sent), not on anything billwh stored. Where the two disagree, either billwh or this reading of
the documentation is wrong; both are worth knowing.

Rules, per vendor and customer key, currency part of every key:
  1. invoice_row_hash: a hash occurring exactly once on each side pairs them;
  2. subscription_sku_period: one candidate on each side of the key;
  3. +quantity: a quantity occurring once on each side; +remainder: one line left on each side;
  4. what is left (one line against several stays so, even when their quantities add up: a
     line is counted in exactly one row, with its own amount): ambiguous while the other side has candidates, else unbilled / unbacked,
     `:currency_mismatch` when a partner exists only in another currency.
"""
from collections import defaultdict
from decimal import Decimal

HASH = "invoice_row_hash"
KEY = "subscription_sku_period"


def micros(d):
    return int((Decimal(d) * 1000000).to_integral_value())


def row(vendor, i=None, o=None, status=None, rule=None):
    """One expected purchase row from an incoming line `i` and/or an outgoing line `o`."""
    base = i if i is not None else o
    r = dict(vendor=vendor, in_uid=i.uid if i else None, out_uid=o.uid if o else None,
             match_status=status, match_rule=rule,
             invoice_id=i.doc.id if i else None,
             invoice_date=(i.doc if i else o.doc).date.isoformat(),
             customer_number=base.cust["number"], customer_name=base.cust["name"],
             subscription_id=str(base.sub), sku=base.sku, description=base.desc, charge_type=base.charge,
             period_start=base.start.isoformat(), period_end=base.end.isoformat(), currency=base.cur,
             quantity_bought=i.qty_text if i else None,
             quantity_billed=o.qty_text if o else None,
             cost_micros=micros(i.amt) if i else None,
             sell_micros=micros(o.amt) if o else None,
             vat_micros=micros(i.vat) if i is not None and i.vat is not None else None,
             document_type="credit_note" if (i.doc if i else o.doc).credit else "invoice",
             outgoing_document=o.doc.id if o else None,
             candidates=None)
    both = r["cost_micros"] is not None and r["sell_micros"] is not None
    r["margin_micros"] = r["sell_micros"] - r["cost_micros"] if both else None
    return r


def pair(vendor, i, o, rule):
    return row(vendor, i, o, "matched" if i.qty == o.qty else "quantity_mismatch", rule)


def single(vendor, line, status, rule, candidates=None):
    r = row(vendor, line if line.dir == "in" else None, line if line.dir == "out" else None, status, rule)
    r["candidates"] = candidates
    return r


def leftover(vendor, line, mine, others, rule, has_other_currency_partner):
    """Rule 4 for one line left on its key (or hash)."""
    if others:
        n_in, n_out = (len(mine), len(others)) if line.dir == "in" else (len(others), len(mine))
        return single(vendor, line, "ambiguous", "%s:ambiguous(%d incoming, %d outgoing)" % (rule, n_in, n_out),
                      sorted(x.uid for x in others))
    return single(vendor, line, "unbilled" if line.dir == "in" else "unbacked",
                  rule + (":currency_mismatch" if has_other_currency_partner else ":no_partner"))


def key_rows(vendor, incoming, outgoing, other_currency):
    """Rules 2-4 for the unhashed lines of one key (currency included)."""
    I, O = list(incoming), list(outgoing)
    if len(I) == 1 and len(O) == 1:
        return [pair(vendor, I[0], O[0], KEY)]
    rows = []
    if I and O:
        by_qty_in, by_qty_out = defaultdict(list), defaultdict(list)
        for l in I:
            by_qty_in[l.qty].append(l)      # Decimal: 5 == 5.0
        for l in O:
            by_qty_out[l.qty].append(l)
        paired = False
        for q, lines in by_qty_in.items():
            if len(lines) == 1 and len(by_qty_out.get(q, [])) == 1:
                a, b = lines[0], by_qty_out[q][0]
                rows.append(pair(vendor, a, b, KEY + "+quantity"))
                I.remove(a)
                O.remove(b)
                paired = True
        if paired and len(I) == 1 and len(O) == 1:
            rows.append(pair(vendor, I[0], O[0], KEY + "+remainder"))
            I, O = [], []
    for l in I:
        rows.append(leftover(vendor, l, I, O, KEY, other_currency("out")))
    for l in O:
        rows.append(leftover(vendor, l, O, I, KEY, other_currency("in")))
    return rows


def hash_rows(vendor, incoming, outgoing, other_currency):
    """Rules 1 and 4 for the lines of one hash (currency included)."""
    if len(incoming) == 1 and len(outgoing) == 1:
        return [pair(vendor, incoming[0], outgoing[0], HASH)]
    rows = [leftover(vendor, l, incoming, outgoing, HASH, other_currency("out")) for l in incoming]
    rows += [leftover(vendor, l, outgoing, incoming, HASH, other_currency("in")) for l in outgoing]
    return rows


def expected(vendor, lines):
    """The purchase rows `lines` (the current version of every document) should give."""
    rows = []
    by_customer = defaultdict(list)
    for l in lines:
        by_customer[l.ckey].append(l)
    for customer_lines in by_customer.values():
        for hashed in (True, False):
            groups = defaultdict(lambda: ([], []))
            for l in customer_lines:
                if bool(l.hash) == hashed:
                    ident = l.hash if hashed else (l.sub, l.sku, l.start, l.end)
                    groups[(ident, l.cur)][0 if l.dir == "in" else 1].append(l)
            for (ident, cur), (incoming, outgoing) in groups.items():
                def other_currency(direction, ident=ident, cur=cur):
                    side = 0 if direction == "in" else 1
                    return any(c != cur and g[side] for (i2, c), g in groups.items() if i2 == ident)
                if hashed:
                    rows += hash_rows(vendor, incoming, outgoing, other_currency)
                else:
                    rows += key_rows(vendor, incoming, outgoing, other_currency)
    return rows
