/* auth.c — accounts, credentials and two-factor, in SQL for both engines; on
 * PostgreSQL the pre-dealer lookups call the SECURITY DEFINER functions of
 * migration 0008 and then switch the transaction to the dealer found. */
#include "auth/auth.h"

#include "auth/totp.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ---- the transaction's dealer ---- */

int auth_tx_act_as(db_conn *c, int64_t tenant_id, struct err *e)
{
  if (db_conn_backend(c) != DB_PG)
    return 0;
  char t[24];
  snprintf(t, sizeof t, "%lld", (long long)(tenant_id > 0 ? tenant_id : 0));
  return db_exec(c,
                 "SELECT set_config('cc24.tenant_id', $1, true), set_config('cc24.public', 'off',"
                 " true)",
                 DB_PARAMS(db_text(t)), e) < 0
             ? -1
             : 0;
}

/* ---- passwords ---- */

int auth_password_hash(const char *password, char out[AUTH_HASH_MAX], struct err *e)
{
  _Static_assert(crypto_pwhash_STRBYTES <= AUTH_HASH_MAX, "hash buffer");
  if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return err_set(e, CC24_E_NOMEM, "password hashing ran out of memory");
  return 0;
}

bool auth_password_verify(const char *hash, const char *password)
{
  if (!hash || !password)
    return false;
  return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool auth_password_needs_rehash(const char *hash)
{
  return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

int auth_password_policy(const char *password, const char *field, struct field_errors *errs)
{
  size_t n = password ? strlen(password) : 0;
  if (!password || !utf8_valid(password, n)) {
    field_error_add(errs, field, "format", "the password must be valid text");
    return -1;
  }
  size_t cps = utf8_len(password, n);
  if (cps < 10 || cps > 200) {
    field_error_add(errs, field, "length", "the password must have 10 to 200 characters");
    return -1;
  }
  return 0;
}

char *auth_email_normalize(struct arena *a, const char *email)
{
  if (!email)
    return NULL;
  char *s = str_lower(a, str_trim(a, email));
  size_t n = strlen(s);
  if (n < 3 || n > 254 || !utf8_valid(s, n))
    return NULL;
  const char *at = strchr(s, '@');
  if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
      s[n - 1] == '.')
    return NULL;
  for (const char *p = s; *p; p++)
    if (isspace((unsigned char)*p) || *p == '<' || *p == '>' || *p == ',' || *p == ';' ||
        (unsigned char)*p < 0x20)
      return NULL;
  return s;
}

/* ---- scopes ---- */

static const struct {
  const char *name;
  unsigned bit;
} scope_names[] = {{"read", AUTH_SCOPE_READ},
                   {"inventory:write", AUTH_SCOPE_INVENTORY_WRITE},
                   {"leads:read", AUTH_SCOPE_LEADS},
                   {"leads", AUTH_SCOPE_LEADS}}; /* the older name of leads:read */

int auth_scopes_parse(const char *csv, unsigned *out)
{
  *out = 0;
  if (!csv)
    return -1;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", csv);
  char *save = NULL;
  for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
    bool known = false;
    for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
      if (!strcmp(t, scope_names[i].name)) {
        *out |= scope_names[i].bit;
        known = true;
      }
    if (!known)
      return -1;
  }
  return *out ? 0 : -1;
}

const char *auth_scopes_format(struct arena *a, unsigned scopes)
{
  char buf[128] = "";
  unsigned done = 0;
  for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
    if ((scopes & scope_names[i].bit) && !(done & scope_names[i].bit)) {
      if (buf[0])
        strcat(buf, ",");
      strcat(buf, scope_names[i].name); /* the first (current) name of a scope */
      done |= scope_names[i].bit;
    }
  return arena_strdup(a, buf);
}

/* ---- API tokens ---- */

