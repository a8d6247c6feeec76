-- Tenant isolation, the second time: row-level security on PostgreSQL.
-- `serve` and `worker` switch to the role cc24_app (not the owner, no BYPASSRLS)
-- after migrating; every transaction sets cc24.tenant_id (a dealer's request) or
-- cc24.public = on (the public site). Without either, tenant rows are invisible.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cc24_app') THEN
    CREATE ROLE cc24_app NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cc24: cannot create role cc24_app; row-level security is not enforced for serve';
END
$$;

DO $$
BEGIN
  EXECUTE 'GRANT cc24_app TO ' || quote_ident(current_user);
  EXECUTE 'GRANT USAGE ON SCHEMA public TO cc24_app';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
  EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cc24_app';
  EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;

ALTER TABLE vehicles ENABLE ROW LEVEL SECURITY;
CREATE POLICY vehicles_own ON vehicles
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY vehicles_public ON vehicles FOR SELECT
  USING (current_setting('cc24.public', true) = 'on'
         AND (status = 'published' OR (status = 'reserved' AND published_at > 0)));

ALTER TABLE finance_conditions ENABLE ROW LEVEL SECURITY;
CREATE POLICY finance_conditions_own ON finance_conditions
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
-- the conditions feed public financing examples
CREATE POLICY finance_conditions_public ON finance_conditions FOR SELECT
  USING (current_setting('cc24.public', true) = 'on');

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_own ON audit_log FOR SELECT
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
-- logins and sign-ups write before the dealer is known
CREATE POLICY audit_log_write ON audit_log FOR INSERT WITH CHECK (true);

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY outbox_write ON outbox FOR INSERT WITH CHECK (true);
