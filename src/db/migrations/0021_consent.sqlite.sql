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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
