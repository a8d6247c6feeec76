/* session.c — the session store: the sessions table or Redis, chosen once at
 * start-up. Both keep only the SHA-256 of the cookie token; both read the
 * user's current role and state from the users table on every lookup. */
#include "auth/session.h"

#include "auth/redis.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_bool in_redis;

void session_use_redis(bool on)
{
  atomic_store(&in_redis, on);
}

bool session_in_redis(void)
{
  return atomic_load(&in_redis);
}

static bool token_shape_ok(const char *token)
{
  return token && strlen(token) >= 20 && strlen(token) <= 100;
}

/* ---- Redis ---- */

#define KEY_SESS  "cc24:sess:"
#define KEY_USESS "cc24:usess:"

/* KEYS: session, user set. ARGV: user_id, tenant_id, csrf, now, ttl, hash. */
static const char LUA_CREATE[] =
    "redis.call('HSET', KEYS[1], 'user_id', ARGV[1], 'tenant_id', ARGV[2], 'csrf', ARGV[3],"
    " 'created_at', ARGV[4], 'last_seen_at', ARGV[4])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[5])\n"
    "redis.call('SADD', KEYS[2], ARGV[6])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[5])\n"
    "return 1\n";

/* KEYS: session. ARGV: user-set prefix, hash. */
static const char LUA_DESTROY[] = "local u = redis.call('HGET', KEYS[1], 'user_id')\n"
                                  "redis.call('DEL', KEYS[1])\n"
                                  "if u then redis.call('SREM', ARGV[1] .. u, ARGV[2]) end\n"
                                  "return 1\n";

/* KEYS: user set. ARGV: session prefix, hash to keep ('' = none). Returns the count. */
static const char LUA_DESTROY_USER[] = "local n = 0\n"
                                       "for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                       "  if h ~= ARGV[2] then\n"
                                       "    redis.call('DEL', ARGV[1] .. h)\n"
                                       "    redis.call('SREM', KEYS[1], h)\n"
                                       "    n = n + 1\n"
                                       "  end\n"
                                       "end\n"
                                       "return n\n";

/* KEYS: user set. ARGV: session prefix. Live sessions; forgets expired ones. */
static const char LUA_COUNT[] = "local n = 0\n"
                                "for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                "  if redis.call('EXISTS', ARGV[1] .. h) == 1 then n = n + 1\n"
                                "  else redis.call('SREM', KEYS[1], h) end\n"
                                "end\n"
                                "return n\n";

static int redis_create(const struct auth_user *u, const char *hash, const char *csrf, int64_t now,
                        struct err *e)
{
  char k1[96], k2[64], uid[24], tid[24], ts[24], ttl[24];
  snprintf(k1, sizeof k1, KEY_SESS "%s", hash);
  snprintf(k2, sizeof k2, KEY_USESS "%lld", (long long)u->id);
  snprintf(uid, sizeof uid, "%lld", (long long)u->id);
  snprintf(tid, sizeof tid, "%lld", (long long)(u->tenant_id > 0 ? u->tenant_id : 0));
  snprintf(ts, sizeof ts, "%lld", (long long)now);
  snprintf(ttl, sizeof ttl, "%d", SESSION_ABSOLUTE_SECONDS);
  struct redisReply *r =
      redis_eval(LUA_CREATE, 2, 8, (const char *[]){k1, k2, uid, tid, csrf, ts, ttl, hash}, e);
  redis_free(r);
  return r ? 0 : -1;
}

static int64_t field_i64(struct redisReply *r, const char *name, const char **text)
{
  for (size_t i = 0; i + 1 < r->elements; i += 2)
    if (r->element[i]->type == REDIS_REPLY_STRING && !strcmp(r->element[i]->str, name)) {
      if (text)
        *text = r->element[i + 1]->str;
      int64_t v = 0;
      str_to_i64(r->element[i + 1]->str, &v);
      return v;
    }
  if (text)
    *text = NULL;
  return 0;
}

static int destroy_hash(db_conn *c, const char *hash, struct err *e);

