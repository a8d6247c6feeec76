#include "auth/session.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int session_create(db_conn *c, struct arena *a, const struct auth_user *u, char **token,
                   struct err *e)
{
  char tok[64], csrf[64], hash[65];
  id_token(tok, sizeof tok, 32);
  id_token(csrf, sizeof csrf, 24);
  id_sha256_hex(tok, strlen(tok), hash);
  int64_t now = time_now();
  if (db_exec(c,
              "INSERT INTO sessions (token_hash, user_id, tenant_id, csrf, created_at,"
              " last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
              DB_PARAMS(db_text(hash), db_i64(u->id),
                        u->tenant_id > 0 ? db_i64(u->tenant_id) : db_null(), db_text(csrf),
                        db_i64(now), db_i64(now + SESSION_ABSOLUTE_SECONDS)),
              e) < 0)
    return -1;
  *token = arena_strdup(a, tok);
  return 0;
}

int session_lookup(db_conn *c, struct arena *a, const char *token, struct session *s, struct err *e)
{
  memset(s, 0, sizeof *s);
  if (!token || strlen(token) < 20 || strlen(token) > 100)
    return 0;
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  int64_t now = time_now(), last = 0;
  char *role = NULL;
  int rc =
      db_query_one(c, a,
                   "SELECT s.user_id, COALESCE(s.tenant_id, 0), u.role, u.email, u.name,"
                   " COALESCE(t.slug, ''), s.csrf, s.last_seen_at FROM sessions s"
                   " JOIN users u ON u.id = s.user_id LEFT JOIN tenants t ON t.id = s.tenant_id"
                   " WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
                   DB_PARAMS(db_text(hash), db_i64(now)),
                   DB_ROW(db_out_i64(&s->user_id), db_out_i64(&s->tenant_id), db_out_text(&role),
                          db_out_text((char **)&s->email), db_out_text((char **)&s->name),
                          db_out_text((char **)&s->tenant_slug), db_out_text((char **)&s->csrf),
                          db_out_i64(&last)),
                   e);
  if (rc != 1)
    return rc;
  if (now - last > SESSION_IDLE_SECONDS) {
    db_exec(c, "DELETE FROM sessions WHERE token_hash = $1", DB_PARAMS(db_text(hash)), e);
    return 0;
  }
  s->role = auth_role_parse(role);
  if (now - last > 60)
    db_exec(c, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
            DB_PARAMS(db_i64(now), db_text(hash)), e);
  return 1;
}

int session_destroy(db_conn *c, const char *token, struct err *e)
{
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  return db_exec(c, "DELETE FROM sessions WHERE token_hash = $1", DB_PARAMS(db_text(hash)), e);
}

int session_destroy_user(db_conn *c, int64_t user_id, struct err *e)
{
  return db_exec(c, "DELETE FROM sessions WHERE user_id = $1", DB_PARAMS(db_i64(user_id)), e);
}

bool session_csrf_ok(const struct session *s, const char *presented)
{
  if (!s || !s->csrf || !presented)
    return false;
  size_t n = strlen(s->csrf);
  return strlen(presented) == n && sodium_memcmp(s->csrf, presented, n) == 0;
}
