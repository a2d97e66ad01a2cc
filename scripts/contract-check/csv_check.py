"""Checks `billwh export purchases` CSV against the warehouse rows and the interface's rules.

The file is parsed by a strict RFC 4180 reader written here (Python's csv module accepts bare
LF line ends and stray quotes, which an accounting import may not): a header row with exactly
the documented columns, CRLF line ends, quotes only around whole fields, amounts as exact
decimals with at least 2 decimals and never exactly 3, the documented order, and the
selections `--from/--to` and `--month --by period`. The Excel variant (`--delimiter ';'
--decimal-comma --bom`) must hold the same values, with decimal commas and a `'` before text
a spreadsheet would run as a formula.
"""
import datetime
import random
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from billwh_cli import read

COLUMNS = ["vendor", "invoice_id", "invoice_date", "customer_number", "customer_name", "subscription_id", "sku",
           "description", "charge_type", "period_start", "period_end", "currency", "quantity_bought", "quantity_billed",
           "cost", "sell", "margin", "match_status", "row_kind", "adjusts_month", "document_type", "sales_document_id", "vat"]
AMOUNTS = {"cost": "cost_micros", "sell": "sell_micros", "margin": "margin_micros", "vat": "vat_micros"}
QUANTITIES = ("quantity_bought", "quantity_billed")
AMOUNT_TEXT = re.compile(r"^-?\d+\.\d{2,6}$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXTS = tuple(c for c in COLUMNS if c not in AMOUNTS and c not in QUANTITIES)
ORDER = ("invoice_date", "vendor", "invoice_id", "customer_number", "sku", "period_start")


class CSVError(Exception):
    pass


def parse(text, delimiter=","):
    """Records of an RFC 4180 text whose records end in CRLF."""
    records, record, field, i, n = [], [], [], 0, len(text)
    quoted = False
    while i < n:
        c = text[i]
        if c == '"':
            if field or quoted:
                raise CSVError("a quote inside an unquoted field: %r" % text[max(0, i - 40):i + 40])
            quoted = True
            i += 1
            while True:
                if i >= n:
                    raise CSVError("a quoted field is not closed")
                if text[i] == '"':
                    if text[i + 1:i + 2] == '"':
                        field.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                field.append(text[i])
                i += 1
            if i < n and text[i] not in (delimiter, "\r"):
                raise CSVError("text after a closing quote: %r" % text[max(0, i - 40):i + 40])
            continue
        if c == delimiter:
            record.append("".join(field))
            field, quoted = [], False
            i += 1
        elif c == "\r" and text[i + 1:i + 2] == "\n":
            record.append("".join(field))
            records.append(record)
            record, field, quoted = [], [], False
            i += 2
        elif c in "\r\n":
            raise CSVError("a bare %r outside quotes: %r" % (c, text[max(0, i - 40):i + 40]))
        else:
            field.append(c)
            i += 1
    if field or record or quoted:
        raise CSVError("the last record does not end in CRLF")
    return records


def amount_ok(text, value):
    if value is None:
        return text == ""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return bool(AMOUNT_TEXT.match(text)) and decimals != 3 and Decimal(text) == Decimal(value) / 1000000


def quantity_ok(text, sent):
    """The quantity as sent, as an exact decimal; a plain one never with exactly 3 decimals."""
    if sent is None:
        return text == ""
    try:
        same = Decimal(text) == Decimal(sent)
    except InvalidOperation:
        return False
    plain_three = "e" not in text.lower() and "." in text and len(text.split(".")[1]) == 3
    return same and not plain_three


def row_kind(r):
    return "adjustment" if r["adjusts_month"] else "purchase"


def expected_fields(r):
    """The CSV text fields (TEXTS) of a purchases row."""
    return {"vendor": r["vendor"], "invoice_id": r["invoice_id"] or "", "invoice_date": r["invoice_date"],
            "customer_number": r["customer_number"] or "", "customer_name": r["customer_name"] or "",
            "subscription_id": r["subscription_id"] or "", "sku": r["sku"] or "", "description": r["description"] or "",
            "charge_type": r["charge_type"] or "", "period_start": r["period_start"] or "",
            "period_end": r["period_end"] or "", "currency": r["currency"], "match_status": r["match_status"],
            "row_kind": row_kind(r), "adjusts_month": r["adjusts_month"] or "", "document_type": r["document_type"] or "",
            "sales_document_id": r["outgoing_document"] or ""}


def check_csv(where, data, rows, found):
    """`data` (the default CSV) must hold exactly `rows`. Returns the parsed records."""
    if data.startswith(b"\xef\xbb\xbf"):
        found.add(where, "the default CSV starts with a byte-order mark")
        data = data[3:]
    try:
        records = parse(data.decode("utf-8"))
    except (CSVError, UnicodeDecodeError) as e:
        found.add(where, "the CSV is not RFC 4180 with CRLF: %s" % e)
        return None
    if not records or records[0] != COLUMNS:
        found.add(where, "header row differs", "expected %s" % COLUMNS, "billwh   %s" % (records[:1],))
        return None
    body = records[1:]
    if len(body) != len(rows):
        found.add(where, "%d CSV rows for %d purchases" % (len(body), len(rows)))
    pool = defaultdict(list)
    for r in rows:
        texts = expected_fields(r)
        pool[tuple(texts[c] for c in TEXTS)].append(r)
    for record in body:
        if len(record) != len(COLUMNS):
            found.add(where, "a CSV row with %d fields" % len(record), record)
            continue
        fields = dict(zip(COLUMNS, record))
        candidates = pool.get(tuple(fields[c] for c in TEXTS), [])
        match = next((r for r in candidates
                      if all(amount_ok(fields[c], r[m]) for c, m in AMOUNTS.items())
                      and all(quantity_ok(fields[q], r[q]) for q in QUANTITIES)), None)
        if match is None:
            found.add(where, "a CSV row matches no purchases row (texts, amounts or quantities differ)", record,
                      "rows with the same texts: %s" % [[r[m] for m in AMOUNTS.values()] + [r[q] for q in QUANTITIES] for r in candidates])
            continue
        candidates.remove(match)
    order = [tuple(dict(zip(COLUMNS, r)).get(c, "").encode("utf-8") for c in ORDER) for r in body]
    for a, b in zip(order, order[1:]):
        # an unbacked row has no invoice_id (NULL): it may sort before or after the others
        if a > b and not (a[:2] == b[:2] and b"" in (a[2], b[2])):
            found.add(where, "CSV rows out of the documented order", a, b)
            break
    return records


def check_excel_variant(where, data, default_records, found):
    """`--delimiter ';' --decimal-comma --bom`: the default CSV's values, with `,` as the decimal
    mark of amounts and quantities, and `'` before text starting with = + - @ tab or CR."""
    if not data.startswith(b"\xef\xbb\xbf"):
        found.add(where, "no byte-order mark with --bom")
    try:
        records = parse(data.decode("utf-8-sig"), delimiter=";")
    except (CSVError, UnicodeDecodeError) as e:
        found.add(where, "the ';' CSV is not RFC 4180 with CRLF: %s" % e)
        return
    if len(records) != len(default_records):
        found.add(where, "%d records, the default CSV has %d" % (len(records), len(default_records)))
        return
    numeric = set(QUANTITIES) | set(AMOUNTS)
    for plain, excel in zip(default_records[1:], records[1:]):
        for column, p, x in zip(COLUMNS, plain, excel):
            if column in numeric:
                want = p.replace(".", ",")
            elif column in ("invoice_date", "period_start", "period_end"):
                want = p
            else:
                want = "'" + p if p.startswith(FORMULA_START) else p
            if x != want:
                found.add(where, "%s: expected %r, billwh %r" % (column, want, x), excel)
                return


def check_export(h, where, found, db=None):
    """The default export, two selections, and the Excel variant, of harness `h`'s warehouse."""
    db = db or h.db
    run = lambda *args: h.billwh.run(["export", "purchases", "--db", db] + list(args), h.env, label=where).stdout
    rows = read(db, "SELECT * FROM purchases")
    records = check_csv(where, run(), rows, found)
    rng = random.Random("export/%d" % h.seed)
    first = h.window_start + datetime.timedelta(days=rng.randint(0, h.window_days - 1))
    last = first + datetime.timedelta(days=rng.randint(0, 12))
    selected = [r for r in rows if first.isoformat() <= r["invoice_date"] <= last.isoformat()]
    check_csv(where + " --from/--to", run("--from", first.isoformat(), "--to", last.isoformat()), selected, found)
    month = rng.choice(["2024-03", "2024-04"])
    selected = [r for r in rows if (r["period_start"] or "").startswith(month)]
    check_csv(where + " --month --by period", run("--month", month, "--by", "period"), selected, found)
    if records is not None:
        check_excel_variant(where + " excel variant", run("--delimiter", ";", "--decimal-comma", "--bom"), records, found)
