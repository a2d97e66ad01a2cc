-- 0016: what a quarantined item is, as a column instead of words in its reason, and the
-- payload moved to the end of the row.
-- `kind`:
--   rejected       the decoder refused the bytes (a document, or a whole response it could
--                  not read); `billwh rederive` tries them again with the current decoder;
--   duplicate_key  a second, different document under a key the same response already used;
--                  released, it would take turns with the first one on every run;
--   redacted       the bytes held the request's credentials and are kept with them replaced:
--                  no longer the vendor's bytes, so nothing decodes them again.
-- SQLite keeps a `zeroblob(n)` unexpanded only when no column after it holds data: with the
-- payload last, a whole response is written into its row piece by piece instead of being
-- built whole in memory (twice) first.
CREATE TABLE quarantine_0016 (
    quarantine_id     INTEGER PRIMARY KEY,
    vendor            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    document_key      TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('rejected', 'duplicate_key', 'redacted')),
    reason            TEXT NOT NULL,
    content_sha256    TEXT NOT NULL,
    first_seen_at     TEXT NOT NULL,
    last_seen_at      TEXT NOT NULL,
    ingest_id         INTEGER NOT NULL REFERENCES ingest_runs(ingest_id),
    resolved_at       TEXT,
    payload           BLOB NOT NULL,
    UNIQUE (vendor, endpoint, content_sha256)
);

-- Until now the kind showed only in the reason's wording.
INSERT INTO quarantine_0016 (quarantine_id, vendor, endpoint, document_key, kind, reason, content_sha256,
                             first_seen_at, last_seen_at, ingest_id, resolved_at, payload)
SELECT quarantine_id, vendor, endpoint, document_key,
       CASE
           WHEN reason LIKE '%a second, different document under the same key in one response%' THEN 'duplicate_key'
           WHEN reason LIKE 'the document holds this request''s credentials (redacted in this copy)%'
             OR reason LIKE '%(credentials in it redacted)' THEN 'redacted'
           ELSE 'rejected'
       END,
       reason, content_sha256, first_seen_at, last_seen_at, ingest_id, resolved_at, payload
FROM quarantine;

DROP TABLE quarantine;
ALTER TABLE quarantine_0016 RENAME TO quarantine;
