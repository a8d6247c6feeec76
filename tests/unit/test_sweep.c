/* The sweep of expired login data on SQLite and PostgreSQL: sessions past their idle or
 * absolute expiry, one-time tokens and login challenges a day past theirs are deleted;
 * live ones stay. On PostgreSQL the sweep runs as cc24_app without a dealer — as the
 * job does — so row-level security is in force and the definer function must do it. */
#include "auth/auth.h"
#include "auth/session.h"
#include "auth/sweep.h"
#include "core/arena.h"
#include "core/timeutil.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

struct seed {
  struct arena *a;
  int64_t now;
  char *tok[3];
};

static int64_t count(db_conn *c, const char *sql)
{
  struct err e = {0};
  int64_t n = -1;
  cr_assert_eq(db_query_one(c, NULL, sql, DB_NOPARAMS, DB_ROW(db_out_i64(&n)), &e), 1, "%s", e.msg);
  return n;
}

static int tx_seed(db_conn *c, void *arg, struct err *e)
{
  struct seed *x = arg;
  struct tenant t = {.slug = "sweep-haus", .name = "Sweep Haus"};
  if (tenant_store_create(c, &t, e) < 0)
    return -1;
  struct auth_user u = {.tenant_id = t.id, .role = AUTH_ROLE_OWNER, .email = "o@sweep.example"};
  if (auth_user_create(c, x->a, &u, "Ein-langes-Passwort", e) < 0)
    return -1;
  for (int i = 0; i < 3; i++)
    if (session_create(c, x->a, &u, &x->tok[i], NULL, e) < 0)
      return -1;
  /* a pending two-factor login each for two users (one pending login per user) */
  struct auth_user u2 = {.tenant_id = t.id, .role = AUTH_ROLE_STAFF, .email = "s@sweep.example"};
  if (auth_user_create(c, x->a, &u2, "Ein-langes-Passwort", e) < 0)
    return -1;
  char *ot;
  for (int i = 0; i < 2; i++)
    if (auth_onetime_create(c, x->a, u.id, "reset", 3600, &ot, e) < 0 ||
        auth_challenge_create(c, x->a, i ? &u2 : &u, "/dashboard", &ot, e) < 0)
      return -1;
  /* session 1 idle for longer than allowed, session 2 past its absolute expiry; one
   * token and one challenge expired two days ago */
  int64_t now = x->now;
  if (db_exec(c,
              "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = (SELECT token_hash FROM"
              " sessions ORDER BY token_hash LIMIT 1)",
              DB_PARAMS(db_i64(now - SESSION_IDLE_SECONDS - 60)), e) < 0 ||
      db_exec(c,
              "UPDATE sessions SET expires_at = $1 WHERE token_hash = (SELECT token_hash FROM"
              " sessions ORDER BY token_hash DESC LIMIT 1)",
              DB_PARAMS(db_i64(now - 1)), e) < 0 ||
      db_exec(c,
              "UPDATE auth_tokens SET expires_at = $1 WHERE id = (SELECT MIN(id) FROM auth_tokens)",
              DB_PARAMS(db_i64(now - 2 * 86400)), e) < 0 ||
      db_exec(c,
              "UPDATE login_challenges SET expires_at = $1 WHERE token_hash = (SELECT token_hash"
              " FROM login_challenges ORDER BY token_hash LIMIT 1)",
              DB_PARAMS(db_i64(now - 2 * 86400)), e) < 0)
    return -1;
  return 0;
}

struct run {
  int64_t now;
  struct auth_sweep_stats st;
};

static int tx_sweep(db_conn *c, void *arg, struct err *e)
{
  struct run *r = arg;
  return auth_sweep(c, r->now, &r->st, e);
}

Test(sweep, expired_login_data_goes_live_data_stays)
{
  db *d = testdb_open();
  cr_assert_not_null(d);
  struct seed x = {.a = arena_new(0), .now = time_now()};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_seed, &x, &e), 0, "%s", e.msg);

  /* the job's view: no dealer, and on PostgreSQL the application role */
  db *app = db_open(testdb_url(), 2, &e);
  cr_assert_not_null(app, "%s", e.msg);
  if (db_backend(app) == DB_PG)
    cr_assert_eq(db_use_role(app, "cc24_app", &e), 0, "%s", e.msg);
  struct run r = {.now = x.now};
  cr_assert_eq(db_tx(app, 0, DB_WRITE, tx_sweep, &r, &e), 0, "%s", e.msg);
  cr_assert_eq(r.st.sessions, 2, "the idle and the expired session");
  cr_assert_eq(r.st.tokens, 1);
  cr_assert_eq(r.st.challenges, 1);

  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c);
  cr_assert_eq(count(c, "SELECT COUNT(*) FROM sessions"), 1, "the live session stays");
  cr_assert_eq(count(c, "SELECT COUNT(*) FROM auth_tokens"), 1);
  cr_assert_eq(count(c, "SELECT COUNT(*) FROM login_challenges"), 1);
  db_release(c);
  /* a second sweep finds nothing */
  cr_assert_eq(db_tx(app, 0, DB_WRITE, tx_sweep, &r, &e), 0, "%s", e.msg);
  cr_assert_eq(r.st.sessions + r.st.tokens + r.st.challenges, 0);
  db_close(app);
  arena_free(x.a);
  testdb_close(d);
}
