-- Buyer accounts (issue 4): people who look for a car sign up with a name, an
-- address and a password. They have no dealer (tenant_id NULL) and the role
-- 'buyer'; their favourites and saved searches (with an e-mail alert) belong to
-- the account and to nobody else.
--
-- Row-level security for buyer data keys on cc24.user_id, which db_tx_user (and
-- db_set_user inside a transaction) sets once the account is known, like
-- cc24.tenant_id for a dealer. Without it no favourite or saved search is visible.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'owner', 'staff', 'buyer'));
-- the language of the mails the account gets ('de' or 'en')
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'de' CHECK (locale IN ('de', 'en'));

-- A buyer's favourites. The vehicle is named by its public id (as in its URL) and
-- its title when it was added, so a vehicle that is sold, withdrawn or deleted stays
-- on the list as "no longer available" instead of disappearing silently.
CREATE TABLE favourites (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  vehicle_public_id TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, vehicle_public_id)
);

-- Saved searches: the canonical query string of /fahrzeuge (validated by the search
-- parser before it is stored), an e-mail alert flag, and the alert job's
-- bookkeeping: when it last looked, and up to which publication time (Unix seconds)
-- vehicles have been considered (seen_until), so each vehicle is announced once.
CREATE TABLE saved_searches (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  query TEXT NOT NULL,
  alert INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1)),
  created_at BIGINT NOT NULL,
  last_checked_at BIGINT NOT NULL DEFAULT 0,
  seen_until BIGINT NOT NULL DEFAULT 0,
  last_alert_at BIGINT NOT NULL DEFAULT 0,
  alerts_sent INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, query)
);
CREATE INDEX saved_searches_alert ON saved_searches (alert, id);

-- Keys for signed links (HMAC-SHA256), created by the application on first use and
-- shared by every instance: 'alert-unsubscribe' signs the unsubscribe links in alert
-- mails. Platform data, no dealer.
CREATE TABLE signing_keys (
  name TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- The buyer a transaction works for: cc24.user_id ('' or unset = nobody).
CREATE FUNCTION cc24_current_user() RETURNS bigint
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('cc24.user_id', true), '')::bigint $$;

ALTER TABLE favourites ENABLE ROW LEVEL SECURITY;
CREATE POLICY favourites_own ON favourites
  USING (user_id = cc24_current_user())
  WITH CHECK (user_id = cc24_current_user());

ALTER TABLE saved_searches ENABLE ROW LEVEL SECURITY;
CREATE POLICY saved_searches_own ON saved_searches
  USING (user_id = cc24_current_user())
  WITH CHECK (user_id = cc24_current_user());

-- Accounts without a dealer (platform admins and buyers) are platform rows
-- (cc24.tenant_id = '0'). Once a transaction works for one buyer, the other buyers'
-- accounts are not among them; a buyer's transaction sees the own account.
DROP POLICY users_own ON users;
CREATE POLICY users_own ON users
  USING (COALESCE(tenant_id, 0) = cc24_current_tenant()
         AND (role <> 'buyer' OR cc24_current_user() IS NULL OR id = cc24_current_user()))
  WITH CHECK (COALESCE(tenant_id, 0) = cc24_current_tenant()
              AND (role <> 'buyer' OR cc24_current_user() IS NULL OR id = cc24_current_user()));
CREATE POLICY users_self ON users
  USING (role = 'buyer' AND tenant_id IS NULL AND id = cc24_current_user())
  WITH CHECK (role = 'buyer' AND tenant_id IS NULL AND id = cc24_current_user());

-- The alert job runs for no one in particular: it lists the saved searches with the
-- alert on (ids and owners only, verified and enabled accounts), then works on each
-- inside a transaction for its owner.
CREATE FUNCTION cc24_buyer_alerts_due(p_after bigint, p_limit integer)
  RETURNS TABLE (search_id bigint, user_id bigint, seen_until bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.id, s.user_id, s.seen_until FROM saved_searches s JOIN users u ON u.id = s.user_id
     WHERE s.alert = 1 AND s.id > p_after AND u.role = 'buyer' AND u.disabled = 0
       AND u.email_verified_at > 0
     ORDER BY s.id LIMIT p_limit
  $$;

-- An unsubscribe link names a saved search by its public id (signed; the application
-- checks the signature first): the owner, so the transaction can work for them.
CREATE FUNCTION cc24_buyer_search_owner(p_public_id text) RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT user_id FROM saved_searches WHERE public_id = p_public_id $$;

-- GDPR Art. 17 for the buyer of this transaction (cc24.user_id), all at once: the
-- account, its favourites and saved searches, sessions, single-use tokens and
-- mails to it; the audit log keeps its entries without the person (no user, no
-- address). Returns 1 when an account was erased, 0 when there was none.
CREATE FUNCTION cc24_buyer_erase() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  DECLARE
    v_id bigint := cc24_current_user();
    v_email text;
  BEGIN
    SELECT email INTO v_email FROM users WHERE id = v_id AND role = 'buyer' AND tenant_id IS NULL;
    IF v_email IS NULL THEN
      RETURN 0;
    END IF;
    UPDATE audit_log SET user_id = NULL, ip = '', detail = '' WHERE user_id = v_id;
    DELETE FROM outbox WHERE tenant_id IS NULL AND recipient = v_email;
    DELETE FROM favourites WHERE user_id = v_id;
    DELETE FROM saved_searches WHERE user_id = v_id;
    DELETE FROM sessions WHERE user_id = v_id;
    DELETE FROM auth_tokens WHERE user_id = v_id;
    DELETE FROM login_challenges WHERE user_id = v_id;
    DELETE FROM recovery_codes WHERE user_id = v_id;
    DELETE FROM users WHERE id = v_id;
    RETURN 1;
  END
  $$;

REVOKE ALL ON FUNCTION cc24_buyer_alerts_due(bigint, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_buyer_search_owner(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_buyer_erase() FROM PUBLIC;

DO $$
BEGIN
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON favourites, saved_searches TO cc24_app';
  EXECUTE 'GRANT SELECT, INSERT ON signing_keys TO cc24_app';
  EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON signing_keys FROM cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
  EXECUTE 'GRANT EXECUTE ON FUNCTION cc24_buyer_alerts_due(bigint, integer),'
          ' cc24_buyer_search_owner(text), cc24_buyer_erase(), cc24_current_user() TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;
