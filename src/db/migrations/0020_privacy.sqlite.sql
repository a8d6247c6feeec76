-- Data subject rights (privacy/): see 0020_privacy.pg.sql for what each table is.
CREATE TABLE privacy_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'erasure')),
  email TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_tokens_email ON privacy_tokens (email);

CREATE TABLE privacy_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  public_id TEXT NOT NULL UNIQUE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  token_hash TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'erasure')),
  email_hash TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  completed_at BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'completed')),
  result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX privacy_requests_tenant ON privacy_requests (tenant_id, received_at);
CREATE INDEX privacy_requests_token ON privacy_requests (token_hash);

CREATE TABLE legal_holds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  email TEXT NOT NULL,
  kind TEXT NOT NULL,
  reference TEXT NOT NULL DEFAULT '',
  keep_until BIGINT NOT NULL,
  restricted_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX legal_holds_tenant_email ON legal_holds (tenant_id, email);
