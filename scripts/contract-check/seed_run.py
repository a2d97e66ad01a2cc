"""One seed of one vendor: load, re-issue, and check everything after each step.

  1. first load: ingest -> reconcile -> every purchases row equals the model; raw verbatim;
  2. three rounds of re-issues (some served in a new spelling of unchanged content, some
     ingested twice before one reconcile), each checked the same way;
  3. `rederive` (staging rebuilt from raw) changes no purchase;
  4. ingesting the same bytes again changes nothing (no raw version, no row);
  5. `reconcile --full` gives the rows the incremental reconciles gave;
  6. a fresh warehouse loaded once with the final documents gives the same rows as the one
     that went through the history;
  7. the CSV export holds exactly the rows (csv_check).
Transient vendor failures are injected at random into the ingests; they must change nothing.
"""
from billwh_cli import read
from csv_check import check_export
from harness import Harness
from purchase_check import SURROGATES, check_purchases, check_same_rows
from reissue import reissue


def check_raw(h, where, found):
    """The current version of every document is stored as the exact bytes served."""
    stored = {(r["endpoint"], r["document_key"]): bytes(r["payload"]) for r in read(h.db, """
        SELECT d.endpoint, d.document_key, r.payload FROM documents d
        JOIN raw_documents r ON r.raw_id = d.current_raw_id WHERE d.vendor = ?""", (h.vendor,))}
    for direction in ("in", "out"):
        endpoint = h.paths[direction].rsplit("/", 1)[1]   # billwh names an endpoint by its last path segment
        for d in h.docs[direction]:
            payload = stored.get((endpoint, d.id))
            if payload is None:
                found.add(where, "no raw document for %s %r" % (endpoint, d.id))
            elif payload != d.text.encode("utf-8"):
                found.add(where, "raw document %s %r is not the bytes served" % (endpoint, d.id),
                          "served: %r" % d.text[:300], "stored: %r" % payload[:300])


def check_rederive(h, found):
    copy = h.copy_db("rederive")
    before = h.purchases(copy)
    h.billwh.run(["rederive", "--db", copy, "--vendor", h.vendor], h.env, label="rederive")
    check_same_rows("rederive", "rederive changed purchases", before, h.purchases(copy), found)


def check_idempotent(h, found):
    def state():
        return read(h.db, "SELECT (SELECT count(*) FROM raw_documents) AS raw, (SELECT sum(versions) FROM documents) AS versions")[0]
    before_rows, before_state = h.purchases(), state()
    h.serve()
    h.ingest(label="same bytes again")
    h.reconcile()
    if state() != before_state:
        found.add("same bytes again", "re-ingesting identical documents stored new versions", before_state, state())
    check_same_rows("same bytes again", "re-ingesting identical documents changed purchases",
                    before_rows, h.purchases(), found, ignore=("purchase_id", "recent"))


def check_full(h, found):
    copy = h.copy_db("full")
    h.reconcile(db=copy, full=True, label="reconcile --full")
    check_same_rows("reconcile --full", "incremental reconciles and reconcile --full disagree",
                    h.purchases(), h.purchases(copy), found, ignore=("purchase_id", "recent"),
                    names=("incremental", "full"))


def check_fresh_load(h, found):
    fresh = h.db + ".fresh"
    h.serve()
    h.ingest(db=fresh, label="fresh load")
    h.reconcile(db=fresh)
    check_same_rows("fresh load", "the warehouse that saw the history and one loaded once disagree",
                    h.purchases(), h.purchases(fresh), found, ignore=SURROGATES, names=("history", "fresh"))


def run_vendor(billwh, workdir, seed, vendor, found, rounds=3):
    with Harness(billwh, workdir, seed, vendor, random_faults=True) as h:
        h.serve()
        h.ingest()
        h.reconcile()
        check_purchases(h, "first load", found)
        check_raw(h, "first load", found)
        for n in range(1, rounds + 1):
            where = "re-issue %d" % n
            reissue(h)
            h.serve(respell=h.rng.random() < 0.5)
            h.ingest(label=where)
            if n == rounds or h.rng.random() < 0.6:
                h.reconcile(label=where)
                check_purchases(h, where, found)
            check_raw(h, where, found)
        check_rederive(h, found)
        check_idempotent(h, found)
        check_full(h, found)
        check_fresh_load(h, found)
        check_export(h, "export", found)
    return len(h.lines())
