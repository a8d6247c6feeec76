/* Sessions and rate limits in Redis, against a real redis-server that the harness
 * starts (scripts/redis-test.sh; CC24_TEST_REDIS_URL). Without it the Redis tests
 * are skipped; the URL parsing tests always run. The session tests run on both
 * database backends (store suite): the user behind a session still comes from the
 * users table. */
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/redis.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *redis_url(void)
{
  const char *u = getenv("CC24_TEST_REDIS_URL");
  return u && *u ? u : NULL;
}

#define NEED_REDIS()                                                                               \
  do {                                                                                             \
    if (!redis_url())                                                                              \
      cr_skip_test("CC24_TEST_REDIS_URL not set");                                                 \
  } while (0)

Test(redis, urls_are_checked)
{
  struct err e = {0};
  cr_expect_eq(redis_configure("http://127.0.0.1:6379", &e), -1);
  cr_expect_eq(e.code, CC24_E_CONFIG);
  cr_expect_eq(redis_configure("redis://127.0.0.1:99999", &e), -1);
  cr_expect_eq(redis_configure("redis://:secret@", &e), -1);
  cr_expect_eq(redis_configure("redis://127.0.0.1:6379/x", &e), -1);
  /* a port nobody listens on: refused at start-up, not at the first login */
  e = (struct err){0};
  cr_expect_eq(redis_configure("redis://127.0.0.1:1", &e), -1);
  cr_expect_eq(e.code, CC24_E_DB_UNAVAILABLE, "%s", e.msg);
  cr_expect_not(redis_enabled());
}

static void fresh_prefix(char *out, size_t n)
{
  char id[ID_LEN + 1];
  id_new(id);
  snprintf(out, n, "t%s", id);
}

Test(redis, gcra_buckets_are_shared_and_refill)
{
  NEED_REDIS();
  cr_assert_eq(ids_init(), 0);
  struct err e = {0};
  cr_assert_eq(redis_configure(redis_url(), &e), 0, "%s", e.msg);
  char p[32], k[64];
  fresh_prefix(p, sizeof p);
  snprintf(k, sizeof k, "%s:login", p);
  rl_reset();
  int retry = 0;
  for (int i = 0; i < 5; i++)
    cr_assert(rl_take(k, 5, 60, &retry), "burst of 5 (%d)", i);
  cr_assert_not(rl_take(k, 5, 60, &retry), "the sixth is refused");
  cr_expect(retry >= 1 && retry <= 2, "one token a second: retry %d", retry);
  double left = rl_peek(k, 5, 60);
  cr_expect(left >= 0.0 && left < 0.5, "empty but for what refilled meanwhile: %f", left);
  /* the bucket lives in Redis: the local table knows nothing of it */
  rl_reset();
  cr_assert_not(rl_take(k, 5, 60, &retry), "still empty after the local table is reset");
  redis_unconfigure();
  cr_assert(rl_take(k, 5, 60, &retry), "without Redis the local bucket answers");
  cr_assert_eq(redis_configure(redis_url(), &e), 0, "%s", e.msg);
  /* refill: 600 a minute is one every 100 ms */
  snprintf(k, sizeof k, "%s:fast", p);
  cr_assert(rl_take(k, 2, 600, &retry));
  cr_assert(rl_take(k, 2, 600, &retry));
  cr_assert_not(rl_take(k, 2, 600, &retry));
  /* Redis keeps the time (GCRA on the server's clock): poll until the token is back,
   * with a generous bound against hanging, and check it did not come back at once */
  bool back = false;
  for (int i = 0; i < 200 && !back; i++) {
    usleep(10000);
    back = rl_take(k, 2, 600, &retry);
  }
  cr_assert(back, "a token came back (one every 100 ms), within 2 s");
  cr_expect_float_eq(rl_peek("never-used-" __FILE__, 3, 60), 3.0, 0.01);
  redis_unconfigure();
}

struct race {
  const char *key;
  int allowed;
};

