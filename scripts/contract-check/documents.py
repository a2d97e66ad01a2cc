"""Puts a scenario's lines into vendor documents and writes them as the vendors' JSON.

The shape follows the contracts: `{"Invoices": [Invoice...]}`, each invoice with Header,
Sender, Receiver, Customers[] > Subscriptions[] > PriceLines[] and optional Totals. Copaco
documents hold several customers; a 2tCloud customer invoice holds exactly one, which is also
its Receiver. Legal variations a decoder must read the same: one customer in two Customers[]
entries, one SubscriptionID in two subscription objects, optional fields absent or null, a
Receiver that is not the customer, Totals rounded to the cent.
"""
import datetime
from decimal import ROUND_HALF_UP, Decimal

from json_emitter import Emitter, Num, Obj
from number_text import amount_text, date_text, plain
from scenario import NAMES

CENT = Decimal("0.01")


class Doc:
    """One document. `text` is the JSON last served for it (None: write it anew)."""

    def __init__(self, direction, currency, credit, doc_id, date, receiver_customer):
        self.dir = direction
        self.cur = currency
        self.credit = credit
        self.id = doc_id
        self.date = date
        self.receiver_customer = receiver_customer
        self.lines = []
        self.text = None


def place(scenario, rng, window_start, window_days):
    """Assigns each line to a document of its direction, currency and type, dated inside the
    window. Returns {"in": [Doc], "out": [Doc]}."""
    docs = {"in": [], "out": []}
    ids = set()

    def new_id(prefix):
        while True:
            doc_id = prefix + rng.choice(["%07d" % rng.randint(0, 9999999), "-%d" % rng.randint(1, 99999),
                                          "/%d \u00e9" % rng.randint(1, 999)])
            if doc_id not in ids:
                ids.add(doc_id)
                return doc_id

    pools = {}
    for line in scenario.lines:
        one_customer = scenario.vendor == "twotcloud" and line.dir == "out"
        pool_key = (line.dir, line.cur, line.credit, line.cust["number"] if one_customer else None)
        if pool_key not in pools:
            pools[pool_key] = []
            count = (1 if rng.random() < 0.8 else 2) if one_customer else rng.randint(1, 3)
            prefix = "INV" if line.dir == "in" else ("SPEC" if scenario.vendor == "copaco" else "CI")
            for _ in range(count):
                d = Doc(line.dir, line.cur, line.credit, new_id(prefix),
                        window_start + datetime.timedelta(days=rng.randint(0, window_days - 1)),
                        line.cust if one_customer else None)
                pools[pool_key].append(d)
                docs[line.dir].append(d)
        d = rng.choice(pools[pool_key])
        d.lines.append(line)
        line.doc = d
    for ds in docs.values():
        for d in ds:
            rng.shuffle(d.lines)
    return docs


def party(number, name, account):
    return Obj([("AccountID", Num(str(account))), ("CustomerNumber", number), ("CompanyName", name),
                ("Address", "Stra\u00dfe 1"), ("Zip", "1234 AB"), ("City", "Amsterdam"), ("Country", "Netherlands"),
                ("CountryCode", "NL"), ("VATNumber", "NL0001")])


def optional(rng, items, name, value, p_absent=0.3, p_null=0.2):
    """An optional field: absent, null, or the value."""
    r = rng.random()
    if r < p_absent:
        return
    items.append((name, None if r < p_absent + p_null else value))


def group_lines(doc, rng, one_customer):
    """[(customer, [(subscription id, [lines])])] in first-seen order, sometimes with a customer
    or subscription split over two entries (legal, and it must not change a line)."""
    customers = []
    for line in doc.lines:
        entry = next((x for x in customers if x[0] is line.cust), None)
        if entry is None:
            entry = (line.cust, [])
            customers.append(entry)
        sub = next((x for x in entry[1] if x[0] == line.sub), None)
        if sub is None:
            sub = (line.sub, [])
            entry[1].append(sub)
        sub[1].append(line)
    if rng.random() >= 0.3:
        return customers
    split = []
    for cust, subs in customers:
        new_subs = []
        for sub, lines in subs:
            if len(lines) >= 2 and rng.random() < 0.5:
                k = rng.randint(1, len(lines) - 1)
                new_subs += [(sub, lines[:k]), (sub, lines[k:])]
            else:
                new_subs.append((sub, lines))
        if len(new_subs) >= 2 and rng.random() < 0.5 and not one_customer:
            k = rng.randint(1, len(new_subs) - 1)
            split += [(cust, new_subs[:k]), (cust, new_subs[k:])]
        else:
            split.append((cust, new_subs))
    return split


