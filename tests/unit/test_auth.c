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

static int64_t fake_ms = 1000000;
static int64_t fake_clock(void)
{
  return fake_ms;
}

Test(ratelimit, buckets_drain_refill_and_say_when)
{
  rl_reset();
  rl_set_clock(fake_clock);
  int retry = 0;
  for (int i = 0; i < 5; i++)
    cr_assert(rl_take("t:a", 5, 60, &retry), "burst of 5");
  cr_assert_not(rl_take("t:a", 5, 60, &retry));
  cr_assert_eq(retry, 1, "one token a second: retry %d", retry);
  cr_assert(rl_take("t:b", 5, 60, &retry), "keys are independent");
  fake_ms += 999;
  cr_assert_not(rl_take("t:a", 5, 60, &retry), "not yet refilled after 999 ms");
  fake_ms += 1;
  cr_assert(rl_take("t:a", 5, 60, &retry), "refilled after a second");
  cr_assert_not(rl_take("t:a", 5, 60, &retry), "one token, not more");
  fake_ms += 10 * 60000;
  cr_assert_float_eq(rl_peek("t:a", 5, 60), 5.0, 1e-9, "refilled up to the burst, never beyond");
  cr_assert_float_eq(rl_peek("t:new", 3, 60), 3.0, 1e-9);
  /* a flood of new keys: the table stays bounded */
  int most = 0;
  for (int i = 0; i < 100000; i++) {
    char k[32];
    snprintf(k, sizeof k, "flood:%d", i);
    rl_take(k, 1, 1, &retry);
    int n = rl_local_count();
    most = n > most ? n : most;
  }
  cr_assert_gt(most, 1000, "the flood filled the table");
  cr_assert_leq(most, 65536 * 3 / 4, "bounded: %d buckets", most);
  rl_set_clock(NULL);
  rl_reset();
}

Test(ratelimit, a_flood_of_new_keys_never_wipes_a_limit_in_force)
{
  rl_reset();
  rl_set_clock(fake_clock);
  int retry = 0;
  /* an account's login lock: three failures, then nothing */
  for (int i = 0; i < 3; i++)
    cr_assert(rl_take("login-fail:victim@example.de", 3, 1, &retry));
  cr_assert_not(rl_take("login-fail:victim@example.de", 3, 1, &retry));
  /* more distinct keys than the table holds, each still limiting (burst 1, taken) */
  int refused = 0;
  for (int i = 0; i < 70000; i++) {
    char k[32];
    snprintf(k, sizeof k, "flood:%d", i);
    refused += !rl_take(k, 1, 1, &retry);
  }
  cr_assert_gt(refused, 70000 - 65536, "new keys are refused once the table is full of limits");
  cr_assert_leq(rl_local_count(), 65536 * 3 / 4);
  cr_assert_not(rl_take("login-fail:victim@example.de", 3, 1, &retry),
                "the account's lock survives the flood");
  cr_assert_float_eq(rl_peek("never-seen", 5, 60), 5.0, 1e-9, "looking adds nothing");
  /* once the flood's buckets have refilled (a minute), they are forgotten and room
   * returns; the lock, refilling at one a minute, lets one try through */
  fake_ms += 61000;
  cr_assert(rl_take("a-new-key", 1, 1, &retry), "room again after the sweep");
  cr_assert_lt(rl_local_count(), 1000, "the refilled buckets were forgotten");
  cr_assert(rl_take("login-fail:victim@example.de", 3, 1, &retry));
  rl_set_clock(NULL);
  rl_reset();
}

/* ---- two-factor, recovery codes, the pending login step, roles (store) ---- */

#include "auth/totp.h"

struct tf {
  int64_t tenant, other_tenant;
  struct auth_user owner, staff;
  char *secret;
  char *codes[AUTH_RECOVERY_CODES];
  char *challenge;
  int rc[16];
};

