#include "auth/auth.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

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
                   {"leads", AUTH_SCOPE_LEADS}};

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
  for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
    if (scopes & scope_names[i].bit) {
      if (buf[0])
        strcat(buf, ",");
      strcat(buf, scope_names[i].name);
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
      "SELECT k.id, k.public_id, k.tenant_id, t.slug, k.name, k.scopes, k.created_at,"
      " k.last_used_at FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id"
      " WHERE k.token_hash = $1 AND k.revoked_at = 0",
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

static const char *const role_names[] = {"", "staff", "owner", "admin"};

const char *auth_role_name(int role)
{
  return role >= 1 && role <= 3 ? role_names[role] : "";
}

int auth_role_parse(const char *name)
{
  for (int i = 1; i <= 3; i++)
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

int auth_user_by_email(db_conn *c, struct arena *a, const char *email, struct auth_user *u,
                       struct err *e)
{
  memset(u, 0, sizeof *u);
  char *norm = auth_email_normalize(a, email);
  if (!norm)
    return 0;
  char *pub = NULL, *role = NULL;
  int rc =
      db_query_one(c, a,
                   "SELECT id, public_id, COALESCE(tenant_id, 0), email, name, password_hash, role,"
                   " email_verified_at, disabled, created_at FROM users WHERE email = $1",
                   DB_PARAMS(db_text(norm)),
                   DB_ROW(db_out_i64(&u->id), db_out_text(&pub), db_out_i64(&u->tenant_id),
                          db_out_text((char **)&u->email), db_out_text((char **)&u->name),
                          db_out_text((char **)&u->password_hash), db_out_text(&role),
                          db_out_i64(&u->email_verified_at), db_out_bool(&u->disabled),
                          db_out_i64(&u->created_at)),
                   e);
  if (rc == 1) {
    snprintf(u->public_id, sizeof u->public_id, "%s", pub ? pub : "");
    u->role = auth_role_parse(role);
  }
  return rc;
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
  if (db_exec(c,
              "INSERT INTO auth_tokens (token_hash, purpose, user_id, created_at, expires_at)"
              " VALUES ($1, $2, $3, $4, $5)",
              DB_PARAMS(db_text(hash), db_text(purpose), db_i64(user_id), db_i64(now),
                        db_i64(now + ttl)),
              e) < 0)
    return -1;
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
  int64_t now = time_now();
  return db_query_one(c, NULL,
                      "UPDATE auth_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2"
                      " AND used_at = 0 AND expires_at > $3 RETURNING user_id",
                      DB_PARAMS(db_text(hash), db_text(purpose), db_i64(now)),
                      DB_ROW(db_out_i64(user_id)), e);
}

int auth_user_verify_email(db_conn *c, int64_t user_id, struct err *e)
{
  return db_exec(c,
                 "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at = 0",
                 DB_PARAMS(db_i64(time_now()), db_i64(user_id)), e) < 0
             ? -1
             : 0;
}

int auth_outbox(db_conn *c, int64_t tenant_id, const char *to, const char *subject,
                const char *body, struct err *e)
{
  return db_exec(c,
                 "INSERT INTO outbox (tenant_id, recipient, subject, body, created_at)"
                 " VALUES ($1, $2, $3, $4, $5)",
                 DB_PARAMS(tenant_id > 0 ? db_i64(tenant_id) : db_null(), db_text(to),
                           db_text(subject), db_text(body), db_i64(time_now())),
                 e) < 0
             ? -1
             : 0;
}
