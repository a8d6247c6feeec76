-- Leads: a buyer's contact request or test-drive request about a vehicle, sent
-- from the public vehicle page (see the .pg.sql twin for the row-level security).
CREATE TABLE leads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
