-- Inbound mail (crm/lead_inbound.c, `cc24 mail receive`): the buyer's answer to a lead
-- mail lands in the lead's timeline. A mail about a lead remembers the lead, so an
-- answer that quotes its Message-ID in In-Reply-To/References finds it; a received
-- mail keeps its Message-ID and sender, and the same Message-ID is stored once per lead
-- (an MTA may deliver twice).
ALTER TABLE outbox ADD COLUMN lead_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_message_id ON outbox (message_id);
ALTER TABLE lead_activities ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE lead_activities ADD COLUMN sender TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX lead_activities_message ON lead_activities (lead_id, message_id)
  WHERE message_id <> '';
