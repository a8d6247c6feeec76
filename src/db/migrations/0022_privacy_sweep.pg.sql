-- The sweep of privacy requests that were never confirmed (privacy/privacy_store.c) runs
-- for no dealer in particular, and the app may not read privacy_tokens at all: this
-- function, run as the owner, deletes only links a grace period past their expiry and
-- requests still waiting when their link ran out (a confirmation completes them at
-- once), and returns the counts.
CREATE FUNCTION cc24_privacy_sweep(p_now bigint, p_ttl bigint, p_grace bigint)
  RETURNS TABLE (tokens bigint, requests bigint)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE t bigint; r bigint;
BEGIN
  DELETE FROM privacy_tokens WHERE expires_at <= p_now - p_grace;
  GET DIAGNOSTICS t = ROW_COUNT;
  DELETE FROM privacy_requests WHERE status = 'waiting' AND received_at <= p_now - p_ttl;
  GET DIAGNOSTICS r = ROW_COUNT;
  RETURN QUERY SELECT t, r;
END
$$;

REVOKE ALL ON FUNCTION cc24_privacy_sweep(bigint, bigint, bigint) FROM PUBLIC;

DO $$
BEGIN
  EXECUTE 'GRANT EXECUTE ON FUNCTION cc24_privacy_sweep(bigint, bigint, bigint) TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grant of cc24_privacy_sweep skipped';
END
$$;
