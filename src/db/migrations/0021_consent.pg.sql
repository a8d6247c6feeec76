-- GDPR Art. 13 notices and processing records (privacy/consent.h), and the marketing
-- newsletter with double opt-in (privacy/newsletter.c, UWG § 7 (2) no. 2).
--
-- consent_texts: every notice text a record refers to, once per dealer and SHA-256
-- (the exact text the form showed). processing_records: one row per submission of a
-- form that takes personal data: form, purpose, legal basis, text hash, time and the
-- truncated IP; kept as proof when the lead itself is anonymised (the address on it is
-- cleared then). newsletter_subscribers: pending until the single-use link is used;
-- pending rows are purged once the link has expired.
CREATE TABLE consent_texts (
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  hash TEXT NOT NULL,
  form TEXT NOT NULL,
  locale TEXT NOT NULL,
  body TEXT NOT NULL,
  first_used_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, hash)
);

CREATE TABLE processing_records (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  form TEXT NOT NULL,
  purpose TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  reference TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX processing_records_tenant ON processing_records (tenant_id, created_at);
CREATE INDEX processing_records_email ON processing_records (tenant_id, email);

CREATE TABLE newsletter_subscribers (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  email TEXT NOT NULL,
  locale TEXT NOT NULL DEFAULT 'de',
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
  token_hash TEXT NOT NULL DEFAULT '',
  token_expires_at BIGINT NOT NULL DEFAULT 0,
  source TEXT NOT NULL DEFAULT 'form',
  created_at BIGINT NOT NULL,
  confirmed_at BIGINT NOT NULL DEFAULT 0,
  sent_until BIGINT NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, email)
);
CREATE INDEX newsletter_subscribers_token ON newsletter_subscribers (token_hash);

DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON consent_texts, processing_records,'
          ' newsletter_subscribers TO cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;

-- the dealer's own rows; the public site (cc24.public = on) writes the record and its
-- text with a lead (never reads them); the newsletter is always worked in the dealer's
-- transaction (the links carry the dealer's slug)
ALTER TABLE consent_texts ENABLE ROW LEVEL SECURITY;
CREATE POLICY consent_texts_own ON consent_texts
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY consent_texts_public_insert ON consent_texts FOR INSERT
  WITH CHECK (current_setting('cc24.public', true) = 'on');
ALTER TABLE processing_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY processing_records_own ON processing_records
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);
CREATE POLICY processing_records_public_insert ON processing_records FOR INSERT
  WITH CHECK (current_setting('cc24.public', true) = 'on');
ALTER TABLE newsletter_subscribers ENABLE ROW LEVEL SECURITY;
CREATE POLICY newsletter_subscribers_own ON newsletter_subscribers
  USING (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint)
  WITH CHECK (tenant_id = NULLIF(current_setting('cc24.tenant_id', true), '')::bigint);

-- a data-subject request finds the dealers holding newsletter rows or records too
CREATE OR REPLACE FUNCTION cc24_privacy_tenants(p_email text) RETURNS SETOF bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT tenant_id FROM leads WHERE lower(email) = p_email
    UNION SELECT tenant_id FROM contacts WHERE lower(email) = p_email
    UNION SELECT tenant_id FROM outbox WHERE tenant_id IS NOT NULL
      AND (recipient = p_email OR lower(reply_to) = p_email)
    UNION SELECT tenant_id FROM legal_holds WHERE lower(email) = p_email
    UNION SELECT tenant_id FROM newsletter_subscribers WHERE email = p_email
    UNION SELECT tenant_id FROM processing_records WHERE email = p_email
  $$;
