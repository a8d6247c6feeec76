/* Accounts and credentials: Argon2id hashes, e-mail normalisation, scopes (unit),
 * and API tokens, users and the audit log in the store (SQLite and PostgreSQL). */
#include "auth/auth.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

Test(auth, argon2id_hashes_verify_and_rehash)
{
  cr_assert_eq(ids_init(), 0);
  char h[AUTH_HASH_MAX];
  struct err e = {0};
  cr_assert_eq(auth_password_hash("Korrekt-Pferd-Batterie", h, &e), 0);
  cr_assert(strncmp(h, "$argon2id$", 10) == 0, "%s", h);
  cr_assert(auth_password_verify(h, "Korrekt-Pferd-Batterie"));
  cr_assert_not(auth_password_verify(h, "korrekt-pferd-batterie"));
  cr_assert_not(auth_password_verify(h, ""));
  cr_assert_not(auth_password_needs_rehash(h));
  char weak[crypto_pwhash_STRBYTES];
  cr_assert_eq(crypto_pwhash_str_alg(weak, "x", 1, crypto_pwhash_OPSLIMIT_MIN,
                                     crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13),
               0);
  cr_assert(auth_password_needs_rehash(weak), "older parameters ask for a rehash");
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(auth_password_policy("kurz", "password", &errs), -1);
  cr_assert_eq(auth_password_policy("lang-genug-1", "password", &errs), 0);
  arena_free(a);
}

Test(auth, email_normalisation_and_scopes)
{
  struct arena *a = arena_new(0);
  cr_assert_str_eq(auth_email_normalize(a, "  Max.Muster@Autohaus-Berger.DE "),
                   "max.muster@autohaus-berger.de");
  const char *bad[] = {"",         "no-at", "@x.de",   "a@b",     "a@@b.de",
                       "a b@c.de", "a@.de", "a@b.de.", "<a@b.de>"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_null(auth_email_normalize(a, bad[i]), "%s", bad[i]);
  unsigned s;
  cr_assert_eq(auth_scopes_parse("read,inventory:write", &s), 0);
  cr_assert_eq(s, AUTH_SCOPE_READ | AUTH_SCOPE_INVENTORY_WRITE);
  cr_assert_str_eq(auth_scopes_format(a, s), "read,inventory:write");
  cr_assert_eq(auth_scopes_parse("read,admin", &s), -1);
  cr_assert_eq(auth_scopes_parse("", &s), -1);
  cr_assert_eq(auth_role_parse("owner"), AUTH_ROLE_OWNER);
  cr_assert_eq(auth_role_parse("king"), -1);
  arena_free(a);
}

static db *d;
static struct arena *ar;

struct st {
  int64_t tenant[2];
  char *secret;
  struct auth_token tok;
  struct auth_user user;
  int rc;
};

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  struct st *x = arg;
  const char *slugs[] = {"haus-a", "haus-b"};
  for (int i = 0; i < 2; i++) {
    struct tenant t = {.slug = slugs[i], .name = slugs[i]};
    if (tenant_store_create(c, &t, e) < 0)
      return -1;
    x->tenant[i] = t.id;
  }
  return auth_token_create(c, ar, x->tenant[0], "CI", AUTH_SCOPE_INVENTORY_WRITE, 0, NULL,
                           &x->secret, e);
}

static int tx_lookup(db_conn *c, void *arg, struct err *e)
{
  struct st *x = arg;
  x->rc = auth_token_lookup(c, ar, x->secret, &x->tok, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_revoke(db_conn *c, void *arg, struct err *e)
{
  struct st *x = arg;
  x->rc = auth_token_revoke(c, x->tenant[1], x->tok.public_id, e); /* another dealer */
  if (x->rc != 0)
    return -1;
  x->rc = auth_token_revoke(c, x->tenant[0], x->tok.public_id, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_user(db_conn *c, void *arg, struct err *e)
{
  struct st *x = arg;
  struct auth_user u = {.tenant_id = x->tenant[0],
                        .role = AUTH_ROLE_STAFF,
                        .email = "Verkauf@Haus-A.de",
                        .name = "Vera Verkauf"};
  if (auth_user_create(c, ar, &u, "geheim-und-lang", e) < 0)
    return -1;
  x->rc = auth_user_by_email(c, ar, "verkauf@haus-a.DE", &x->user, e);
  if (x->rc != 1)
    return -1;
  return auth_audit(c, x->tenant[0], x->user.id, "login", "password", "127.0.0.1", e);
}

static int tx_dupe(db_conn *c, void *arg, struct err *e)
{
  struct st *x = arg;
  struct auth_user u = {
      .tenant_id = x->tenant[1], .role = AUTH_ROLE_OWNER, .email = "verkauf@haus-a.de"};
  return auth_user_create(c, ar, &u, "geheim-und-lang", e);
}

Test(auth_store, tokens_users_and_audit)
{
  d = testdb_open();
  cr_assert_not_null(d);
  ar = arena_new(0);
  struct st x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, &x, &e), 0, "%s", e.msg);
  cr_assert(strncmp(x.secret, "cc24_", 5) == 0 && strlen(x.secret) > 40);
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_lookup, &x, &e), 0);
  cr_assert_eq(x.rc, 1);
  cr_assert_eq(x.tok.tenant_id, x.tenant[0]);
  cr_assert_str_eq(x.tok.tenant_slug, "haus-a");
  cr_assert_eq(x.tok.scopes, AUTH_SCOPE_INVENTORY_WRITE);
  /* only the hash is stored */
  db_conn *c = db_acquire(d, &e);
  int64_t n = 0;
  db_query_one(c, NULL, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1",
               DB_PARAMS(db_text(x.secret)), DB_ROW(db_out_i64(&n)), &e);
  db_release(c);
  cr_assert_eq(n, 0);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_revoke, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.rc, 1);
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_lookup, &x, &e), 0);
  cr_assert_eq(x.rc, 0, "revoked tokens do not authenticate");
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_user, &x, &e), 0, "%s", e.msg);
  cr_assert_str_eq(x.user.email, "verkauf@haus-a.de");
  cr_assert_eq(x.user.role, AUTH_ROLE_STAFF);
  cr_assert(auth_password_verify(x.user.password_hash, "geheim-und-lang"));
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_dupe, &x, &e), -1);
  cr_assert_eq(e.code, CC24_E_DB_CONSTRAINT, "one account per address, whatever the case");
  arena_free(ar);
  testdb_close(d);
}

#include "auth/ratelimit.h"
#include <unistd.h>

Test(ratelimit, buckets_drain_refill_and_say_when)
{
  rl_reset();
  int retry = 0;
  for (int i = 0; i < 5; i++)
    cr_assert(rl_take("t:a", 5, 60, &retry), "burst of 5");
  cr_assert_not(rl_take("t:a", 5, 60, &retry));
  cr_assert(retry >= 1 && retry <= 2, "one token a second: retry %d", retry);
  cr_assert(rl_take("t:b", 5, 60, &retry), "keys are independent");
  usleep(1100000);
  cr_assert(rl_take("t:a", 5, 60, &retry), "refilled after a second");
  cr_assert_float_eq(rl_peek("t:new", 3, 60), 3.0, 1e-9);
  for (int i = 0; i < 100000; i++) {
    char k[32];
    snprintf(k, sizeof k, "flood:%d", i);
    rl_take(k, 1, 1, &retry); /* the table stays bounded */
  }
  rl_reset();
}
