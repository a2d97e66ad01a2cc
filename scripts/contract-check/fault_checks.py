"""Vendor failures and exit statuses (the interface's exit codes; the contracts' failure rules).

  - each transient failure (429 with every kind of Retry-After, 5xx, reset, a body cut off in
    each framing) once or twice, then the real answer: exit 0, the warehouse a clean run gives,
    exactly one more request per failure; `Retry-After: 1` is waited for;
  - a body cut off whose retry brings re-issued content: only the retry's content is kept;
  - wrong credentials: exit 1, no retry, a message naming what to check, no secret in it;
    a 403 on one endpoint: exit 2, the other endpoint committed;
  - a document with 7 decimals, without `Customers`, or with an amount that is not a number:
    quarantined, exit 2, the rest as the model says; a whole body that is not JSON:
    quarantined, not retried; a response without its `Invoices` array (misspelt, null, nested
    elsewhere): exit 1, quarantined, never read as empty; a 400: exit 1, not retried;
  - bad usage: 64; a write through `query`: 1; a second `nightly` while one runs: 75, naming
    the first one's pid.
"""
import copy
import datetime
import os
import re
import subprocess
import threading
import time

import documents
from billwh_cli import read, tail
from fake_vendor import TRANSIENT_FAULTS
from findings import Difference
from harness import Harness
from purchase_check import check_purchases, check_same_rows
from reissue import reissue

# A fault check waits this long at most for a request it holds back to arrive.
HOLD_TIMEOUT = 30


def small(billwh, workdir, seed, vendor, tag):
    """A small scenario in one narrow window (one request per endpoint and ingest), in a
    folder of its own."""
    folder = os.path.join(workdir, "faults-" + tag)
    os.makedirs(folder, exist_ok=True)
    return Harness(billwh, folder, seed, vendor, customers=2, items=4, wide=False)


def counts(h):
    return read(h.db, """SELECT (SELECT count(*) FROM staging_lines) AS staged, (SELECT count(*) FROM raw_documents) AS raw,
                                (SELECT count(*) FROM quarantine) AS quarantined, (SELECT count(*) FROM purchases) AS purchases""")[0]


def request_counts(h):
    return {path: h.state.requests(path) for path in h.paths.values()}


