-- Accounts, second part: two-factor (TOTP) with single-use recovery codes, the
-- pending second login step, the dealer on every single-use token, vehicle page
-- views per day for the dashboard — and row-level security on every table that
-- holds a dealer's rows (0007 covered vehicles, finance_conditions, audit_log and
-- outbox inserts; this adds users, sessions, api_tokens, auth_tokens, the new
-- tables, and closes audit_log/outbox inserts to other dealers).
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
UPDATE auth_tokens t SET tenant_id = u.tenant_id FROM users u WHERE u.id = t.user_id;

CREATE TABLE vehicle_views (
  vehicle_id BIGINT NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  day INTEGER NOT NULL,
  views BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (vehicle_id, day)
);
CREATE INDEX vehicle_views_tenant ON vehicle_views (tenant_id, day);

-- The dealer a transaction works for: cc24.tenant_id ('' or unset = nobody).
-- '0' is the platform (rows without a dealer: platform admins), set only after
-- a platform admin authenticated.
CREATE FUNCTION cc24_current_tenant() RETURNS bigint
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('cc24.tenant_id', true), '')::bigint $$;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own ON users
  USING (COALESCE(tenant_id, 0) = cc24_current_tenant())
  WITH CHECK (COALESCE(tenant_id, 0) = cc24_current_tenant());

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY sessions_own ON sessions
  USING (COALESCE(tenant_id, 0) = cc24_current_tenant())
  WITH CHECK (COALESCE(tenant_id, 0) = cc24_current_tenant());

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_own ON api_tokens
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());

ALTER TABLE auth_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY auth_tokens_own ON auth_tokens
  USING (COALESCE(tenant_id, 0) = cc24_current_tenant())
  WITH CHECK (COALESCE(tenant_id, 0) = cc24_current_tenant());

ALTER TABLE recovery_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY recovery_codes_own ON recovery_codes
  USING (COALESCE(tenant_id, 0) = cc24_current_tenant())
  WITH CHECK (COALESCE(tenant_id, 0) = cc24_current_tenant());

ALTER TABLE login_challenges ENABLE ROW LEVEL SECURITY;
CREATE POLICY login_challenges_own ON login_challenges
  USING (COALESCE(tenant_id, 0) = cc24_current_tenant())
  WITH CHECK (COALESCE(tenant_id, 0) = cc24_current_tenant());

ALTER TABLE vehicle_views ENABLE ROW LEVEL SECURITY;
CREATE POLICY vehicle_views_own ON vehicle_views
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());

-- audit log: a dealer reads its own; anyone may add a row for no dealer (a failed
-- login for an unknown address), nobody for another dealer.
DROP POLICY audit_log_write ON audit_log;
CREATE POLICY audit_log_write ON audit_log FOR INSERT
  WITH CHECK (tenant_id IS NULL OR tenant_id = cc24_current_tenant());
-- The outbox is a queue of mails *to* a dealer (or to a person): a buyer's enquiry
-- notifies the vehicle's dealer from the public site, a Börse step notifies the other
-- dealer, a sign-up mails an address before its dealer exists. So anyone may add a
-- mail for anyone (outbox_write of 0007 stays); only reading is the dealer's own.
CREATE POLICY outbox_own ON outbox FOR SELECT
  USING (tenant_id = cc24_current_tenant());

-- Before the dealer is known, a login, a session cookie, an API token or a link
-- from a mail must find its one row. These functions run as the owner (which row-
-- level security does not restrict) and return only the row whose secret (or
-- address) the caller already holds — nothing can be listed through them.
CREATE FUNCTION cc24_auth_user_by_email(p_email text)
  RETURNS TABLE (id bigint, public_id text, tenant_id bigint, email text, name text,
                 password_hash text, role text, email_verified_at bigint, disabled integer,
                 created_at bigint, totp_enabled_at bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u.id, u.public_id, COALESCE(u.tenant_id, 0), u.email, u.name, u.password_hash,
           u.role, u.email_verified_at, u.disabled, u.created_at, u.totp_enabled_at
      FROM users u WHERE u.email = p_email
  $$;

CREATE FUNCTION cc24_auth_session(p_hash text, p_now bigint)
  RETURNS TABLE (user_id bigint, tenant_id bigint, role text, email text, name text,
                 slug text, csrf text, last_seen_at bigint, created_at bigint,
                 totp_enabled_at bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.user_id, COALESCE(s.tenant_id, 0), u.role, u.email, u.name, COALESCE(t.slug, ''),
           s.csrf, s.last_seen_at, s.created_at, u.totp_enabled_at
      FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tenants t ON t.id = s.tenant_id
     WHERE s.token_hash = p_hash AND s.expires_at > p_now AND u.disabled = 0
  $$;

CREATE FUNCTION cc24_auth_api_token(p_hash text)
  RETURNS TABLE (id bigint, public_id text, tenant_id bigint, slug text, name text, scopes text,
                 created_at bigint, last_used_at bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT k.id, k.public_id, k.tenant_id, t.slug, k.name, k.scopes, k.created_at, k.last_used_at
      FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id
     WHERE k.token_hash = p_hash AND k.revoked_at = 0
  $$;

-- spends the token: a second call with the same secret finds nothing
CREATE FUNCTION cc24_auth_onetime_use(p_hash text, p_purpose text, p_now bigint)
  RETURNS TABLE (user_id bigint, tenant_id bigint)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE auth_tokens SET used_at = p_now
     WHERE token_hash = p_hash AND purpose = p_purpose AND used_at = 0 AND expires_at > p_now
    RETURNING user_id, COALESCE(tenant_id, 0)
  $$;

CREATE FUNCTION cc24_auth_login_challenge(p_hash text, p_now bigint)
  RETURNS TABLE (user_id bigint, tenant_id bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT c.user_id, COALESCE(c.tenant_id, 0) FROM login_challenges c
     WHERE c.token_hash = p_hash AND c.expires_at > p_now
  $$;

REVOKE ALL ON FUNCTION cc24_auth_user_by_email(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_auth_session(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_auth_api_token(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_auth_onetime_use(text, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_auth_login_challenge(text, bigint) FROM PUBLIC;

DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes, login_challenges, vehicle_views TO cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
  EXECUTE 'GRANT EXECUTE ON FUNCTION cc24_auth_user_by_email(text), cc24_auth_session(text, bigint),'
          ' cc24_auth_api_token(text), cc24_auth_onetime_use(text, text, bigint),'
          ' cc24_auth_login_challenge(text, bigint) TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;
