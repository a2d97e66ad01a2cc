-- Read-only access for an analyst (or a BI tool's user) to chosen billwh replica schemas.
--
--   psql "postgres://billwh@HOST/DATABASE" -v role=analyst_a -v schemas=billwh,reseller_b \
--        -f scripts/replica-analyst-role.sql
--   psql "postgres://billwh@HOST/DATABASE" -c '\password analyst_a'
--
-- Run it as the user `billwh replicate` connects with, which needs CREATEROLE (as an
-- administrator: ALTER ROLE billwh CREATEROLE): the default privileges below then cover the
-- tables and views later replicates (and replica upgrades) create. Safe to run again (it adds
-- schemas and keeps the password). The password is not an argument: psql's \password hashes
-- it before sending, so it reaches no server log, no error message and no shell history.
-- The role can log in, read the schemas given and nothing else: no writes (no privilege, and
-- read-only transactions by default), no CREATE anywhere, no other schema. (Temporary tables
-- come from PUBLIC's TEMPORARY privilege, which only an administrator can take from everyone:
-- REVOKE TEMPORARY ON DATABASE … FROM PUBLIC.)
\set ON_ERROR_STOP on
SELECT set_config('billwh.role', :'role', false) AS _role, set_config('billwh.schemas', :'schemas', false) AS _schemas \gset
DO $$
DECLARE
    analyst text := current_setting('billwh.role');
    schema  text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolcreaterole OR rolsuper)) THEN
        RAISE EXCEPTION 'run this as the user billwh replicates with, after an administrator gave it CREATEROLE: ALTER ROLE % CREATEROLE', current_user;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = analyst) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', analyst);
        RAISE NOTICE 'role % made; give it a password with: \password %', analyst, analyst;
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', analyst);
    END IF;
    -- A session that forgets it is read-only still cannot write: it has no privilege to.
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', analyst);
    EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', analyst);
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM %I', current_database(), analyst);
    FOREACH schema IN ARRAY string_to_array(current_setting('billwh.schemas'), ',') LOOP
        schema := trim(schema);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema, analyst);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', schema, analyst);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO %I', schema, analyst);
    END LOOP;
END
$$;
