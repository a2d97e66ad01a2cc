-- 0013: what a nightly run's data checks found, so that `billwh status --fail-on checks` and
-- the metrics read it without running the checks again.
-- NULL: the run ran no checks (ingest, reconcile, …); '': all passed; else the failed checks'
-- names, comma-separated.
ALTER TABLE runs ADD COLUMN failed_checks TEXT;
