-- 0017: the identities a warehouse had before it was restored from a backup (docs/replica.md).
--
-- A restore gives the restored file a new identity, so that a PostgreSQL replica made from the
-- file as it was before copies it whole instead of applying changes on top of rows the backup
-- never held. The identities it had before (space-separated, oldest first) let `replicate`
-- tell such a replica from one of another warehouse (a mistyped --schema or --db, refused),
-- and `backup --keep` count the copies made before the restore as this warehouse's.
ALTER TABLE replica_warehouse ADD COLUMN earlier_ids TEXT NOT NULL DEFAULT '';
