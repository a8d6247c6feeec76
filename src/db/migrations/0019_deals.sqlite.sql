-- The deal pipeline (crm/deal*.c): a dealer's stages (in order; the last is the sale),
-- deals on them (a contact, a vehicle, the offer price, a trade-in, a financing quote),
-- and every move with its time, from which conversion and time in stage are computed.
CREATE TABLE deal_stages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  won INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deal_stages_tenant ON deal_stages (tenant_id, position);

CREATE TABLE deals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  lead_id BIGINT REFERENCES leads (id) ON DELETE SET NULL,
  contact_id BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
  vehicle_id BIGINT REFERENCES vehicles (id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  stage_id BIGINT NOT NULL REFERENCES deal_stages (id),
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'won', 'lost')),
  lost_reason TEXT NOT NULL DEFAULT '',
  offer_cents BIGINT NOT NULL DEFAULT 0,
  trade_in_cents BIGINT NOT NULL DEFAULT 0,
  trade_in_note TEXT NOT NULL DEFAULT '',
  finance_json TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  stage_since BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  closed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX deals_tenant_stage ON deals (tenant_id, stage_id, position);
CREATE INDEX deals_lead ON deals (lead_id);

CREATE TABLE deal_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  deal_id BIGINT NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
  from_stage_id BIGINT,
  to_stage_id BIGINT,
  state TEXT NOT NULL,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  at BIGINT NOT NULL
);
CREATE INDEX deal_history_deal ON deal_history (deal_id, at);
CREATE INDEX deal_history_tenant ON deal_history (tenant_id, at);