int auth_token_create(db_conn *c, struct arena *a, int64_t tenant_id, const char *name,
                      unsigned scopes, int64_t created_by, const char *fixed, char **secret,
                      struct err *e)
{
  char tok[64], pub[ID_LEN + 1], hash[65];
  if (fixed)
    snprintf(tok, sizeof tok, "%s", fixed);
  else {
    char rnd[48];
    id_token(rnd, sizeof rnd, 32);
    snprintf(tok, sizeof tok, "cc24_%s", rnd);
  }
  id_new(pub);
  id_sha256_hex(tok, strlen(tok), hash);
  int64_t id = 0;
  if (db_query_one(c, a,
                   "INSERT INTO api_tokens (public_id, tenant_id, name, token_hash, scopes,"
                   " created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                   DB_PARAMS(db_text(pub), db_i64(tenant_id), db_text(name ? name : ""),
                             db_text(hash), db_text(auth_scopes_format(a, scopes)),
                             created_by > 0 ? db_i64(created_by) : db_null(), db_i64(time_now())),
                   DB_ROW(db_out_i64(&id)), e) != 1)
    return -1;
  *secret = arena_strdup(a, tok);
  return 0;
}

int auth_token_lookup(db_conn *c, struct arena *a, const char *secret, struct auth_token *t,
                      struct err *e)
{
  memset(t, 0, sizeof *t);
  char hash[65];
  id_sha256_hex(secret, strlen(secret), hash);
  char *pub = NULL, *scopes = NULL;
  int rc = db_query_one(
      c, a,
      DB_SQL(c,
             "SELECT k.id, k.public_id, k.tenant_id, t.slug, k.name, k.scopes, k.created_at,"
             " k.last_used_at FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id"
             " WHERE k.token_hash = $1 AND k.revoked_at = 0",
             "SELECT id, public_id, tenant_id, slug, name, scopes, created_at, last_used_at"
             " FROM cc24_auth_api_token($1)"),
      DB_PARAMS(db_text(hash)),
      DB_ROW(db_out_i64(&t->id), db_out_text(&pub), db_out_i64(&t->tenant_id),
             db_out_text((char **)&t->tenant_slug), db_out_text((char **)&t->name),
             db_out_text(&scopes), db_out_i64(&t->created_at), db_out_i64(&t->last_used_at)),
      e);
  if (rc == 1) {
    snprintf(t->public_id, sizeof t->public_id, "%s", pub ? pub : "");
    auth_scopes_parse(scopes, &t->scopes);
  }
  return rc;
}

int auth_token_revoke(db_conn *c, int64_t tenant_id, const char *public_id, struct err *e)
{
  return db_exec(c,
                 "UPDATE api_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND public_id = $2"
                 " AND revoked_at = 0",
                 DB_PARAMS(db_i64(tenant_id), db_text(public_id), db_i64(time_now())), e);
}

/* ---- users ---- */

static const char *const role_names[] = {"", "staff", "owner", "admin", "buyer"};

const char *auth_role_name(int role)
{
  return role >= 1 && role <= 4 ? role_names[role] : "";
}

int auth_role_parse(const char *name)
{
  for (int i = 1; i <= 4; i++)
    if (name && !strcmp(name, role_names[i]))
      return i;
  return -1;
}

int auth_user_create(db_conn *c, struct arena *a, struct auth_user *u, const char *password,
                     struct err *e)
{
  char *email = auth_email_normalize(a, u->email);
  if (!email)
    return err_set_field(e, CC24_E_VALIDATION, "email", "invalid e-mail address");
  char hash[AUTH_HASH_MAX];
  if (auth_password_hash(password, hash, e) < 0)
    return -1;
  id_new(u->public_id);
  u->email = email;
  u->created_at = time_now();
  u->password_hash = arena_strdup(a, hash);
  return db_query_one(c, a,
                      "INSERT INTO users (public_id, tenant_id, email, password_hash, name, role,"
                      " email_verified_at, disabled, created_at)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
                      DB_PARAMS(db_text(u->public_id),
                                u->tenant_id > 0 ? db_i64(u->tenant_id) : db_null(), db_text(email),
                                db_text(hash), db_text(u->name ? u->name : ""),
                                db_text(auth_role_name(u->role)), db_i64(u->email_verified_at),
                                db_i64(u->created_at)),
                      DB_ROW(db_out_i64(&u->id)), e) == 1
             ? 0
             : -1;
}

