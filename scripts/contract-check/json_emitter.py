"""Writes a JSON value in a random but legal spelling (RFC 8259).

The vendor contracts allow fields in any order, names in any letter case, unknown fields at
every level, and any valid JSON spelling; a decoder that only reads the spelling it was tested
with breaks on the vendor's next release. Every spelling written here must read as the same
document.
"""

class Num:
    """A JSON number written exactly as `text` (the emitter never reformats it)."""

    def __init__(self, text):
        self.text = text


class Obj:
    """A JSON object as an ordered list of (name, value), so that the order can be chosen."""

    def __init__(self, items):
        self.items = list(items)


class Emitter:
    """`wild=False` writes the plain spelling (no random whitespace, escapes, name cases or
    unknown fields), for documents a check builds by hand."""

    def __init__(self, rng, wild=True):
        self.rng = rng
        self.wild = wild

    def ws(self):
        if not self.wild or self.rng.random() < 0.7:
            return ""
        return self.rng.choice([" ", "\n", "\t", "  ", "\r\n ", " \n\t "])

    def name_variant(self, name):
        """The contracts match names ignoring case (`AccountID` / `AccountId`)."""
        if not self.wild:
            return name
        r = self.rng.random()
        if r < 0.55:
            return name
        if r < 0.7:
            return name.lower()
        if r < 0.8:
            return name.upper()
        if r < 0.9:
            return name.replace("ID", "Id") if "ID" in name else name[0].lower() + name[1:]
        return "".join(c.upper() if self.rng.random() < 0.5 else c.lower() for c in name)

    def string(self, s, is_name=False):
        out = ['"']
        for ch in s:
            o = ord(ch)
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif o < 0x20:
                short = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
                out.append(short.get(ch, "\\u%04x" % o))
            elif ch == "/" and self.wild and self.rng.random() < 0.5:
                out.append("\\/")
            elif o > 0x7F and self.wild and self.rng.random() < 0.5:
                if o > 0xFFFF:  # a surrogate pair
                    v = o - 0x10000
                    out.append("\\u%04x\\u%04x" % (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
                else:
                    out.append(("\\u%04x" if self.rng.random() < 0.5 else "\\u%04X") % o)
            elif self.wild and ch.isalpha() and o < 0x80 and self.rng.random() < (0.03 if is_name else 0.02):
                out.append("\\u%04x" % o)  # an escaped letter, in names too
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)

    def unknown_value(self, depth=0):
        """A value for an unknown field. Some hold an `Invoices` or `PriceLines` member: a
        decoder that searches the tree for those names instead of following the path reads them."""
        r = self.rng.random()
        if r < 0.2:
            return 'x\u00e9/"y'
        if r < 0.35:
            return Num(self.rng.choice(["1", "-2.5", "3E2", "0.000001", "12345678901234567890.5"]))
        if r < 0.45:
            return None
        if r < 0.55:
            return self.rng.choice([True, False])
        if r < 0.8 and depth < 2:
            items = [("ExtraKey%d" % i, self.unknown_value(depth + 1)) for i in range(self.rng.randint(0, 3))]
            if self.rng.random() < 0.3:
                items.append(("Invoices", []))
            if self.rng.random() < 0.3:
                items.append(("PriceLines", [Obj([("SKU", "FAKE"), ("ExtendedPrice", Num("999"))])]))
            return Obj(items)
        if depth < 2:
            return [self.unknown_value(depth + 1) for _ in range(self.rng.randint(0, 3))]
        return "deep"

    def emit(self, v):
        if isinstance(v, Obj):
            items = list(v.items)
            if self.wild:
                if self.rng.random() < 0.35:
                    for i in range(self.rng.randint(1, 2)):
                        items.append(("Zz_Unknown_%d_%d" % (self.rng.randint(0, 999), i), self.unknown_value()))
                self.rng.shuffle(items)
            parts = []
            for name, val in items:
                spelled = name if name.startswith("Zz_") else self.name_variant(name)
                parts.append(self.ws() + self.string(spelled, True) + self.ws() + ":" + self.ws() + self.emit(val) + self.ws())
            return "{" + ",".join(parts) + self.ws() + "}"
        if isinstance(v, list):
            return "[" + self.ws() + ",".join(self.ws() + self.emit(x) + self.ws() for x in v) + self.ws() + "]"
        if isinstance(v, str):
            return self.string(v)
        if isinstance(v, Num):
            return v.text
        if v is True:
            return "true"
        if v is False:
            return "false"
        if v is None:
            return "null"
        raise TypeError(type(v))