class VendorFaults:
    """The fault checks of one vendor, against one clean run of the same scenario."""

    def __init__(self, billwh, workdir, seed, vendor, found):
        self.billwh, self.workdir, self.seed, self.vendor, self.found = billwh, workdir, seed, vendor, found
        self.n = 0
        with self.harness("clean") as h:
            h.serve()
            h.ingest(label="%s clean run" % vendor)
            h.reconcile()
            self.clean_counts, self.clean_rows, self.clean_requests = counts(h), h.purchases(), request_counts(h)

    def harness(self, tag):
        self.n += 1
        return small(self.billwh, self.workdir, self.seed, self.vendor, "%s-%d-%s" % (self.vendor, self.n, tag.replace(" ", "-")))

    def transient(self, fault):
        where = "%s %s, then the answer" % (self.vendor, fault)
        with self.harness(fault) as h:
            h.serve()
            incoming, outgoing = h.paths["in"], h.paths["out"]
            h.state.faults = {incoming: [fault], outgoing: [fault, fault]}
            started = time.monotonic()
            h.ingest(label=where)
            took = time.monotonic() - started
            h.reconcile(label=where)
            if counts(h) != self.clean_counts:
                self.found.add(where, "the warehouse differs from a clean run's", "clean: %s" % self.clean_counts, "now:   %s" % counts(h))
            check_same_rows(where, "purchases differ from a clean run's", self.clean_rows, h.purchases(), self.found,
                            names=("clean", "with faults"))
            want = {incoming: self.clean_requests[incoming] + 1, outgoing: self.clean_requests[outgoing] + 2}
            if request_counts(h) != want:
                self.found.add(where, "not one retry per failure", "requests: %s, expected %s" % (request_counts(h), want))
            if fault == "429-retry-after-1" and took < 1.0:
                self.found.add(where, "Retry-After: 1 not waited for (ingest took %.2f s)" % took)

    def cut_then_reissued(self, fault):
        """The retry after a cut-off body serves new versions; nothing of the first may stay."""
        where = "%s %s, retry brings re-issued documents" % (self.vendor, fault)
        with self.harness("cut-reissued") as h:
            h.serve()
            first = dict(h.state.docs)
            reissue(h, share=1.0)
            h.serve()
            second = dict(h.state.docs)
            h.state.docs = dict(first)
            h.state.faults = {path: [fault] for path in h.paths.values()}

            def swap_after_first(path):
                if h.state.requests(path) >= 2:
                    h.state.docs[path] = second[path]
            h.state.before_answer = swap_after_first
            h.ingest(label=where)
            h.reconcile(label=where)
            check_purchases(h, where, self.found)
            docs = read(h.db, "SELECT count(*) AS documents, sum(versions) AS versions, (SELECT count(*) FROM raw_documents) AS raw FROM documents")[0]
            if not docs["documents"] == docs["versions"] == docs["raw"]:
                self.found.add(where, "a version of the cut-off body was kept", docs)

    def credentials(self):
        where = "%s wrong credentials" % self.vendor
        wrong = "wrong-key-5f2c9a"
        with self.harness("credentials") as h:
            h.serve()
            h.env["BILLWH_COPACO_API_KEY" if self.vendor == "copaco" else "BILLWH_TWOTCLOUD_API_KEY"] = wrong
            p = h.ingest(expect=1, label=where)
            message = (p.stderr + p.stdout).decode("utf-8", errors="replace")
            needed = ["key"] if self.vendor == "copaco" else ["ip", "address"]
            if not all(word in message.lower() for word in needed):
                self.found.add(where, "the message does not name what to check (%s)" % ", ".join(needed), tail(message, 600))
            if wrong in message:
                self.found.add(where, "the key is printed", tail(message, 600))
            if any(n != 1 for n in request_counts(h).values()):
                self.found.add(where, "retried", request_counts(h))

    def one_endpoint_refused(self):
        where = "%s 403 on the outgoing endpoint" % self.vendor
        with self.harness("403") as h:
            h.serve()
            h.state.faults = {h.paths["out"]: ["403"] * 3}
            h.ingest(expect=2, label=where)
            if request_counts(h)[h.paths["out"]] != 1:
                self.found.add(where, "retried", request_counts(h))
            staged = read(h.db, "SELECT count(*) AS n FROM staging_lines WHERE direction = 'incoming'")[0]["n"]
            if staged != sum(len(d.lines) for d in h.docs["in"]):
                self.found.add(where, "the incoming endpoint was not committed (%d lines staged)" % staged)

    def bad_document(self, kind):
        """A document that breaks the contract, beside good ones: it is quarantined, the rest
        is reconciled as if it were not there."""
        where = "%s document with %s" % (self.vendor, kind)
        with self.harness(kind) as h:
            h.serve()
            source = next(l for d in h.docs["in"] for l in d.lines)
            bad = documents.Doc("in", "EUR", False, "BAD-1", datetime.date(2024, 5, 3), None)
            line = copy.copy(source)
            line.uid, line.doc = "BAD-UID", bad
            if kind == "7 decimals":
                line.amt_text = "1.1234567"
            bad.lines = [line]
            text = documents.write(self.vendor, bad, h.rng, wild=False)
            if kind == "no Customers":
                text = text.replace('"Customers":', '"CustomersX":')
            elif kind == "an amount that is not a number":
                text = re.sub(r'"ExtendedPrice":[^,}]*', '"ExtendedPrice":"n/a"', text)
            h.state.docs[h.paths["in"]].insert(1, (bad.date, text))
            h.ingest(expect=2, label=where)
            h.reconcile(label=where)
            check_purchases(h, where, self.found)
            quarantined = read(h.db, "SELECT document_key, reason FROM quarantine")
            if [q["document_key"] for q in quarantined] != ["BAD-1"]:
                self.found.add(where, "not quarantined (alone)", quarantined)

    def not_json(self):
        where = "%s a whole body that is not JSON" % self.vendor
        with self.harness("garbage") as h:
            h.serve()
            h.state.faults = {h.paths["in"]: ["garbage"]}
            h.ingest(expect=2, label=where)
            if request_counts(h)[h.paths["in"]] != self.clean_requests[h.paths["in"]]:
                self.found.add(where, "retried", request_counts(h))
            if not read(h.db, "SELECT 1 FROM quarantine"):
                self.found.add(where, "not quarantined")

    def no_invoices_array(self, body):
        """A response without its `Invoices` array is never read as "no documents"."""
        where = "%s a response %s" % (self.vendor, body)
        with self.harness("no-invoices") as h:
            h.serve()
            h.state.envelope = lambda texts: body
            h.ingest(expect=1, label=where)
            if not read(h.db, "SELECT 1 FROM quarantine"):
                self.found.add(where, "not quarantined")

    def bad_request(self):
        where = "%s 400 on both endpoints" % self.vendor
        with self.harness("400") as h:
            h.serve()
            h.state.faults = {path: ["400"] * 3 for path in h.paths.values()}
            h.ingest(expect=1, label=where)
            if any(n != 1 for n in request_counts(h).values()):
                self.found.add(where, "retried", request_counts(h))


