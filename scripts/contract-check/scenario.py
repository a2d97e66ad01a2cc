"""A random set of price lines for one vendor that exercises every reconciliation rule.

Lines come in small "items": the shapes docs/reconciliation.md names (a pair on the hash, on
the key, a seat increase paired by quantity, many-to-one sums, ambiguous keys, currency
mismatches, credits ...). Which rule applies is left to the model; the generator only makes
sure each shape turns up. Values are chosen to be awkward: customer numbers with leading
zeros, names with quotes, separators, line breaks and emoji, hashes sharing their first 12
characters (one match group), amounts of 0 to 6 decimals.
"""
import datetime
import hashlib
from decimal import Decimal

from number_text import MICRO, amount_text, quantity_text

NAMES = ["Acme B.V.", "Caf\u00e9 M\u00fcller GmbH", "\u65e5\u672c\u682a\u5f0f\u4f1a\u793e",
         "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ae", "O'Brien & \"Sons\"", "Semi;colon, Comma",
         "Line\nBreak Ltd", "=HYPERLINK(\"x\")", "  Spaces  ", "Slash/Back\\slash",
         "\u041c\u043e\u0441\u043a\u0432\u0430 \U0001F600", "Plain Co"]
DESCRIPTIONS = ["Microsoft 365 E3", "Exchange \"Online\" (Plan 1)", "Azure usage / Nov", "Lizenz f\u00fcr B\u00fcro",
                "Teams, Essentials", "-Negative lead", "+plus", "@at", "Tab\there", "CR\rLF\n",
                "\u00e9t\u00e9 \u2014 \u20ac"]
SKUS = ["CFQ7TTC0LH18", "AAA-111", "sku/with/slash", "SKU \u00e9", "000123", "X"]
CHARGE_TYPES = ["Purchase Fee", "Cycle Fee", "Correction", "Usage Fee", "One Time Fee", "Item Fee"]
CURRENCIES = ["EUR", "EUR", "EUR", "USD", "GBP"]

# (incoming quantities, outgoing quantities) of one key, and which rule they exercise
# (sides swapped at random). See docs/reconciliation.md rules 3-4.
QUANTITY_SHAPES = {
    "quantity_then_sum": ([10, 3, 2], [10, 5]),        # +quantity, then 2 vs 1 that add up: ambiguous
    "remainder_ambiguous": ([10, 5, 7], [10, 6]),      # +quantity leaves 2 vs 1 that do not add up
    "duplicate_quantity": ([10, 10, 5], [10, 5]),      # 10 twice on one side: no +quantity for it
    "sum_two": ([10, 5], [10]),                        # +quantity 10, then 5 has no partner
    "sum_three": ([15], [10, 5, 15]),
    "remainder_after_quantity": ([10, 5], [15, 10]),   # +quantity 10, +remainder 5 and 15
}

# How often each item shape is drawn.
ITEM_WEIGHTS = {
    "key_pair": 12, "key_pair_other_quantity": 4, "unbilled": 3, "unbacked": 3,
    "hash_pair": 10, "hash_duplicate": 2, "hash_single": 2, "hash_cross_customer": 1,
    "hash_two_customers": 1, "hash_and_key": 2, "hash_and_key_lines": 2,
    "currency_mismatch": 2, "hash_currency_mismatch": 2,
    "quantity_pairs": 3, "quantity_remainder": 3, "sum_one_incoming": 3, "sum_one_outgoing": 3,
    "sum_decimal": 2, "sum_subset": 1, "sum_mixed_sign": 1, "sum_zero": 1, "ambiguous_equal": 2,
    "quantity_then_sum": 2, "remainder_ambiguous": 1, "duplicate_quantity": 1, "sum_two": 3,
    "sum_three": 2, "remainder_after_quantity": 2,
}


class Line:
    """One price line as the model sees it. `doc` is set when the line is placed in a
    document; `qty_text`, `amt_text`, `vat_text` fix how the numbers are spelled."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def spell(self, rng):
        """Fixes the spelling of the line's numbers (kept while the values do not change)."""
        self.qty_text = quantity_text(rng, self.qty)
        self.amt_text = amount_text(rng, self.amt)
        self.vat_text = amount_text(rng, self.vat) if self.vat is not None else None