static void *take_many(void *arg)
{
  struct race *r = arg;
  for (int i = 0; i < 50; i++) {
    int retry;
    if (rl_take(r->key, 100, 1, &retry))
      __atomic_fetch_add(&r->allowed, 1, __ATOMIC_SEQ_CST);
  }
  return NULL;
}

Test(redis, gcra_is_atomic_under_concurrency)
{
  NEED_REDIS();
  cr_assert_eq(ids_init(), 0);
  struct err e = {0};
  cr_assert_eq(redis_configure(redis_url(), &e), 0, "%s", e.msg);
  char p[32], k[64];
  fresh_prefix(p, sizeof p);
  snprintf(k, sizeof k, "%s:race", p);
  struct race r = {k, 0};
  pthread_t th[8];
  for (int i = 0; i < 8; i++)
    pthread_create(&th[i], NULL, take_many, &r);
  for (int i = 0; i < 8; i++)
    pthread_join(th[i], NULL);
  /* 400 attempts on one connection per thread; a burst of 100 and (almost) no refill */
  cr_expect_eq(r.allowed, 100, "exactly the burst is allowed, got %d", r.allowed);
  redis_unconfigure();
}

/* ---- sessions ---- */

static struct arena *ar;

struct sx {
  struct auth_user u, other;
  int64_t tenant;
  char *tok[3];
  struct session s;
  int rc, n;
};

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  struct sx *x = arg;
  char slug[40];
  char id[ID_LEN + 1];
  id_new(id);
  snprintf(slug, sizeof slug, "redis-%s", id);
  struct tenant t = {.slug = arena_strdup(ar, slug), .name = "Redis-Haus"};
  if (tenant_store_create(c, &t, e) < 0)
    return -1;
  x->tenant = t.id;
  if (auth_tx_act_as(c, t.id, e) < 0)
    return -1;
  x->u = (struct auth_user){.tenant_id = t.id,
                            .role = AUTH_ROLE_OWNER,
                            .email = arena_printf(ar, "o@%s.example", slug),
                            .name = "Olga"};
  x->other = (struct auth_user){
      .tenant_id = t.id, .role = AUTH_ROLE_STAFF, .email = arena_printf(ar, "s@%s.example", slug)};
  if (auth_user_create(c, ar, &x->u, "ein-langes-passwort", e) < 0 ||
      auth_user_create(c, ar, &x->other, "ein-langes-passwort", e) < 0)
    return -1;
  for (int i = 0; i < 2; i++)
    if (session_create(c, ar, &x->u, &x->tok[i], NULL, e) < 0)
      return -1;
  return session_create(c, ar, &x->other, &x->tok[2], NULL, e);
}

static const char *lookup_token;

static int tx_lookup(db_conn *c, void *arg, struct err *e)
{
  struct sx *x = arg;
  x->rc = session_lookup(c, ar, lookup_token, &x->s, e);
  return x->rc < 0 ? -1 : 0;
}

static int lookup(db *d, struct sx *x, const char *tok)
{
  struct err e = {0};
  lookup_token = tok;
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_lookup, x, &e), 0, "%s", e.msg);
  return x->rc;
}

static int tx_others(db_conn *c, void *arg, struct err *e)
{
  struct sx *x = arg;
  x->n = session_destroy_others(c, x->u.id, x->tok[0], e);
  return x->n < 0 ? -1 : 0;
}

static int tx_count(db_conn *c, void *arg, struct err *e)
{
  struct sx *x = arg;
  x->n = session_count_user(c, x->u.id, e);
  return x->n < 0 ? -1 : 0;
}

static int tx_disable(db_conn *c, void *arg, struct err *e)
{
  struct sx *x = arg;
  if (auth_tx_act_as(c, x->tenant, e) < 0)
    return -1;
  return auth_user_set_disabled(c, x->other.id, true, e) < 0 ? -1 : 0;
}

static int tx_all(db_conn *c, void *arg, struct err *e)
{
  struct sx *x = arg;
  if (auth_tx_act_as(c, x->tenant, e) < 0)
    return -1;
  x->n = session_destroy_user(c, x->u.id, e);
  return x->n < 0 ? -1 : 0;
}

