-- Leads: a buyer's contact request or test-drive request about a vehicle, sent
-- from the public vehicle page. The CRM issue builds on this table. A lead
-- belongs to the dealer of the vehicle (tenant_id); the public may only insert,
-- and only for a vehicle that is public and belongs to that dealer.
CREATE TABLE leads (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  vehicle_id BIGINT REFERENCES vehicles (id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('contact', 'test_drive')),
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  preferred_date TEXT NOT NULL DEFAULT '',
  privacy_notice TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'new',
  created_at BIGINT NOT NULL
);
CREATE INDEX leads_tenant_created ON leads (tenant_id, created_at);

-- Tables created after 0007 are covered by its default privileges only when the
-- same role creates them; grant explicitly so either way works.
DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON leads TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grant on leads to cc24_app skipped';
END
$$;

ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY leads_own ON leads
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
-- the public site writes leads (never reads them), only for a public vehicle of that dealer
CREATE POLICY leads_public_insert ON leads FOR INSERT
  WITH CHECK (current_setting('cc24.public', true) = 'on' AND EXISTS (
    SELECT 1 FROM vehicles v WHERE v.id = leads.vehicle_id AND v.tenant_id = leads.tenant_id
      AND (v.status = 'published' OR (v.status = 'reserved' AND v.published_at > 0))));

-- Sold vehicles stay visible to the public (their page answers 410 Gone with similar
-- vehicles); drafts never are.
CREATE POLICY vehicles_public_sold ON vehicles FOR SELECT
  USING (current_setting('cc24.public', true) = 'on' AND status = 'sold' AND published_at > 0);