#define USER_COLS                                                                                  \
  "id, public_id, COALESCE(tenant_id, 0), email, name, password_hash, role, email_verified_at,"    \
  " disabled, created_at, totp_enabled_at"

static int user_query(db_conn *c, struct arena *a, const char *sql, struct db_param key,
                      bool act_as, struct auth_user *u, struct err *e)
{
  char *pub = NULL, *role = NULL;
  int rc = db_query_one(c, a, sql, DB_PARAMS(key),
                        DB_ROW(db_out_i64(&u->id), db_out_text(&pub), db_out_i64(&u->tenant_id),
                               db_out_text((char **)&u->email), db_out_text((char **)&u->name),
                               db_out_text((char **)&u->password_hash), db_out_text(&role),
                               db_out_i64(&u->email_verified_at), db_out_bool(&u->disabled),
                               db_out_i64(&u->created_at), db_out_i64(&u->totp_enabled_at)),
                        e);
  if (rc == 1) {
    snprintf(u->public_id, sizeof u->public_id, "%s", pub ? pub : "");
    u->role = auth_role_parse(role);
    if (act_as && auth_tx_act_as(c, u->tenant_id, e) < 0)
      return -1;
  }
  return rc;
}

int auth_user_by_email(db_conn *c, struct arena *a, const char *email, struct auth_user *u,
                       struct err *e)
{
  memset(u, 0, sizeof *u);
  char *norm = auth_email_normalize(a, email);
  if (!norm)
    return 0;
  return user_query(c, a,
                    DB_SQL(c, "SELECT " USER_COLS " FROM users WHERE email = $1",
                           "SELECT " USER_COLS " FROM cc24_auth_user_by_email($1)"),
                    db_text(norm), true, u, e);
}

int auth_user_get(db_conn *c, struct arena *a, int64_t user_id, struct auth_user *u, struct err *e)
{
  memset(u, 0, sizeof *u);
  return user_query(c, a, "SELECT " USER_COLS " FROM users WHERE id = $1", db_i64(user_id), false,
                    u, e);
}

int auth_user_set_password(db_conn *c, int64_t user_id, const char *password, struct err *e)
{
  char hash[AUTH_HASH_MAX];
  if (auth_password_hash(password, hash, e) < 0)
    return -1;
  return db_exec(c, "UPDATE users SET password_hash = $1 WHERE id = $2",
                 DB_PARAMS(db_text(hash), db_i64(user_id)), e);
}

int auth_user_set_disabled(db_conn *c, int64_t user_id, bool disabled, struct err *e)
{
  return db_exec(c, "UPDATE users SET disabled = $1 WHERE id = $2",
                 DB_PARAMS(db_bool(disabled), db_i64(user_id)), e);
}

int auth_user_set_name(db_conn *c, int64_t user_id, const char *name, struct err *e)
{
  return db_exec(c, "UPDATE users SET name = $1 WHERE id = $2",
                 DB_PARAMS(db_text(name), db_i64(user_id)), e) < 0
             ? -1
             : 0;
}

int auth_user_set_role(db_conn *c, int64_t tenant_id, const char *public_id, int role,
                       int64_t by_user, int64_t *user_id, struct err *e)
{
  if (role != AUTH_ROLE_STAFF && role != AUTH_ROLE_OWNER)
    return err_set_field(e, CC24_E_VALIDATION, "role", "role must be staff or owner");
  return db_query_one(c, NULL,
                      "UPDATE users SET role = $3 WHERE tenant_id = $1 AND public_id = $2"
                      " AND id <> $4 AND disabled = 0 RETURNING id",
                      DB_PARAMS(db_i64(tenant_id), db_text(public_id),
                                db_text(auth_role_name(role)), db_i64(by_user)),
                      DB_ROW(db_out_i64(user_id)), e);
}