Test(redis, sessions_live_in_redis_and_users_in_the_database)
{
  NEED_REDIS();
  db *d = testdb_open();
  cr_assert_not_null(d);
  ar = arena_new(0);
  struct err e = {0};
  cr_assert_eq(redis_configure(redis_url(), &e), 0, "%s", e.msg);
  session_use_redis(true);
  struct sx x = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, &x, &e), 0, "%s", e.msg);
  db_conn *c = db_acquire(d, &e);
  int64_t rows = -1;
  db_query_one(c, NULL, "SELECT COUNT(*) FROM sessions", DB_NOPARAMS, DB_ROW(db_out_i64(&rows)),
               &e);
  db_release(c);
  cr_expect_eq(rows, 0, "nothing in the sessions table");

  cr_assert_eq(lookup(d, &x, x.tok[0]), 1);
  cr_expect_eq(x.s.user_id, x.u.id);
  cr_expect_eq(x.s.tenant_id, x.tenant);
  cr_expect_eq(x.s.role, AUTH_ROLE_OWNER);
  cr_expect_str_eq(x.s.name, "Olga");
  cr_expect_gt(strlen(x.s.csrf), 20);
  const char *csrf0 = x.s.csrf;
  cr_assert_eq(lookup(d, &x, x.tok[1]), 1);
  cr_expect_str_neq(x.s.csrf, csrf0, "each session has its own CSRF token");
  cr_expect_eq(lookup(d, &x, "x-not-a-session-token-at-all"), 0);

  cr_assert_eq(db_tx(d, 0, DB_READ, tx_count, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.n, 2);
  /* password change: the other sessions end, this one stays */
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_others, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.n, 1);
  cr_expect_eq(lookup(d, &x, x.tok[1]), 0, "ended");
  cr_expect_eq(lookup(d, &x, x.tok[0]), 1, "kept");

  /* a disabled user's session does not authenticate (the users table decides) */
  cr_assert_eq(lookup(d, &x, x.tok[2]), 1);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_disable, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(lookup(d, &x, x.tok[2]), 0);

  /* idle sessions end */
  char hash[65], key[96], old[24];
  id_sha256_hex(x.tok[0], strlen(x.tok[0]), hash);
  snprintf(key, sizeof key, "cc24:sess:%s", hash);
  snprintf(old, sizeof old, "%lld", (long long)(time_now() - SESSION_IDLE_SECONDS - 5));
  struct redisReply *r = redis_cmd(4, (const char *[]){"HSET", key, "last_seen_at", old}, NULL, &e);
  cr_assert_not_null(r, "%s", e.msg);
  redis_free(r);
  cr_expect_eq(lookup(d, &x, x.tok[0]), 0, "idle for more than 2 h");
  r = redis_cmd(2, (const char *[]){"EXISTS", key}, NULL, &e);
  cr_expect_eq(r->integer, 0, "and removed");
  redis_free(r);

  /* the absolute expiry is the key's TTL */
  char *tok;
  struct err e2 = {0};
  db_conn *c2 = db_acquire(d, &e2);
  cr_assert_eq(session_create(c2, ar, &x.u, &tok, NULL, &e2), 0, "%s", e2.msg);
  db_release(c2);
  id_sha256_hex(tok, strlen(tok), hash);
  snprintf(key, sizeof key, "cc24:sess:%s", hash);
  r = redis_cmd(2, (const char *[]){"TTL", key}, NULL, &e);
  cr_expect(r->integer > SESSION_ABSOLUTE_SECONDS - 10 && r->integer <= SESSION_ABSOLUTE_SECONDS,
            "TTL %lld", r->integer);
  redis_free(r);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_all, &x, &e), 0, "%s", e.msg);
  cr_expect_geq(x.n, 1);
  cr_expect_eq(lookup(d, &x, tok), 0, "log out everywhere");

  session_use_redis(false);
  redis_unconfigure();
  arena_free(ar);
  testdb_close(d);
}
