"""One vendor's scenario, served by a fake vendor, ingested by billwh into one warehouse."""
import datetime
import os
import random
import sqlite3

import documents
from billwh_cli import Billwh, read
from fake_vendor import PATHS, TRANSIENT_FAULTS, FakeVendor, VendorState
from scenario import Scenario

# Documents are dated in a 28-day window, or in a 73-day one that billwh fetches in several
# chunks and whose lines fall in three calendar months.
NARROW_WINDOW = (datetime.date(2024, 5, 1), 28)
WIDE_WINDOW = (datetime.date(2024, 3, 20), 73)


class Harness:
    """`wide`: the window (None: chosen by the seed); `uid_prefix`: keeps two scenarios in one
    warehouse apart; `random_faults`: inject transient failures into ingests; `name`: the
    warehouse file in `workdir` (default vendor-seed)."""

    def __init__(self, billwh, workdir, seed, vendor, customers=4, items=8, wide=None, uid_prefix="", random_faults=False,
                 name=None):
        self.billwh = billwh
        self.seed = seed
        self.vendor = vendor
        self.rng = random.Random("%s/%d" % (vendor, seed))
        self.scenario = Scenario(self.rng, vendor, customers, items, uid_prefix=uid_prefix)
        if wide is None:
            wide = self.rng.random() < 0.4
        self.window_start, self.window_days = WIDE_WINDOW if wide else NARROW_WINDOW
        self.docs = documents.place(self.scenario, self.rng, self.window_start, self.window_days)
        self.random_faults = random_faults
        self.state = VendorState(seed)
        self.state.chunked = self.rng.random() < 0.5
        envelope_rng = random.Random("envelope/%s/%d" % (vendor, seed))
        self.state.envelope = lambda texts: documents.envelope(texts, envelope_rng)
        self.server = FakeVendor(self.state)
        self.db = os.path.join(workdir, "%s.sqlite" % (name or "%s-%d" % (vendor, seed)))
        self.paths = PATHS[vendor]
        if vendor == "copaco":
            self.settings = dict(BILLWH_COPACO_BASE_URL=self.server.base_url, BILLWH_COPACO_API_KEY=self.state.copaco_key)
        else:
            self.settings = dict(BILLWH_TWOTCLOUD_BASE_URL=self.server.base_url,
                                 BILLWH_TWOTCLOUD_ACCOUNT_ID=self.state.twotcloud_account,
                                 BILLWH_TWOTCLOUD_API_KEY=self.state.twotcloud_key)
        self.env = Billwh.environment(self.settings)

    @property
    def window(self):
        end = self.window_start + datetime.timedelta(days=self.window_days - 1)
        return self.window_start.isoformat(), end.isoformat()

    def serve(self, respell=False):
        """Puts the current documents on the fake vendor, in a random order. A document keeps
        the bytes it was last served with unless it changed or `respell` (same content, new
        spelling) is asked for."""
        for direction, path in self.paths.items():
            served = []
            for d in self.docs[direction]:
                if d.text is None or respell:
                    d.text = documents.write(self.vendor, d, self.rng)
                served.append((d.date, d.text))
            self.rng.shuffle(served)
            self.state.docs[path] = served

    def lines(self):
        """Every line of the current version of every document."""
        return [l for direction in ("in", "out") for d in self.docs[direction] for l in d.lines]

    def ingest(self, expect=0, db=None, window=None, label="ingest"):
        """`billwh ingest` of the window; with `random_faults`, sometimes one transient failure
        first (the result must not change)."""
        if self.random_faults and self.rng.random() < 0.3:
            for path in self.paths.values():
                if self.rng.random() < 0.5:
                    self.state.faults[path] = [self.rng.choice(TRANSIENT_FAULTS)]
        since, until = window or self.window
        return self.billwh.run(["ingest", "--db", db or self.db, "--vendor", self.vendor, "--since", since, "--until", until],
                               self.env, expect=expect, label=label)

    def reconcile(self, db=None, full=False, label="reconcile"):
        return self.billwh.run(["reconcile", "--db", db or self.db] + (["--full"] if full else []), self.env, label=label)

    def purchases(self, db=None):
        """Every purchases row, with the UIDs of the lines behind it (the model's line identity)."""
        return read(db or self.db, """
            SELECT p.*, si.uid AS in_uid, so.uid AS out_uid FROM purchases p
            LEFT JOIN staging_lines si ON si.line_id = p.incoming_line_id
            LEFT JOIN staging_lines so ON so.line_id = p.outgoing_line_id
            ORDER BY p.purchase_id""")

    def copy_db(self, suffix):
        """A consistent copy of the warehouse (SQLite's backup API, so the WAL comes along)."""
        path = self.db + "." + suffix
        src = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        dst = sqlite3.connect(path)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return path

    def stop(self):
        self.server.stop()

    # `with Harness(...) as h:` stops its fake vendor however the scenario ends.
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
