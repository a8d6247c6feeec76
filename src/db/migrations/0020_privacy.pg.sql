-- Data subject rights for anyone who wrote to a dealer (privacy/): access and
-- portability (Art. 15, 20) and erasure (Art. 17) by a verified e-mail link.
--
-- privacy_tokens: the link's secret, stored only as its SHA-256, with the address it
-- was sent to and what it asks for; no dealer (the address may be known to many).
-- The application never reads the table: it inserts, and looks a token up or spends
-- it by its hash through SECURITY DEFINER functions, so a secret is needed to learn an
-- address. An erasure blanks the address on its tokens.
CREATE TABLE privacy_tokens (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'erasure')),
  email TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_tokens_email ON privacy_tokens (email);

-- privacy_requests: one row per request and dealer that holds data about the address —
-- the dealer's proof of the request and of its answer (Art. 5 (2)). It names the person
-- only by the SHA-256 of the address, enough to match a later request.
--   status: waiting (the person has not confirmed the link yet) → completed.
CREATE TABLE privacy_requests (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- legal_holds: data a dealer must keep although the person asked for erasure (an
-- invoice: 10 years, § 147 AO, § 257 HGB). The module that creates such data adds a
-- row naming the address, what it is and until when; an erasure then restricts it
-- (Art. 18: restricted_at, no other processing) instead of deleting it, and its answer
-- says what is kept and why. Nothing writes a hold yet (no invoices exist).
CREATE TABLE legal_holds (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  email TEXT NOT NULL,
  kind TEXT NOT NULL,
  reference TEXT NOT NULL DEFAULT '',
  keep_until BIGINT NOT NULL,
  restricted_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX legal_holds_tenant_email ON legal_holds (tenant_id, email);

DO $$
BEGIN
  EXECUTE 'GRANT INSERT ON privacy_tokens TO cc24_app';
  -- default privileges (0007) may have granted more: the links are read by function only
  EXECUTE 'REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON privacy_tokens FROM cc24_app';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_requests, legal_holds TO cc24_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;

ALTER TABLE privacy_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY privacy_tokens_write ON privacy_tokens FOR INSERT WITH CHECK (true);
ALTER TABLE privacy_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY privacy_requests_own ON privacy_requests
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());
ALTER TABLE legal_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY legal_holds_own ON legal_holds
  USING (tenant_id = cc24_current_tenant())
  WITH CHECK (tenant_id = cc24_current_tenant());

-- The token by its hash (the caller holds the secret): what it asks for, the address,
-- its times.
CREATE FUNCTION cc24_privacy_token(p_hash text)
  RETURNS TABLE (id bigint, kind text, email text, expires_at bigint, used_at bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT t.id, t.kind, t.email, t.expires_at, t.used_at FROM privacy_tokens t
     WHERE t.token_hash = p_hash
  $$;

-- Spend it: 1 for the first use, 0 afterwards (two parallel confirmations: one wins).
CREATE FUNCTION cc24_privacy_token_spend(p_hash text, p_now bigint) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  DECLARE n integer;
  BEGIN
    UPDATE privacy_tokens SET used_at = p_now WHERE token_hash = p_hash AND used_at = 0;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
  END
  $$;

-- The dealers that hold something about the address (leads, contacts, mails to it or
-- answering to it, legal holds): their ids only. Called with a verified address (the
-- link's) or to decide whether a link is sent at all (the answer is the same either way).
CREATE FUNCTION cc24_privacy_tenants(p_email text) RETURNS SETOF bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT tenant_id FROM leads WHERE lower(email) = p_email
    UNION SELECT tenant_id FROM contacts WHERE lower(email) = p_email
    UNION SELECT tenant_id FROM outbox WHERE tenant_id IS NOT NULL
      AND (recipient = p_email OR lower(reply_to) = p_email)
    UNION SELECT tenant_id FROM legal_holds WHERE lower(email) = p_email
  $$;

-- Mails to the address that belong to no dealer (account mails, these links).
CREATE FUNCTION cc24_privacy_platform_mails(p_email text)
  RETURNS TABLE (kind text, subject text, body text, state text, created_at bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT o.kind, o.subject, o.body, o.state, o.created_at FROM outbox o
     WHERE o.tenant_id IS NULL AND o.recipient = p_email ORDER BY o.created_at, o.id
  $$;

-- Erasure of what belongs to no dealer: those mails (never one being sent) and the
-- address on the privacy links (the spent token stays, so a replay is refused).
CREATE FUNCTION cc24_privacy_platform_erase(p_email text) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
  DECLARE n integer;
  BEGIN
    DELETE FROM outbox WHERE tenant_id IS NULL AND recipient = p_email AND state <> 'sending';
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE privacy_tokens SET email = '' WHERE email = p_email;
    RETURN n;
  END
  $$;

REVOKE ALL ON FUNCTION cc24_privacy_token(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_privacy_token_spend(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_privacy_tenants(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_privacy_platform_mails(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cc24_privacy_platform_erase(text) FROM PUBLIC;

DO $$
BEGIN
  EXECUTE 'GRANT EXECUTE ON FUNCTION cc24_privacy_token(text), cc24_privacy_token_spend(text, bigint),'
          ' cc24_privacy_tenants(text), cc24_privacy_platform_mails(text),'
          ' cc24_privacy_platform_erase(text) TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grants to cc24_app skipped';
END
$$;
