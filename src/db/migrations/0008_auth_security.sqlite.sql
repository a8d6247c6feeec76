-- Accounts, second part: two-factor (TOTP) with single-use recovery codes, the
-- pending second login step, the dealer on every single-use token, and vehicle
-- page views per day for the dashboard. Row-level security is PostgreSQL only.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT REFERENCES tenants (id),
  user_id BIGINT NOT NULL REFERENCES users (id),
  code_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE login_challenges (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  tenant_id BIGINT REFERENCES tenants (id),
  next TEXT NOT NULL DEFAULT '/dashboard',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

ALTER TABLE auth_tokens ADD COLUMN tenant_id BIGINT REFERENCES tenants (id);
UPDATE auth_tokens SET tenant_id = (SELECT u.tenant_id FROM users u WHERE u.id = auth_tokens.user_id);

CREATE TABLE vehicle_views (
  vehicle_id BIGINT NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  day INTEGER NOT NULL,
  views BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (vehicle_id, day)
);
CREATE INDEX vehicle_views_tenant ON vehicle_views (tenant_id, day);