def price_line(line, doc, rng, vendor):
    items = [("LineId", Num(str(rng.randint(1, 10 ** 9)))), ("UID", line.uid)]
    if line.hash is not None:
        items.append(("InvoiceRowHash", line.hash))
    elif vendor == "copaco" and rng.random() < 0.2:
        items.append(("InvoiceRowHash", None))
    unit = (abs(line.amt) / abs(line.qty)).quantize(Decimal("0.0001")) if line.qty != 0 else Decimal(0)
    items += [("SKU", line.sku), ("Description", line.desc), ("Quantity", Num(line.qty_text)),
              ("QuantityType", "Licenses"), ("UnitPrice", Num(amount_text(rng, unit, allow_exponent=False))),
              ("Discount", Num(rng.choice(["0", "0.0", "5", "12.5"]))), ("ExtendedPrice", Num(line.amt_text))]
    if doc.dir == "in":
        if line.vat is not None:
            items.append(("VAT", Num(line.vat_text)))
        elif rng.random() < 0.5:
            items.append(("VAT", None))
    elif rng.random() < 0.5:
        items.append(("VAT", Num(rng.choice(["0", "0.00", "0E0"]))))   # customer documents carry no VAT
    items += [("TaxPercentage", Num("21")), ("TaxZoneID", "NL"),
              ("StartDate", date_text(rng, line.start)), ("EndDate", date_text(rng, line.end)),
              ("Duration", rng.choice([Num("1"), "1", "P1M"])), ("DurationType", "Month")]
    optional(rng, items, "BillingFrequency", "Monthly")
    optional(rng, items, "RatePeriodID", Num("7"))
    if line.charge is not None:
        items.append(("ChargeType", line.charge))
    elif rng.random() < 0.5:
        items.append(("ChargeType", None))
    optional(rng, items, "ConsumerCompanyName", "Consumer \u00e9")
    optional(rng, items, "ConsumerCompanyNumber", "0099")
    optional(rng, items, "SubPONumber", "PO/1")
    optional(rng, items, "VendorDetails", Obj([("Vendor", "Microsoft"), ("Meta", [Num("1"), Obj([("a", None)])])]))
    return Obj(items)


def totals(doc, rng):
    """The document's own totals. Invoices state them in cents while lines carry up to 6
    decimals, so a total rounded to the cent is as legal as the exact one (docs/vendors.md)."""
    excl = sum((l.amt for l in doc.lines), Decimal(0))
    vat = sum((l.vat for l in doc.lines if l.vat is not None), Decimal(0))
    incl = excl + vat
    if rng.random() < 0.5:
        excl, vat, incl = (x.quantize(CENT, rounding=ROUND_HALF_UP) for x in (excl, vat, incl))
    return Obj([("TotalExclVAT", Num(plain(excl))), ("TotalVAT", Num(plain(vat))), ("TotalInclVAT", Num(plain(incl)))])


def build(vendor, doc, rng):
    """The object tree of one document (one element of `Invoices`)."""
    one_customer = vendor == "twotcloud" and doc.dir == "out"
    header = Obj([("InvoiceID", doc.id), ("Date", date_text(rng, doc.date)),
                  ("ExpirationDate", date_text(rng, doc.date + datetime.timedelta(days=30))),
                  ("Currency", doc.cur), ("Type", "Credit" if doc.credit else "Invoice"),
                  ("TypeIdentifier", Num("2" if doc.credit else "1")), ("Description", "Factuur \u00e9 /"),
                  ("Language", "Nederlands"), ("LanguageCode", "nl-NL"), ("TermsOfPaymentDays", Num("30"))])
    reseller = party("R0042", "Reseller \u00e9 B.V.", 42)
    if doc.dir == "in":
        sender, receiver = party("C0001", "Copaco Nederland B.V.", 1), reseller
    elif one_customer:
        c = doc.receiver_customer
        sender, receiver = reseller, party(c["number"], c["name"], c["account"])
    else:
        # a Copaco specification's Receiver is not the customer its lines belong to
        sender = reseller
        receiver = party("9%05d" % rng.randint(0, 99999), rng.choice(NAMES) + " (receiver)", rng.randint(1, 99))
    grouped = group_lines(doc, rng, one_customer)
    customers = []
    for cust, subs in grouped:
        sub_objects = []
        for sub, lines in subs:
            items = [("SubscriptionID", Num(str(sub))), ("SubscriptionName", lines[0].subname),
                     ("StartDate", date_text(rng, datetime.date(2023, 1, 1))), ("PlanID", Num("5")),
                     ("PlanName", "Plan"), ("PlanCategoryName", "Cat"), ("BillingModel", Num("1"))]
            optional(rng, items, "SubscriptionPONumber", "SPO-1")
            optional(rng, items, "SubscriptionDetails", [Obj([("Attribute", "Domain"), ("AttributeValue", "x.example"),
                                                              ("AttributeDescription", "d"), ("noshow", False)])])
            items.append(("PriceLines", [price_line(l, doc, rng, vendor) for l in lines]))
            sub_objects.append(Obj(items))
        items = [("AccountID", Num(str(cust["account"]))), ("CustomerNumber", cust["number"]), ("CompanyName", cust["name"])]
        if cust["costcenter"] is None:
            optional(rng, items, "CostCenter", "X", p_absent=0.5, p_null=0.5)
        else:
            items.append(("CostCenter", cust["costcenter"]))
        items.append(("Subscriptions", sub_objects))
        customers.append(Obj(items))
    invoice = [("Header", header), ("Sender", sender), ("Receiver", receiver), ("Customers", customers)]
    if rng.random() < 0.5:
        invoice.append(("Totals", totals(doc, rng)))
    return Obj(invoice)


def write(vendor, doc, rng, wild=True):
    """The JSON text of one document."""
    return Emitter(rng, wild).emit(build(vendor, doc, rng))


def envelope(texts, rng, wild=True):
    """The response body around the documents' texts, sometimes with unknown members (one of
    them an `Invoices` array of its own) before or after the real `Invoices`."""
    e = Emitter(rng, wild)
    before = after = ""
    if wild and rng.random() < 0.3:
        before = e.ws() + '"meta"' + e.ws() + ":" + e.emit(Obj([("Invoices", []), ("count", Num(str(len(texts))))])) + ","
    if wild and rng.random() < 0.3:
        after = "," + e.ws() + '"paging"' + ":" + e.emit(None)
    name = e.string(e.name_variant("Invoices"))
    return ("{" + e.ws() + before + e.ws() + name + e.ws() + ":" + e.ws() + "[" + e.ws()
            + ("," + e.ws()).join(texts) + e.ws() + "]" + after + e.ws() + "}")
