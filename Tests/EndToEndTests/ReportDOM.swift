import Foundation

/// The parts of the HTML report's DOM the tests check, read from Chromium's dump with Python's
/// html.parser: amount cells, count cells, chart bars, table rows, and anything that could load.
struct ReportDOM: Decodable {
    /// An amount cell: its table, `data-micros`, `data-currency`, `data-field`, text and row.
    struct Amount: Decodable {
        var table, micros, currency, field, text: String
        var row: [String]
    }

    /// A count cell: its table, `data-count`, `data-status` and `data-month` where set, text.
    struct Count: Decodable {
        var table, count, text: String
        var status, month: String?
    }

    /// A chart bar: its chart, month, series, value and `<title>`.
    struct Bar: Decodable {
        var chart, month, series, value, title: String
    }

    var amounts: [Amount]
    var counts: [Count]
    var bars: [Bar]
    /// table class → rows of cell texts.
    var tables: [String: [[String]]]
    /// Elements and attributes that would fetch something or run code.
    var loaders: [String]
    var elementIDs: [String]

    static func parse(_ dom: String, folder: URL) throws -> ReportDOM {
        let file = folder.appendingPathComponent("dom-\(UUID().uuidString).html")
        try Data(dom.utf8).write(to: file)
        let json = try python(script, arguments: [file.path])
        return try JSONDecoder().decode(ReportDOM.self, from: Data(json.utf8))
    }

    static let script = """
        import json, sys
        from html.parser import HTMLParser
        class P(HTMLParser):
            def __init__(self):
                super().__init__()
                self.out = {"amounts": [], "counts": [], "bars": [], "tables": {}, "loaders": [], "elementIDs": []}
                self.table = None; self.row = None; self.cell = None; self.bar = None; self.chart = None; self.title = None
                self.tr_month = None
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if "id" in a: self.out["elementIDs"].append(a["id"])
                if tag in ("script", "img", "link", "iframe", "object", "embed", "image", "use", "audio", "video", "source"):
                    self.out["loaders"].append(tag)
                for k, v in attrs:
                    if k in ("src", "href", "xlink:href", "srcset", "action") or k.startswith("on") or "url(" in (v or ""):
                        self.out["loaders"].append(k + "=" + (v or ""))
                if tag == "table":
                    self.table = a.get("class", ""); self.out["tables"].setdefault(self.table, [])
                elif tag == "tr":
                    self.row = []; self.tr_month = a.get("data-month")
                elif tag in ("td", "th"):
                    self.cell = {"attrs": a, "text": ""}
                elif tag == "svg":
                    self.chart = a.get("id", "")
                elif tag == "rect":
                    self.bar = {"chart": self.chart, "month": a.get("data-month"), "series": a.get("data-series"),
                                "value": a.get("data-value"), "title": ""}
                elif tag == "title" and self.bar is not None:
                    self.title = ""
            def handle_endtag(self, tag):
                if tag in ("td", "th") and self.cell is not None:
                    text = self.cell["text"].strip(); a = self.cell["attrs"]
                    if self.row is not None: self.row.append(text)
                    if "data-micros" in a:
                        self.out["amounts"].append({"table": self.table, "micros": a["data-micros"], "currency": a.get("data-currency", ""),
                                                    "field": a.get("data-field", ""), "text": text, "row": None})
                        self.out["amounts"][-1]["_row"] = id(self.row)
                    if "data-count" in a:
                        self.out["counts"].append({"table": self.table, "count": a["data-count"], "status": a.get("data-status"),
                                                   "month": self.tr_month, "text": text})
                    self.cell = None
                elif tag == "tr" and self.row is not None:
                    if self.table is not None and len(self.row) > 0 and not all(c == "" for c in self.row):
                        self.out["tables"][self.table].append(self.row)
                    for amount in self.out["amounts"]:
                        if amount.get("_row") == id(self.row):
                            amount["row"] = self.row; del amount["_row"]
                    self.row = None
                elif tag == "table":
                    self.table = None
                elif tag == "title" and self.title is not None:
                    self.bar["title"] = self.title; self.title = None
                elif tag == "rect" and self.bar is not None:
                    self.out["bars"].append(self.bar); self.bar = None
                elif tag == "svg":
                    self.chart = None
            def handle_data(self, data):
                if self.title is not None: self.title += data
                elif self.cell is not None: self.cell["text"] += data
        p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
        for amount in p.out["amounts"]:
            amount.pop("_row", None)
            if amount["row"] is None: amount["row"] = []
        print(json.dumps(p.out))
        """
}