def usage(billwh, workdir, seed, found):
    with small(billwh, workdir, seed, "copaco", "usage") as h:
        db = ["--db", h.db]
        for args in (["ingest", *db, "--since", "2024-13-01"], ["ingest", *db, "--vendor", "nosuch"],
                     ["export", "purchases", *db, "--month", "2024-5"], ["query", *db],
                     ["ingest", *db, "--since", "2024-05-10", "--until", "2024-05-01"], ["frobnicate"]):
            p = billwh.run(args, h.env, expect=None, label="bad usage")
            if p.returncode != 64:
                found.add("bad usage: %s" % " ".join(a for a in args if a not in db), "exit %d, expected 64" % p.returncode,
                          tail(p.stderr, 400))
        billwh.run(["migrate", "--db", h.db], h.env, label="migrate")
        billwh.run(["query", "--db", h.db, "DELETE FROM purchases"], h.env, expect=1, label="a write through query")


def second_nightly(billwh, workdir, seed, found):
    """While one nightly waits on the vendor, a second one exits 75 naming the first's pid."""
    where = "a second nightly"
    h = small(billwh, workdir, seed, "copaco", "lock")
    arrived, release = threading.Event(), threading.Event()

    def hold(path):
        arrived.set()
        release.wait(HOLD_TIMEOUT)
    h.state.before_answer = hold
    first = None
    try:
        h.serve()
        first = billwh.start(["nightly", "--db", h.db], h.env)
        if not arrived.wait(HOLD_TIMEOUT):
            found.add(where, "the first nightly sent no request within %d s" % HOLD_TIMEOUT)
            return
        p = billwh.run(["nightly", "--db", h.db], h.env, expect=75, label=where)
        if str(first.pid) not in p.stderr.decode("utf-8", errors="replace"):
            found.add(where, "the message does not name pid %d" % first.pid, tail(p.stderr, 400))
    finally:
        release.set()
        if first is not None:
            try:
                first.communicate(timeout=billwh.timeout)
            except subprocess.TimeoutExpired:
                first.kill()
                first.communicate()
                found.add(where, "the first nightly did not finish within %d s" % billwh.timeout)
        h.stop()


def run_fault_checks(billwh, workdir, seed, vendors, found, quick=False):
    """All of the above for `vendors`; `quick` runs one transient failure of each kind.
    Returns how many checks ran."""
    transient = ("429", "503", "reset", "truncate-chunked", "cut-early") if quick else TRANSIENT_FAULTS
    ran = 0
    for vendor in vendors:
        try:
            f = VendorFaults(billwh, workdir, seed, vendor, found)
        except Difference as d:
            found.append(d)   # no clean run to compare with: this vendor's checks cannot run
            continue
        checks = [(f.transient, fault) for fault in transient]
        checks += [(f.cut_then_reissued, fault) for fault in (("truncate",) if quick else ("truncate", "truncate-chunked"))]
        checks += [(f.credentials,), (f.one_endpoint_refused,), (f.not_json,), (f.bad_request,)]
        checks += [(f.no_invoices_array, body) for body in ('{"Invoice":[]}', '{"Invoices":null}', '{"data":{"Invoices":[]}}')]
        checks += [(f.bad_document, kind) for kind in ("7 decimals", "no Customers", "an amount that is not a number")]
        for check, *arg in checks:
            guarded(found, check, *arg)
            ran += 1
    for check in (usage, second_nightly):
        guarded(found, check, billwh, workdir, seed, found)
        ran += 1
    return ran


def guarded(found, check, *args):
    """A billwh failure ends one check, not the others."""
    try:
        check(*args)
    except Difference as d:
        found.append(d)