static int tx_tf_setup(db_conn *c, void *arg, struct err *e)
{
  struct tf *x = arg;
  struct tenant t = {.slug = "tf-haus", .name = "TF"}, o = {.slug = "tf-andere", .name = "Andere"};
  if (tenant_store_create(c, &t, e) < 0 || tenant_store_create(c, &o, e) < 0)
    return -1;
  x->tenant = t.id;
  x->other_tenant = o.id;
  if (auth_tx_act_as(c, t.id, e) < 0)
    return -1;
  x->owner = (struct auth_user){.tenant_id = t.id, .role = AUTH_ROLE_OWNER, .email = "o@tf.de"};
  x->staff = (struct auth_user){.tenant_id = t.id, .role = AUTH_ROLE_STAFF, .email = "s@tf.de"};
  if (auth_user_create(c, ar, &x->owner, "geheim-und-lang", e) < 0 ||
      auth_user_create(c, ar, &x->staff, "geheim-und-lang", e) < 0)
    return -1;
  return auth_totp_pending(c, ar, x->owner.id, &x->secret, e);
}

static int tx_tf_enable(db_conn *c, void *arg, struct err *e)
{
  struct tf *x = arg;
  if (auth_tx_act_as(c, x->tenant, e) < 0)
    return -1;
  char *again;
  if (auth_totp_pending(c, ar, x->owner.id, &again, e) < 0)
    return -1;
  x->rc[0] = strcmp(again, x->secret) == 0; /* the pending secret is kept */
  int64_t now = 1700000000;
  char code[7];
  totp_code(x->secret, now, code);
  x->rc[1] = auth_totp_accept(c, ar, x->owner.id, code, now, e); /* not enabled yet */
  x->rc[2] = auth_totp_enable(c, ar, x->owner.id, "000000", now, e);
  if (!strcmp(code, "000000"))
    x->rc[2] = 0;
  x->rc[3] = auth_totp_enable(c, ar, x->owner.id, code, now, e);
  /* the confirming code's step counts as used */
  x->rc[4] = auth_totp_accept(c, ar, x->owner.id, code, now, e);
  totp_code(x->secret, now + 30, code);
  x->rc[5] = auth_totp_accept(c, ar, x->owner.id, code, now + 30, e);
  x->rc[6] = auth_totp_accept(c, ar, x->owner.id, code, now + 30, e); /* replay */
  totp_code(x->secret, now, code);
  x->rc[7] = auth_totp_accept(c, ar, x->owner.id, code, now + 30, e); /* an older step */
  if (auth_recovery_create(c, ar, x->owner.id, x->codes, e) < 0)
    return -1;
  x->rc[8] = auth_recovery_left(c, x->owner.id, e);
  x->rc[9] = auth_recovery_use(c, x->owner.id, x->codes[0], e);
  x->rc[10] = auth_recovery_use(c, x->owner.id, x->codes[0], e);
  x->rc[11] = auth_recovery_use(c, x->staff.id, x->codes[1], e); /* another user's code */
  x->rc[12] = auth_recovery_left(c, x->owner.id, e);
  x->rc[13] = auth_recovery_use(c, x->owner.id, "' OR 1=1 --", e);
  return 0;
}

static int tx_tf_challenge(db_conn *c, void *arg, struct err *e)
{
  struct tf *x = arg;
  if (auth_tx_act_as(c, x->tenant, e) < 0 ||
      auth_challenge_create(c, ar, &x->owner, "/dashboard/team", &x->challenge, e) < 0)
    return -1;
  return 0;
}

static int tx_tf_get(db_conn *c, void *arg, struct err *e)
{
  struct tf *x = arg;
  int64_t uid = 0;
  const char *next = NULL;
  int attempts = -1;
  x->rc[0] = auth_challenge_get(c, ar, x->challenge, &uid, &next, &attempts, e);
  if (x->rc[0] != 1)
    return x->rc[0] < 0 ? -1 : 0;
  x->rc[1] = uid == x->owner.id && !strcmp(next, "/dashboard/team") && attempts == 0;
  for (int i = 0; i < AUTH_CHALLENGE_ATTEMPTS; i++)
    x->rc[2 + i] = auth_challenge_fail(c, x->challenge, e);
  return 0;
}

