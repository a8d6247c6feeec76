-- Lead management (crm/): contacts (one per person and dealer: the same e-mail or phone
-- is the same contact, with the history of all their leads), the lead's source, its
-- assignee, follow-up date and read state, and the activity timeline (notes, calls,
-- mails in and out, status and assignment changes).
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  phone_key TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_tenant_email ON contacts (tenant_id, email);
CREATE INDEX contacts_tenant_phone ON contacts (tenant_id, phone_key);

ALTER TABLE leads ADD COLUMN contact_id BIGINT REFERENCES contacts (id);
ALTER TABLE leads ADD COLUMN source TEXT NOT NULL DEFAULT 'website';
ALTER TABLE leads ADD COLUMN assignee_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN follow_up_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN read_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
-- financing and trade-in requests (POST /api/v1/public/leads): kind 'contact' with this
-- topic, since SQLite cannot widen the kind CHECK of 0009 without rebuilding the table
ALTER TABLE leads ADD COLUMN topic TEXT NOT NULL DEFAULT ''
  CHECK (topic IN ('', 'financing', 'trade_in'));
-- the buyer asked for marketing mail; it counts only once confirmed (double opt-in)
ALTER TABLE leads ADD COLUMN marketing_opt_in INTEGER NOT NULL DEFAULT 0;
UPDATE leads SET updated_at = created_at;
CREATE INDEX leads_tenant_contact ON leads (tenant_id, contact_id);
CREATE INDEX leads_tenant_follow_up ON leads (tenant_id, follow_up_at);

CREATE TABLE lead_activities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('note', 'call', 'mail_out', 'mail_in', 'status', 'assign',
                                     'follow_up')),
  body TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX lead_activities_lead ON lead_activities (lead_id, created_at);
