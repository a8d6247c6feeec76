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

-- Receiving works for nobody until it knows the dealer: these two answer only which
-- dealer a lead belongs to. The first is called with a lead id whose HMAC tag the
-- caller has verified (the address), the second with the Message-IDs an answer quotes
-- (only mails cc24 sent about a lead carry one that matches).
CREATE FUNCTION cc24_inbound_lead(p_public_id text)
  RETURNS TABLE (tenant_id bigint, lead_id bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT l.tenant_id, l.id FROM leads l
     WHERE l.public_id = p_public_id AND l.anonymised_at = 0
  $$;

CREATE FUNCTION cc24_inbound_lead_by_message(p_message_id text)
  RETURNS TABLE (tenant_id bigint, lead_id bigint, public_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT l.tenant_id, l.id, l.public_id FROM outbox o
      JOIN leads l ON l.id = o.lead_id AND l.tenant_id = o.tenant_id
     WHERE o.message_id = p_message_id AND o.lead_id > 0 AND l.anonymised_at = 0
     ORDER BY o.id DESC LIMIT 1
  $$;

REVOKE ALL ON FUNCTION cc24_inbound_lead(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_inbound_lead_by_message(text) FROM PUBLIC;
DO $$
BEGIN
  EXECUTE 'GRANT EXECUTE ON FUNCTION cc24_inbound_lead(text),'
          ' cc24_inbound_lead_by_message(text) TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;