/* ---- two-factor ---- */

int auth_totp_pending(db_conn *c, struct arena *a, int64_t user_id, char **secret, struct err *e)
{
  char *cur = NULL;
  int rc = db_query_one(c, a, "SELECT totp_pending FROM users WHERE id = $1",
                        DB_PARAMS(db_i64(user_id)), DB_ROW(db_out_text(&cur)), e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such user");
  if (cur && strlen(cur) == TOTP_SECRET_B32) {
    *secret = cur;
    return 0;
  }
  char s[TOTP_SECRET_B32 + 1];
  totp_secret_new(s);
  if (db_exec(c, "UPDATE users SET totp_pending = $1 WHERE id = $2",
              DB_PARAMS(db_text(s), db_i64(user_id)), e) < 0)
    return -1;
  *secret = arena_strdup(a, s);
  return 0;
}

int auth_totp_enable(db_conn *c, struct arena *a, int64_t user_id, const char *code, int64_t now,
                     struct err *e)
{
  char *pending = NULL;
  int rc = db_query_one(c, a, "SELECT totp_pending FROM users WHERE id = $1",
                        DB_PARAMS(db_i64(user_id)), DB_ROW(db_out_text(&pending)), e);
  if (rc <= 0)
    return rc;
  int64_t step = 0;
  if (!pending || strlen(pending) != TOTP_SECRET_B32 || totp_check(pending, code, now, &step) != 1)
    return 0;
  return db_exec(c,
                 "UPDATE users SET totp_secret = totp_pending, totp_pending = '',"
                 " totp_enabled_at = $2, totp_last_step = $3 WHERE id = $1 AND totp_pending = $4",
                 DB_PARAMS(db_i64(user_id), db_i64(now), db_i64(step), db_text(pending)), e);
}

int auth_totp_disable(db_conn *c, int64_t user_id, struct err *e)
{
  if (db_exec(c, "DELETE FROM recovery_codes WHERE user_id = $1", DB_PARAMS(db_i64(user_id)), e) <
      0)
    return -1;
  return db_exec(c,
                 "UPDATE users SET totp_secret = '', totp_pending = '', totp_enabled_at = 0,"
                 " totp_last_step = 0 WHERE id = $1",
                 DB_PARAMS(db_i64(user_id)), e) < 0
             ? -1
             : 0;
}

int auth_totp_accept(db_conn *c, struct arena *a, int64_t user_id, const char *code, int64_t now,
                     struct err *e)
{
  char *secret = NULL;
  int64_t last = 0;
  int rc =
      db_query_one(c, a,
                   "SELECT totp_secret, totp_last_step FROM users WHERE id = $1"
                   " AND totp_enabled_at > 0",
                   DB_PARAMS(db_i64(user_id)), DB_ROW(db_out_text(&secret), db_out_i64(&last)), e);
  if (rc <= 0)
    return rc;
  int64_t step = 0;
  if (totp_check(secret, code, now, &step) != 1 || step <= last)
    return 0;
  /* the step only moves forward: of two requests with the same code, one wins */
  return db_exec(c, "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
                 DB_PARAMS(db_i64(user_id), db_i64(step)), e);
}

/* Lower-case letters and digits without the look-alikes 0/o, 1/l/i. */
static const char RECOVERY_ALPHABET[] = "abcdefghjkmnpqrstuvwxyz23456789";

/* The stored form of a code: its characters from the alphabet, hashed. false when the
 * input cannot be a code. */
static bool recovery_hash(const char *code, char out[65])
{
  char norm[32];
  size_t n = 0;
  for (const char *p = code ? code : ""; *p; p++) {
    if (*p == '-' || *p == ' ')
      continue;
    char ch = (char)tolower((unsigned char)*p);
    if (!strchr(RECOVERY_ALPHABET, ch) || n == 16)
      return false;
    norm[n++] = ch;
  }
  if (n != 16)
    return false;
  id_sha256_hex(norm, n, out);
  return true;
}

int auth_recovery_create(db_conn *c, struct arena *a, int64_t user_id,
                         char *codes[AUTH_RECOVERY_CODES], struct err *e)
{
  if (db_exec(c, "DELETE FROM recovery_codes WHERE user_id = $1", DB_PARAMS(db_i64(user_id)), e) <
      0)
    return -1;
  int64_t now = time_now();
  for (int i = 0; i < AUTH_RECOVERY_CODES; i++) {
    char code[AUTH_RECOVERY_LEN + 1];
    size_t o = 0;
    for (int k = 0; k < 16; k++) {
      if (k && k % 4 == 0)
        code[o++] = '-';
      code[o++] = RECOVERY_ALPHABET[randombytes_uniform(sizeof RECOVERY_ALPHABET - 1)];
    }
    code[o] = 0;
    char hash[65];
    recovery_hash(code, hash);
    if (db_exec(c,
                "INSERT INTO recovery_codes (tenant_id, user_id, code_hash, created_at)"
                " SELECT tenant_id, id, $2, $3 FROM users WHERE id = $1",
                DB_PARAMS(db_i64(user_id), db_text(hash), db_i64(now)), e) != 1)
      return e->code ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such user");
    codes[i] = arena_strdup(a, code);
  }
  return 0;
}

int auth_recovery_use(db_conn *c, int64_t user_id, const char *code, struct err *e)
{
  char hash[65];
  if (!recovery_hash(code, hash))
    return 0;
  return db_exec(c,
                 "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2"
                 " AND used_at = 0",
                 DB_PARAMS(db_i64(user_id), db_text(hash), db_i64(time_now())), e);
}

int auth_recovery_left(db_conn *c, int64_t user_id, struct err *e)
{
  int64_t n = 0;
  if (db_query_one(c, NULL,
                   "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0",
                   DB_PARAMS(db_i64(user_id)), DB_ROW(db_out_i64(&n)), e) < 0)
    return -1;
  return (int)n;
}

/* ---- the pending second login step ---- */

int auth_challenge_create(db_conn *c, struct arena *a, const struct auth_user *u, const char *next,
                          char **token, struct err *e)
{
  char tok[64], hash[65];
  id_token(tok, sizeof tok, 32);
  id_sha256_hex(tok, strlen(tok), hash);
  int64_t now = time_now();
  /* one pending login per user at a time */
  if (db_exec(c, "DELETE FROM login_challenges WHERE user_id = $1 OR expires_at < $2",
              DB_PARAMS(db_i64(u->id), db_i64(now)), e) < 0)
    return -1;
  if (db_exec(c,
              "INSERT INTO login_challenges (token_hash, user_id, tenant_id, next, created_at,"
              " expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
              DB_PARAMS(db_text(hash), db_i64(u->id),
                        u->tenant_id > 0 ? db_i64(u->tenant_id) : db_null(),
                        db_text(next ? next : "/dashboard"), db_i64(now),
                        db_i64(now + AUTH_CHALLENGE_TTL)),
              e) < 0)
    return -1;
  *token = arena_strdup(a, tok);
  return 0;
}

int auth_challenge_get(db_conn *c, struct arena *a, const char *token, int64_t *user_id,
                       const char **next, int *attempts, struct err *e)
{
  if (!token || strlen(token) < 20 || strlen(token) > 100)
    return 0;
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  int64_t tenant = 0;
  int rc = db_query_one(c, NULL,
                        DB_SQL(c,
                               "SELECT user_id, COALESCE(tenant_id, 0) FROM login_challenges"
                               " WHERE token_hash = $1 AND expires_at > $2",
                               "SELECT user_id, tenant_id FROM cc24_auth_login_challenge($1, $2)"),
                        DB_PARAMS(db_text(hash), db_i64(time_now())),
                        DB_ROW(db_out_i64(user_id), db_out_i64(&tenant)), e);
  if (rc != 1)
    return rc;
  if (auth_tx_act_as(c, tenant, e) < 0)
    return -1;
  char *n = NULL;
  rc = db_query_one(c, a, "SELECT next, attempts FROM login_challenges WHERE token_hash = $1",
                    DB_PARAMS(db_text(hash)), DB_ROW(db_out_text(&n), db_out_int(attempts)), e);
  if (rc == 1)
    *next = n ? n : "/dashboard";
  return rc;
}

int auth_challenge_fail(db_conn *c, const char *token, struct err *e)
{
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  int attempts = 0;
  if (db_query_one(c, NULL,
                   "UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = $1"
                   " RETURNING attempts",
                   DB_PARAMS(db_text(hash)), DB_ROW(db_out_int(&attempts)), e) < 0)
    return -1;
  if (attempts >= AUTH_CHALLENGE_ATTEMPTS && auth_challenge_delete(c, token, e) < 0)
    return -1;
  return attempts;
}

int auth_challenge_delete(db_conn *c, const char *token, struct err *e)
{
  char hash[65];
  id_sha256_hex(token, strlen(token), hash);
  return db_exec(c, "DELETE FROM login_challenges WHERE token_hash = $1", DB_PARAMS(db_text(hash)),
                 e) < 0
             ? -1
             : 0;
}

int auth_audit(db_conn *c, int64_t tenant_id, int64_t user_id, const char *action,
               const char *detail, const char *ip, struct err *e)
{
  return db_exec(c,
                 "INSERT INTO audit_log (tenant_id, user_id, action, detail, ip, created_at)"
                 " VALUES ($1, $2, $3, $4, $5, $6)",
                 DB_PARAMS(tenant_id > 0 ? db_i64(tenant_id) : db_null(),
                           user_id > 0 ? db_i64(user_id) : db_null(), db_text(action),
                           db_text(detail ? detail : ""), db_text(ip ? ip : ""),
                           db_i64(time_now())),
                 e) < 0
             ? -1
             : 0;
}

int auth_onetime_create(db_conn *c, struct arena *a, int64_t user_id, const char *purpose, int ttl,
                        char **secret, struct err *e)
{
  char tok[64], hash[65];
  id_token(tok, sizeof tok, 32);
  id_sha256_hex(tok, strlen(tok), hash);
  int64_t now = time_now();
  /* the token belongs to the user's dealer (row-level security on PostgreSQL) */
  int rc = db_exec(
      c,
      "INSERT INTO auth_tokens (token_hash, purpose, user_id, tenant_id, created_at,"
      " expires_at) SELECT $1, $2, id, tenant_id, $4, $5 FROM users WHERE id = $3",
      DB_PARAMS(db_text(hash), db_text(purpose), db_i64(user_id), db_i64(now), db_i64(now + ttl)),
      e);
  if (rc != 1)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such user");
  *secret = arena_strdup(a, tok);
  return 0;
}

int auth_onetime_use(db_conn *c, const char *secret, const char *purpose, int64_t *user_id,
                     struct err *e)
{
  if (!secret || strlen(secret) < 20 || strlen(secret) > 100)
    return 0;
  char hash[65];
  id_sha256_hex(secret, strlen(secret), hash);
  int64_t now = time_now(), tenant = 0;
  int rc = db_query_one(
      c, NULL,
      DB_SQL(c,
             "UPDATE auth_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2"
             " AND used_at = 0 AND expires_at > $3 RETURNING user_id, COALESCE(tenant_id, 0)",
             "SELECT user_id, tenant_id FROM cc24_auth_onetime_use($1, $2, $3)"),
      DB_PARAMS(db_text(hash), db_text(purpose), db_i64(now)),
      DB_ROW(db_out_i64(user_id), db_out_i64(&tenant)), e);
  if (rc == 1 && auth_tx_act_as(c, tenant, e) < 0)
    return -1;
  return rc;
}

int auth_user_verify_email(db_conn *c, int64_t user_id, struct err *e)
{
  return db_exec(c,
                 "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at = 0",
                 DB_PARAMS(db_i64(time_now()), db_i64(user_id)), e) < 0
             ? -1
             : 0;
}
