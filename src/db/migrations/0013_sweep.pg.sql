-- The sweep of expired login data (auth/sweep.c) runs for no dealer in particular, so
-- row-level security would show it nothing: this function, run as the owner, deletes
-- only rows that can never be used again — sessions past their idle or absolute
-- expiry, one-time tokens and login challenges a day past their expiry.
CREATE FUNCTION cc24_auth_sweep(p_now bigint, p_idle bigint)
  RETURNS TABLE (sessions bigint, tokens bigint, challenges bigint)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE s bigint; t bigint; c bigint;
BEGIN
  DELETE FROM sessions WHERE expires_at <= p_now OR last_seen_at <= p_now - p_idle;
  GET DIAGNOSTICS s = ROW_COUNT;
  DELETE FROM auth_tokens WHERE expires_at <= p_now - 86400;
  GET DIAGNOSTICS t = ROW_COUNT;
  DELETE FROM login_challenges WHERE expires_at <= p_now - 86400;
  GET DIAGNOSTICS c = ROW_COUNT;
  RETURN QUERY SELECT s, t, c;
END
$$;

DO $$
BEGIN
  EXECUTE 'GRANT EXECUTE ON FUNCTION cc24_auth_sweep(bigint, bigint) TO cc24_app';
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  RAISE NOTICE 'cc24: grant of cc24_auth_sweep skipped';
END
$$;
