-- 0015: documents read before that a later whole answer for their dates no longer held. The
-- vendor withdrew them, or sent them again under another key (then both are counted); billwh
-- keeps counting them as they were, and `billwh status` lists them until an answer holds
-- them again or their date moves out of the answers read.
CREATE TABLE missing_documents (
    vendor                 TEXT NOT NULL,
    endpoint               TEXT NOT NULL,
    document_key           TEXT NOT NULL,
    -- the document's date in `documents` when it was found missing
    document_date          TEXT NOT NULL,
    -- when an answer first, and last, lacked it (UTC, ISO 8601)
    first_missed_at        TEXT NOT NULL,
    last_missed_at         TEXT NOT NULL,
    last_missed_ingest_id  INTEGER NOT NULL REFERENCES ingest_runs(ingest_id),
    PRIMARY KEY (vendor, endpoint, document_key)
) WITHOUT ROWID;
