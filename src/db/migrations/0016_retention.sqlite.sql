-- GDPR retention (crm/retention.c): leads that did not lead to a sale are anonymised
-- after lead-retention-months — the row stays (kind, vehicle, dates, privacy notice
-- version) for statistics and as proof of what the buyer was told; anonymised_at says
-- when (0 = not yet), so a second run touches nothing twice. Every run records per
-- dealer and kind of data how many rows it cleared, shown on the dealer's lead page
-- (see the .pg.sql twin for row-level security).
ALTER TABLE leads ADD COLUMN anonymised_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE retention_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  ran_at BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('leads', 'outbox')),
  row_count BIGINT NOT NULL,
  cutoff BIGINT NOT NULL
);
CREATE INDEX retention_log_tenant ON retention_log (tenant_id, ran_at);