def random_amount(rng, negative=False):
    v = Decimal(rng.randint(0, 500000)) / (Decimal(10) ** rng.choice([0, 0, 1, 2, 2, 2, 3, 4, 6]))
    if rng.random() < 0.05:
        v = Decimal("0.000001")
    return (-v if negative else v).quantize(MICRO)


def random_quantity(rng, negative=False):
    q = Decimal(rng.choice([1, 1, 2, 3, 5, 10, 12, 25]))
    if rng.random() < 0.15:
        q = Decimal(rng.randint(1, 999)) / Decimal(100)
    return -q if negative else q


def vat_of(rng, amount):
    """21% VAT, sent on most incoming lines; absent on some."""
    return (amount * Decimal("0.21")).quantize(MICRO) if rng.random() < 0.9 else None


class Scenario:
    """All lines of one vendor; `uid_prefix` keeps two scenarios in one warehouse apart."""

    def __init__(self, rng, vendor, n_customers=4, items_per_customer=8, base=datetime.date(2024, 5, 1), uid_prefix=""):
        self.rng = rng
        self.vendor = vendor
        self.base = base
        self.hashes = vendor == "copaco"   # 2tCloud sends no InvoiceRowHash
        self.uid_prefix = uid_prefix
        self.lines = []
        self.uid_count = 0
        self.subscription = 1000 + rng.randint(0, 1000)
        self.customers = []
        numbers = set()
        for i in range(n_customers):
            number = None
            while number is None or number in numbers:
                number = rng.choice(["%06d" % rng.randint(0, 99999), "00%d" % rng.randint(1, 999), str(rng.randint(1000, 99999))])
            numbers.add(number)
            self.customers.append(dict(number=number, name=rng.choice(NAMES), account=rng.randint(100000, 999999) + i,
                                       costcenter=rng.choice([None, "CC-1", "K\u00f8st"])))
        for c in self.customers:
            for _ in range(items_per_customer):
                self.add_item(c)

    def customer_key(self, c):
        """What the vendor's matching rule calls the customer (docs/reconciliation.md)."""
        return c["number"] if self.vendor == "copaco" else "account:%d" % c["account"]

    def new_uid(self):
        self.uid_count += 1
        return "%sU%05d-%s" % (self.uid_prefix, self.uid_count, self.rng.choice(["a", "\u00e9", "/b"]))

    def new_key(self):
        """A fresh subscription + SKU + period."""
        self.subscription += 1
        start = self.base - datetime.timedelta(days=self.rng.choice([30, 31, 45, 60]))
        end = start + datetime.timedelta(days=self.rng.choice([0, 1, 29, 30]))
        return dict(sub=self.subscription, sku=self.rng.choice(SKUS), start=start, end=end)

    def new_hash(self):
        h = hashlib.sha1(str(self.rng.random()).encode()).hexdigest()
        earlier = [l.hash for l in self.lines if l.hash]
        if earlier and self.rng.random() < 0.3:
            h = self.rng.choice(earlier)[:12] + h[12:]   # same match group as an earlier hash
        return h

    def line(self, c, direction, key, cur, qty, amt, hash=None, credit=False):
        line = Line(dir=direction, cust=c, ckey=self.customer_key(c), sub=key["sub"], sku=key["sku"],
                    start=key["start"], end=key["end"], cur=cur, qty=qty, amt=amt, hash=hash, credit=credit,
                    uid=self.new_uid(),
                    desc=self.rng.choice(DESCRIPTIONS) + ("" if direction == "in" else " (sell)"),
                    charge=self.rng.choice(CHARGE_TYPES + [None, None]),
                    vat=vat_of(self.rng, amt) if direction == "in" else None,
                    subname="Sub \u00e9 %d" % key["sub"])
        line.spell(self.rng)
        self.lines.append(line)
        return line

    def add_item(self, c):
        rng = self.rng
        cur = rng.choice(CURRENCIES)
        credit = rng.random() < 0.15      # a credit note: negative quantities and amounts
        sign = -1 if credit else 1
        kind = rng.choices(list(ITEM_WEIGHTS), weights=list(ITEM_WEIGHTS.values()))[0]
        if not self.hashes and kind.startswith("hash"):
            kind = "key_pair"
        key = self.new_key()
        other_cur = "USD" if cur != "USD" else "EUR"

        def A():
            return random_amount(rng, credit)

        def Q():
            return random_quantity(rng, credit)

        def add(direction, qty, hash=None, customer=c, k=key, currency=cur, is_credit=credit):
            return self.line(customer, direction, k, currency, qty, A(), hash=hash, credit=is_credit)

        if kind == "key_pair":
            q = Q(); add("in", q); add("out", q)
        elif kind == "key_pair_other_quantity":
            add("in", Q()); add("out", Q())
        elif kind == "unbilled":
            add("in", Q())
        elif kind == "unbacked":
            add("out", Q())
        elif kind == "hash_pair":
            # the outgoing line may sit on another key or quantity: the hash decides
            h = self.new_hash(); q = Q()
            add("in", q, h)
            add("out", q if rng.random() < 0.8 else Q(), h, k=key if rng.random() < 0.8 else self.new_key())
        elif kind == "hash_duplicate":
            h = self.new_hash()
            add("in", Q(), h); add("in", Q(), h)
            if rng.random() < 0.7:
                add("out", Q(), h)
        elif kind == "hash_single":
            add(rng.choice(["in", "out"]), Q(), self.new_hash())
        elif kind == "hash_cross_customer":
            # one hash on two customers: the hash pairs only within a customer
            h = self.new_hash(); q = Q()
            add("in", q, h, is_credit=False); add("out", q, h, customer=rng.choice(self.customers), is_credit=False)
        elif kind == "hash_two_customers":
            h = self.new_hash(); q = Q()
            add("in", q, h); add("out", q, h)
            other = rng.choice(self.customers)
            if other is not c:
                k2 = self.new_key()
                add("in", q, h, customer=other, k=k2); add("out", q, h, customer=other, k=k2)
        elif kind == "hash_and_key":
            # a hashed line never pairs by key
            q = Q(); add("in", q, self.new_hash()); add("out", q)
        elif kind == "hash_and_key_lines":
            q = Q()
            add("in", q, self.new_hash()); add("in", q); add("out", q)
            if rng.random() < 0.5:
                add("out", q, self.new_hash())
        elif kind == "currency_mismatch":
            q = Q(); add("in", q); add("out", q, currency=other_cur)
        elif kind == "hash_currency_mismatch":
            h = self.new_hash(); q = Q()
            add("in", q, h); add("out", q, h, currency=other_cur)
        elif kind == "quantity_pairs":
            # a mid-period seat increase on both sides, listed in another order
            q1 = Q(); q2 = q1 * 2 + sign
            add("in", q1); add("in", q2); add("out", q2); add("out", q1)
        elif kind == "quantity_remainder":
            q1 = Q(); q2 = q1 * 3 + sign; q3 = q2 + sign
            add("in", q1); add("in", q2); add("out", q1); add("out", q3)
        elif kind in ("sum_one_incoming", "sum_one_outgoing"):
            parts = [sign * abs(Q()) for _ in range(rng.randint(2, 3))]
            one, many = ("in", "out") if kind == "sum_one_incoming" else ("out", "in")
            add(one, sum(parts))
            for q in parts:
                add(many, q)
        elif kind == "sum_decimal":
            # sums that a binary float gets wrong
            many, one = rng.choice([(["0.1", "0.2"], "0.3"), (["0.7", "0.1", "0.2"], "1"),
                                    (["1.1", "2.2"], "3.3"), (["0.000001", "0.999999"], "1.000000")])
            d1, d2 = rng.choice([("in", "out"), ("out", "in")])
            add(d1, sign * Decimal(one))
            for m in many:
                add(d2, sign * Decimal(m))
        elif kind == "sum_subset":
            # both {10, 5} and {7, 8} add up to 15: the rule never picks a subset
            for q in (10, 5, 7, 8):
                add("in", Decimal(q), is_credit=False)
            add("out", Decimal(15), is_credit=False)
        elif kind == "sum_mixed_sign":
            add("in", Decimal(5), is_credit=False); add("out", Decimal(8), is_credit=False)
            add("out", Decimal(-3), is_credit=False)
        elif kind == "sum_zero":
            add("in", Decimal(5), is_credit=False); add("out", Decimal(5), is_credit=False)
            add("out", Decimal(0), is_credit=False)
        elif kind == "ambiguous_equal":
            q = Q(); add("in", q); add("in", q); add("out", q); add("out", q)
        else:
            ins, outs = QUANTITY_SHAPES[kind]
            if rng.random() < 0.5:
                ins, outs = outs, ins
            for x in ins:
                add("in", sign * Decimal(x))
            for x in outs:
                add("out", sign * Decimal(x))
