-- GDPR retention (crm/retention.c): leads that did not lead to a sale are anonymised
-- after lead-retention-months — the row stays (kind, vehicle, dates, privacy notice
-- version) for statistics and as proof of what the buyer was told; anonymised_at says
-- when (0 = not yet), so a second run touches nothing twice. Every run records per
-- dealer and kind of data how many rows it cleared, shown on the dealer's lead page.
ALTER TABLE leads ADD COLUMN anonymised_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE retention_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  ran_at BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('leads', 'outbox')),
  row_count BIGINT NOT NULL,
  cutoff BIGINT NOT NULL
);
CREATE INDEX retention_log_tenant ON retention_log (tenant_id, ran_at);

-- Tables created after 0007 are covered by its default privileges only when the
-- same role creates them; grant explicitly so either way works.
DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON retention_log TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grant on retention_log to cc24_app skipped';
END
$$;

-- The job runs one transaction per dealer with that dealer set, so plain tenant rules
-- suffice: no SECURITY DEFINER function, no dealer sees or clears another's rows.
ALTER TABLE retention_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY retention_log_own ON retention_log
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());

-- The copy of an enquiry in the dealer's mail queue expires with the lead: the job
-- deletes the dealer's outbox mails older than the retention period (0008 lets a
-- dealer read its outbox; this lets it delete its own rows, nothing else).
CREATE POLICY outbox_own_delete ON outbox FOR DELETE
  USING (tenant_id = cc24_current_tenant());
