"""Re-issues documents the way a vendor does: same InvoiceID, changed content.

A re-issue drops lines, adds lines, changes amounts, VAT, quantities, periods, hashes, the
customer a line sits under, the document's currency and its date. Only the latest version
may count, and an incremental reconcile must rebuild every match group the change left or
entered.
"""
import copy
import datetime

from scenario import random_amount, random_quantity, vat_of


def changed_line(h, line, direction):
    rng, sc = h.rng, h.scenario
    new = copy.copy(line)
    new.amt = random_amount(rng, line.credit)
    if line.vat is not None:
        new.vat = vat_of(rng, new.amt)
    if rng.random() < 0.3:
        new.qty = random_quantity(rng, line.credit)
    what = rng.random()
    if what < 0.15:
        key = sc.new_key()                       # another period: another match group
        new.start, new.end = key["start"], key["end"]
    elif what < 0.25 and h.vendor == "copaco":
        new.hash = None if line.hash else sc.new_hash()
    elif what < 0.35 and line.hash:
        new.hash = sc.new_hash()
    elif what < 0.45 and not (h.vendor == "twotcloud" and direction == "out"):
        new.cust = rng.choice(sc.customers)      # a 2tCloud customer invoice has one customer
        new.ckey = sc.customer_key(new.cust)
    new.spell(rng)
    return new


def reissue(h, share=0.35):
    """Changes about `share` of the documents of harness `h`; returns their ids."""
    rng, sc = h.rng, h.scenario
    changed = []
    for direction in ("in", "out"):
        for d in h.docs[direction]:
            if rng.random() >= share:
                continue
            lines = []
            for line in d.lines:
                r = rng.random()
                if r < 0.15:
                    continue                     # line removed
                lines.append(changed_line(h, line, direction) if r < 0.5 else line)
            if d.lines and rng.random() < 0.3:
                c = d.receiver_customer or rng.choice(d.lines).cust
                added = sc.line(c, direction, sc.new_key(), d.cur, random_quantity(rng, d.credit),
                                random_amount(rng, d.credit), credit=d.credit)
                added.doc = d
                lines.append(added)
            if rng.random() < 0.1:
                d.cur = rng.choice(["EUR", "USD", "GBP"])
                for i, line in enumerate(lines):
                    if line.cur != d.cur:
                        lines[i] = copy.copy(line)
                        lines[i].cur = d.cur
            if rng.random() < 0.3:
                d.date = h.window_start + datetime.timedelta(days=rng.randint(0, h.window_days - 1))
            d.lines = lines
            d.text = None
            changed.append(d.id)
    return changed
