"""Legal spellings of the numbers and dates a vendor may send.

Amounts are exact decimals with up to 6 decimals that billwh must read from their text; the
same value spelled `1E2`, `100.000` or `100000000E-6` must give the same micro-units, and a
quantity is kept "as sent", so each line fixes its spelling once and the checks compare with it.
"""
from decimal import Decimal

MICRO = Decimal("0.000001")


def plain(d):
    """The shortest plain text of a decimal: no exponent, no trailing zeros (`-0` is `0`)."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def amount_text(rng, d, allow_exponent=True):
    """A random legal JSON spelling of `d` (at most 6 decimals): plain, padded with zeros,
    or with an exponent whose mantissa needs no more than 6 decimals to be exact."""
    d = Decimal(d)
    assert d == d.quantize(MICRO)
    text = plain(d)
    r = rng.random()
    if r < 0.45:
        return text
    if r < 0.7:
        decimals = len(text.split(".")[1]) if "." in text else 0
        return format(d.quantize(Decimal(1).scaleb(-rng.randint(max(decimals, 1), 6))), "f")
    if not allow_exponent or d == 0:
        return text
    sign, digits, exp = d.normalize().as_tuple()
    ds = "".join(map(str, digits))
    minus = "-" if sign else ""
    e_letter = rng.choice(["E", "e"])
    if len(ds) > 7:
        # mantissa d.dddddddd would need more than 6 decimals: use the integer mantissa
        return text if rng.random() < 0.5 else minus + ds + e_letter + str(exp)
    mantissa, e = ds[0] + ("." + ds[1:] if len(ds) > 1 else ""), exp + len(ds) - 1
    if rng.random() < 0.3 and len(ds) == 1 and e > 0:
        mantissa, e = ds + "0", e - 1          # 1E2 as 10E1
    if rng.random() < 0.4:
        mantissa, e = ds, exp                  # 123456789E-6
    exponent = str(e)
    if e >= 0 and rng.random() < 0.3:
        exponent = "+" + exponent
    return minus + mantissa + e_letter + exponent


def quantity_text(rng, q):
    """Quantities are usually plain integers; sometimes `5.0`, sometimes any amount spelling."""
    if rng.random() < 0.1:
        return amount_text(rng, q)
    t = plain(q)
    if rng.random() < 0.2 and "." not in t:
        t += ".0"
    return t


def date_text(rng, d):
    """The contract's `YYYY-MM-DDT00:00:00`, or the `YYYY-MM-DD` billwh must accept too."""
    s = d.isoformat()
    return s + "T00:00:00" if rng.random() < 0.6 else s