static int tx_tf_roles(db_conn *c, void *arg, struct err *e)
{
  struct tf *x = arg;
  if (auth_tx_act_as(c, x->tenant, e) < 0)
    return -1;
  int64_t uid = 0;
  x->rc[0] =
      auth_user_set_role(c, x->tenant, x->staff.public_id, AUTH_ROLE_OWNER, x->owner.id, &uid, e);
  x->rc[1] = uid == x->staff.id;
  x->rc[2] = auth_user_set_role(c, x->tenant, x->owner.public_id, AUTH_ROLE_STAFF, x->owner.id,
                                &uid, e); /* one's own */
  x->rc[3] = auth_user_set_role(c, x->other_tenant, x->staff.public_id, AUTH_ROLE_STAFF,
                                x->owner.id, &uid, e); /* through another dealer */
  struct err ve = {0};
  x->rc[4] =
      auth_user_set_role(c, x->tenant, x->staff.public_id, AUTH_ROLE_ADMIN, x->owner.id, &uid, &ve);
  x->rc[5] = ve.code == CC24_E_VALIDATION;
  struct auth_user u;
  if (auth_user_get(c, ar, x->staff.id, &u, e) != 1)
    return -1;
  x->rc[6] = u.role;
  return 0;
}

Test(auth_store, totp_replay_recovery_codes_challenges_and_roles)
{
  d = testdb_open();
  cr_assert_not_null(d);
  ar = arena_new(0);
  struct tf x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tf_setup, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(strlen(x.secret), TOTP_SECRET_B32);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tf_enable, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc[0], 1, "the pending secret stays until confirmed");
  cr_expect_eq(x.rc[1], 0, "no login codes before it is enabled");
  cr_expect_eq(x.rc[2], 0, "a wrong code does not enable it");
  cr_expect_eq(x.rc[3], 1, "enabled with the right code");
  cr_expect_eq(x.rc[4], 0, "the confirming code cannot log in afterwards");
  cr_expect_eq(x.rc[5], 1, "the next step's code works");
  cr_expect_eq(x.rc[6], 0, "but only once");
  cr_expect_eq(x.rc[7], 0, "an older step is refused");
  cr_expect_eq(x.rc[8], AUTH_RECOVERY_CODES);
  cr_expect_eq(x.rc[9], 1);
  cr_expect_eq(x.rc[10], 0, "a recovery code works once");
  cr_expect_eq(x.rc[11], 0, "and only for its user");
  cr_expect_eq(x.rc[12], AUTH_RECOVERY_CODES - 1);
  cr_expect_eq(x.rc[13], 0);
  for (int i = 0; i < AUTH_RECOVERY_CODES; i++) {
    cr_expect_eq(strlen(x.codes[i]), AUTH_RECOVERY_LEN);
    for (int k = i + 1; k < AUTH_RECOVERY_CODES; k++)
      cr_expect_str_neq(x.codes[i], x.codes[k]);
  }
  /* only hashes are stored */
  db_conn *c = db_acquire(d, &e);
  int64_t n = -1;
  db_query_one(c, NULL, "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = $1",
               DB_PARAMS(db_text(x.codes[1])), DB_ROW(db_out_i64(&n)), &e);
  db_release(c);
  cr_expect_eq(n, 0);

  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tf_challenge, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tf_get, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc[0], 1, "found before the dealer is known");
  cr_expect_eq(x.rc[1], 1, "user, next page, no attempts yet");
  for (int i = 0; i < AUTH_CHALLENGE_ATTEMPTS; i++)
    cr_expect_eq(x.rc[2 + i], i + 1);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tf_get, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc[0], 0, "gone after the last wrong code");

  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tf_roles, &x, &e), 0, "%s", e.msg);
  cr_expect_eq(x.rc[0], 1);
  cr_expect_eq(x.rc[1], 1);
  cr_expect_eq(x.rc[2], 0, "not one's own role");
  cr_expect_eq(x.rc[3], 0, "not through another dealer");
  cr_expect_eq(x.rc[4], -1);
  cr_expect_eq(x.rc[5], 1, "admin is not a dealer role");
  cr_expect_eq(x.rc[6], AUTH_ROLE_OWNER);
  arena_free(ar);
  testdb_close(d);
}