static int redis_lookup(db_conn *c, struct arena *a, const char *hash, struct session *s,
                        int64_t now, struct err *e)
{
  char key[96];
  snprintf(key, sizeof key, KEY_SESS "%s", hash);
  struct redisReply *r = redis_cmd(2, (const char *[]){"HGETALL", key}, NULL, e);
  if (!r)
    return -1;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 10) {
    redis_free(r);
    return 0;
  }
  const char *csrf = NULL;
  s->user_id = field_i64(r, "user_id", NULL);
  s->tenant_id = field_i64(r, "tenant_id", NULL);
  s->created_at = field_i64(r, "created_at", NULL);
  int64_t last = field_i64(r, "last_seen_at", NULL);
  field_i64(r, "csrf", &csrf);
  s->csrf = arena_strdup(a, csrf ? csrf : "");
  redis_free(r);
  if (now - last > SESSION_IDLE_SECONDS || now - s->created_at > SESSION_ABSOLUTE_SECONDS) {
    destroy_hash(c, hash, e);
    return 0;
  }
  if (now - last > 60) {
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    redis_free(redis_cmd(4, (const char *[]){"HSET", key, "last_seen_at", ts}, NULL, e));
  }
  return 1;
}

/* ---- the interface ---- */

int session_create(db_conn *c, struct arena *a, const struct auth_user *u, char **token,
                   const char **csrf_out, struct err *e)
{
  char tok[64], csrf[64], hash[65];
  id_token(tok, sizeof tok, 32);
  id_token(csrf, sizeof csrf, 24);
  id_sha256_hex(tok, strlen(tok), hash);
  int64_t now = time_now();
  if (session_in_redis()) {
    if (redis_create(u, hash, csrf, now, e) < 0)
      return -1;
  } else if (db_exec(c,
                     "INSERT INTO sessions (token_hash, user_id, tenant_id, csrf, created_at,"
                     " last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
                     DB_PARAMS(db_text(hash), db_i64(u->id),
                               u->tenant_id > 0 ? db_i64(u->tenant_id) : db_null(), db_text(csrf),
                               db_i64(now), db_i64(now + SESSION_ABSOLUTE_SECONDS)),
                     e) < 0) {
    return -1;
  }
  *token = arena_strdup(a, tok);
  if (csrf_out)
    *csrf_out = arena_strdup(a, csrf);
  return 0;
}

/* The user behind a Redis session, from the users table (in the session's dealer). */
static int load_user(db_conn *c, struct arena *a, struct session *s, char **role, struct err *e)
{
  int64_t totp = 0;
  int rc = db_query_one(c, a,
                        "SELECT u.role, u.email, u.name, COALESCE(t.slug, ''), u.totp_enabled_at"
                        " FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id"
                        " WHERE u.id = $1 AND u.disabled = 0",
                        DB_PARAMS(db_i64(s->user_id)),
                        DB_ROW(db_out_text(role), db_out_text((char **)&s->email),
                               db_out_text((char **)&s->name),
                               db_out_text((char **)&s->tenant_slug), db_out_i64(&totp)),
                        e);
  s->totp = totp > 0;
  return rc;
}

