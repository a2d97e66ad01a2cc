"""Runs the billwh binary under test, with a time limit on every call, and reads its warehouse.

The warehouse is read with Python's own sqlite3 (read-only), not through billwh, so that the
checks see the file as any analyst's tool would.
"""
import os
import sqlite3
import subprocess

from findings import Difference


class Billwh:
    """`timeout`: seconds one call may take; a call that takes longer is a hang."""

    def __init__(self, path, timeout):
        self.path = path
        self.timeout = timeout

    @staticmethod
    def environment(extra):
        """The caller's environment without any BILLWH_ setting (a user's database, config
        file or credentials must not leak into a run), plus `extra`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BILLWH_")}
        env.update(extra)
        return env

    def run(self, args, env, expect=0, label=None):
        """Runs `billwh ARGS`. A time-out, or an exit status other than `expect` (None: any),
        is a Difference: it is billwh's behaviour, not the harness's."""
        try:
            p = subprocess.run([self.path] + args, env=env, capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise Difference(label or args[0], "billwh %s did not finish within %d s" % (" ".join(args), self.timeout))
        if expect is not None and p.returncode != expect:
            raise Difference(label or args[0], "billwh %s exited %d, expected %d" % (" ".join(args), p.returncode, expect),
                             tail(p.stderr))
        return p

    def start(self, args, env):
        """A billwh process left running (the caller waits for it, with a time-out)."""
        return subprocess.Popen([self.path] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def tail(data, n=1500):
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text[-n:]


def read(db, sql, params=()):
    """Rows of a read-only query as dicts."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()
