"""Both vendors in one warehouse, ingested by one `billwh ingest`, with colliding identifiers:
the same customer numbers, the same InvoiceIDs at both vendors, and one InvoiceID on both
Copaco endpoints. Nothing of one vendor may leak into the other's rows.
"""
import os

from billwh_cli import Billwh
from csv_check import check_export
from harness import Harness
from purchase_check import check_purchases, check_same_rows
from reissue import reissue
from seed_run import check_raw


def collide(copaco, twotcloud):
    for c2, c1 in zip(twotcloud.scenario.customers, copaco.scenario.customers):
        c2["number"] = c1["number"]
    copaco_ids = [d.id for d in copaco.docs["in"] + copaco.docs["out"]]
    for direction in ("in", "out"):
        for d, doc_id in zip(twotcloud.docs[direction], copaco_ids):
            d.id = doc_id
    if copaco.docs["in"] and copaco.docs["out"]:
        copaco.docs["out"][0].id = copaco.docs["in"][0].id


def run_two_vendors(billwh, workdir, seed, found, rounds=2):
    with Harness(billwh, workdir, seed, "copaco", customers=3, items=6, uid_prefix="C") as copaco, \
            Harness(billwh, workdir, seed, "twotcloud", customers=3, items=6, uid_prefix="T") as twotcloud:
        both = (copaco, twotcloud)
        collide(copaco, twotcloud)
        db = os.path.join(workdir, "both-%d.sqlite" % seed)
        env = Billwh.environment({**copaco.settings, **twotcloud.settings})
        since = min(h.window[0] for h in both)
        until = max(h.window[1] for h in both)
        for h in both:
            h.db, h.env = db, env

        def load(where, respell):
            for h in both:
                h.serve(respell=respell)
            billwh.run(["ingest", "--db", db, "--since", since, "--until", until], env, label=where)
            billwh.run(["reconcile", "--db", db], env, label=where)
            for h in both:
                check_purchases(h, where + " " + h.vendor, found)
                check_raw(h, where + " " + h.vendor, found)

        load("both vendors", False)
        for n in range(1, rounds + 1):
            for h in both:
                reissue(h)
            load("both vendors, re-issue %d" % n, True)
        full = copaco.copy_db("full")
        copaco.reconcile(db=full, full=True, label="both vendors, reconcile --full")
        check_same_rows("both vendors, reconcile --full", "incremental reconciles and reconcile --full disagree",
                        copaco.purchases(), copaco.purchases(full), found, ignore=("purchase_id", "recent"),
                        names=("incremental", "full"))
        check_export(copaco, "both vendors, export", found)