int session_lookup(db_conn *c, struct arena *a, const char *token, struct session *s, struct err *e)
{
  memset(s, 0, sizeof *s);
  if (!token_shape_ok(token))
    return 0;
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  int64_t now = time_now(), last = 0, totp = 0;
  char *role = NULL;
  int rc;
  if (session_in_redis()) {
    rc = redis_lookup(c, a, hash, s, now, e);
    if (rc != 1)
      return rc;
    if (auth_tx_act_as(c, s->tenant_id, e) < 0)
      return -1;
    rc = load_user(c, a, s, &role, e);
    if (rc != 1)
      return rc;
    s->role = auth_role_parse(role);
    return 1;
  }
  rc = db_query_one(
      c, a,
      DB_SQL(c,
             "SELECT s.user_id, COALESCE(s.tenant_id, 0), u.role, u.email, u.name,"
             " COALESCE(t.slug, ''), s.csrf, s.last_seen_at, s.created_at, u.totp_enabled_at"
             " FROM sessions s JOIN users u ON u.id = s.user_id"
             " LEFT JOIN tenants t ON t.id = s.tenant_id"
             " WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
             "SELECT user_id, tenant_id, role, email, name, slug, csrf, last_seen_at, created_at,"
             " totp_enabled_at FROM cc24_auth_session($1, $2)"),
      DB_PARAMS(db_text(hash), db_i64(now)),
      DB_ROW(db_out_i64(&s->user_id), db_out_i64(&s->tenant_id), db_out_text(&role),
             db_out_text((char **)&s->email), db_out_text((char **)&s->name),
             db_out_text((char **)&s->tenant_slug), db_out_text((char **)&s->csrf),
             db_out_i64(&last), db_out_i64(&s->created_at), db_out_i64(&totp)),
      e);
  if (rc != 1)
    return rc;
  if (auth_tx_act_as(c, s->tenant_id, e) < 0)
    return -1;
  if (now - last > SESSION_IDLE_SECONDS) {
    db_exec(c, "DELETE FROM sessions WHERE token_hash = $1", DB_PARAMS(db_text(hash)), e);
    return 0;
  }
  s->role = auth_role_parse(role);
  s->totp = totp > 0;
  if (now - last > 60)
    db_exec(c, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
            DB_PARAMS(db_i64(now), db_text(hash)), e);
  return 1;
}

static int destroy_hash(db_conn *c, const char *hash, struct err *e)
{
  if (session_in_redis()) {
    char key[96];
    snprintf(key, sizeof key, KEY_SESS "%s", hash);
    struct redisReply *r = redis_eval(LUA_DESTROY, 1, 3, (const char *[]){key, KEY_USESS, hash}, e);
    redis_free(r);
    return r ? 0 : -1;
  }
  return db_exec(c, "DELETE FROM sessions WHERE token_hash = $1", DB_PARAMS(db_text(hash)), e);
}

int session_destroy(db_conn *c, const char *token, struct err *e)
{
  if (!token || !*token)
    return 0;
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  return destroy_hash(c, hash, e);
}

int session_destroy_others(db_conn *c, int64_t user_id, const char *keep, struct err *e)
{
  char hash[65] = "";
  if (keep && *keep)
    id_sha256_hex(keep, strlen(keep), hash);
  if (session_in_redis()) {
    char key[64];
    snprintf(key, sizeof key, KEY_USESS "%lld", (long long)user_id);
    struct redisReply *r =
        redis_eval(LUA_DESTROY_USER, 1, 3, (const char *[]){key, KEY_SESS, hash}, e);
    int n = r ? (int)r->integer : -1;
    redis_free(r);
    return n;
  }
  return db_exec(c, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
                 DB_PARAMS(db_i64(user_id), db_text(hash)), e);
}

int session_destroy_user(db_conn *c, int64_t user_id, struct err *e)
{
  return session_destroy_others(c, user_id, NULL, e);
}

int session_count_user(db_conn *c, int64_t user_id, struct err *e)
{
  if (session_in_redis()) {
    char key[64];
    snprintf(key, sizeof key, KEY_USESS "%lld", (long long)user_id);
    struct redisReply *r = redis_eval(LUA_COUNT, 1, 2, (const char *[]){key, KEY_SESS}, e);
    int n = r ? (int)r->integer : -1;
    redis_free(r);
    return n;
  }
  int64_t now = time_now(), n = 0;
  if (db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2"
                   " AND last_seen_at > $3",
                   DB_PARAMS(db_i64(user_id), db_i64(now), db_i64(now - SESSION_IDLE_SECONDS)),
                   DB_ROW(db_out_i64(&n)), e) < 0)
    return -1;
  return (int)n;
}

bool session_csrf_ok(const struct session *s, const char *presented)
{
  if (!s || !s->csrf || !presented || !*s->csrf)
    return false;
  size_t n = strlen(s->csrf);
  return strlen(presented) == n && sodium_memcmp(s->csrf, presented, n) == 0;
}
