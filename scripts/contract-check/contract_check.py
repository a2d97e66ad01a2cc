"""Runs the contract check (started by ./run, which finds billwh and the work folder).

Each seed runs, for each vendor, the seed run (seed_run.py) and the closed-month check
(closed_months.py), and with both vendors also the two-vendor warehouse (two_vendors.py);
then the fault checks (fault_checks.py) run once, on the first seed's data. Everything is
derived from the seed, so `--from SEED --seeds 1` repeats a seed exactly.

Exit status: 0 when every check agrees, 1 when billwh differs somewhere, 2 when the harness
itself failed (its results are then incomplete).
"""
import argparse
import os
import shutil
import sys
import time
import traceback

from billwh_cli import Billwh
from closed_months import run_closed_month
from fault_checks import run_fault_checks
from findings import Difference, Findings
from seed_run import run_vendor
from two_vendors import run_two_vendors

SHOWN = 6   # differences printed per failing scenario


def arguments(argv):
    ap = argparse.ArgumentParser(prog="scripts/contract-check/run")
    ap.add_argument("--billwh", required=True, help="the billwh binary to check")
    ap.add_argument("--work", required=True, help="an empty folder for the warehouses")
    ap.add_argument("--seeds", type=int, required=True)
    ap.add_argument("--from", dest="first", type=int, required=True)
    ap.add_argument("--vendor", choices=("copaco", "twotcloud", "both"), required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the warehouses of seeds that passed too")
    ap.add_argument("--timeout", type=int, required=True, help="seconds one billwh call may take")
    return ap.parse_args(argv)


class Run:
    def __init__(self, args):
        self.args = args
        self.billwh = Billwh(args.billwh, args.timeout)
        self.vendors = ("copaco", "twotcloud") if args.vendor == "both" else (args.vendor,)
        self.scenarios = 0
        self.current = "start"
        self.failed = []   # (what, Findings)

    def report(self, what, found, reproduce):
        self.failed.append((what, found))
        print("  DIFFERENT: %s (%d differences)" % (what, len(found)))
        for d in found[:SHOWN]:
            for line in d.lines():
                print("    " + line)
        if len(found) > SHOWN:
            print("    ... and %d more" % (len(found) - SHOWN))
        print("  reproduce: scripts/contract-check/run " + reproduce, flush=True)

    def scenario(self, name, seed, vendor, call):
        """Runs one scenario (`call(found)`); returns its result for the progress line."""
        self.scenarios += 1
        found = Findings()
        try:
            call(found)
        except Difference as d:
            found.append(d)
        if not found:
            return "ok"
        self.report("seed %d, %s" % (seed, name), found, "--from %d --seeds 1 --vendor %s" % (seed, vendor))
        return "DIFFERENT"

    def seed(self, seed):
        self.current = "seed %d" % seed
        started = time.monotonic()
        work = os.path.join(self.args.work, "seed-%d" % seed)
        os.makedirs(work)
        results = []
        failed_before = len(self.failed)
        for vendor in self.vendors:
            lines = []
            result = self.scenario(vendor, seed, vendor,
                                   lambda found: lines.append(run_vendor(self.billwh, work, seed, vendor, found)))
            results.append("%s %s%s" % (vendor, result, " (%d lines)" % lines[0] if lines else ""))
        if len(self.vendors) == 2:
            results.append("both vendors " + self.scenario(
                "both vendors", seed, "both", lambda found: run_two_vendors(self.billwh, work, seed, found)))
        for vendor in self.vendors:
            results.append("%s closed month %s" % (vendor, self.scenario(
                vendor + " closed month", seed, vendor, lambda found: run_closed_month(self.billwh, work, seed, vendor, found))))
        print("seed %d: %s [%.1f s]" % (seed, ", ".join(results), time.monotonic() - started), flush=True)
        if len(self.failed) == failed_before and not self.args.keep:
            shutil.rmtree(work)   # ~20 MB a seed: a long run would fill the disk

    def faults(self):
        self.current = "the fault checks"
        started = time.monotonic()
        work = os.path.join(self.args.work, "faults")
        os.makedirs(work)
        found = Findings()
        checks = run_fault_checks(self.billwh, work, self.args.first, self.vendors, found, quick=self.args.quick)
        self.scenarios += checks
        if found:
            self.report("fault checks", found, "--from %d --seeds 0 --vendor %s%s"
                        % (self.args.first, self.args.vendor, " --quick" if self.args.quick else ""))
        print("fault checks: %d, %s [%.1f s]" % (checks, "DIFFERENT" if found else "ok", time.monotonic() - started), flush=True)


def main(argv):
    args = arguments(argv)
    run = Run(args)
    started = time.monotonic()
    seeds = range(args.first, args.first + args.seeds)
    print("contract check of %s: seeds %s, vendor %s%s" % (
        args.billwh, "%d..%d" % (seeds[0], seeds[-1]) if seeds else "none", args.vendor, ", quick" if args.quick else ""), flush=True)
    try:
        for seed in seeds:
            run.seed(seed)
        run.faults()
    except Exception:
        traceback.print_exc()
        print("contract-check: HARNESS ERROR in %s (a fault of the checker, not necessarily of billwh)" % run.current,
              flush=True)
        return 2
    took = time.monotonic() - started
    differences = sum(len(f) for _, f in run.failed)
    print("contract-check: %d seeds, %d scenarios and fault checks, %d failed (%d differences), %dm%02ds: %s" % (
        len(seeds), run.scenarios, len(run.failed), differences, took // 60, took % 60,
        "FAILED" if run.failed else "all agree"), flush=True)
    return 1 if run.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(2)
