/* auth.h — accounts and credentials: Argon2id password hashes (libsodium,
 * rehashed when the parameters change), API tokens with scopes (shown once,
 * stored as SHA-256), users with normalised e-mail addresses, and the audit log.
 * Every function that touches a dealer's data takes its tenant_id. */
#ifndef CC24_AUTH_AUTH_H
#define CC24_AUTH_AUTH_H

#include "core/err.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct field_errors;

/* ---- passwords ---- */

#define AUTH_HASH_MAX 128

/* Hash with Argon2id at libsodium's interactive limits (or stronger). 0 or -1. */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX], struct err *e);
/* Constant-time verification. */
bool auth_password_verify(const char *hash, const char *password);
/* True when the hash was made with other parameters than today's. */
bool auth_password_needs_rehash(const char *hash);
/* 10 to 200 characters, valid UTF-8; adds to errs under `field`. 0 or -1. */
int auth_password_policy(const char *password, const char *field, struct field_errors *errs);

/* Lower-cased, trimmed address with one '@', a dot in the domain, no spaces, at
 * most 254 characters; NULL when invalid. In the arena. */
char *auth_email_normalize(struct arena *a, const char *email);

/* ---- API tokens ---- */

enum {
  AUTH_SCOPE_READ = 1u << 0,
  AUTH_SCOPE_INVENTORY_WRITE = 1u << 1,
  AUTH_SCOPE_LEADS = 1u << 2
};

/* "read,inventory:write,leads" → bits; -1 on an unknown scope. */
int auth_scopes_parse(const char *csv, unsigned *out);
/* bits → "read,inventory:write" in the arena. */
const char *auth_scopes_format(struct arena *a, unsigned scopes);

struct auth_token {
  int64_t id;
  char public_id[17];
  int64_t tenant_id;
  const char *tenant_slug;
  const char *name;
  unsigned scopes;
  int64_t created_at, last_used_at, revoked_at;
};

/* Create a token for the tenant; *secret receives the token (shown once, never
 * stored). fixed: use this secret instead of a random one (demo data only). */
int auth_token_create(db_conn *c, struct arena *a, int64_t tenant_id, const char *name,
                      unsigned scopes, int64_t created_by, const char *fixed, char **secret,
                      struct err *e);
/* Look up an unrevoked token by its secret. 1 found, 0 none, -1 error. */
int auth_token_lookup(db_conn *c, struct arena *a, const char *secret, struct auth_token *t,
                      struct err *e);
/* Revoke the tenant's token. 1 revoked, 0 not found, -1 error. */
int auth_token_revoke(db_conn *c, int64_t tenant_id, const char *public_id, struct err *e);

/* ---- users ---- */

enum auth_role { AUTH_ROLE_STAFF = 1, AUTH_ROLE_OWNER = 2, AUTH_ROLE_ADMIN = 3 };

struct auth_user {
  int64_t id;
  char public_id[17];
  int64_t tenant_id; /* 0 for platform admins */
  const char *email;
  const char *name;
  const char *password_hash;
  int role; /* enum auth_role */
  int64_t email_verified_at;
  bool disabled;
  int64_t created_at;
};

const char *auth_role_name(int role);
int auth_role_parse(const char *name);

/* Create a user (email normalised, password hashed). CC24_E_DB_CONSTRAINT when the
 * address is taken. */
int auth_user_create(db_conn *c, struct arena *a, struct auth_user *u, const char *password,
                     struct err *e);
int auth_user_by_email(db_conn *c, struct arena *a, const char *email, struct auth_user *u,
                       struct err *e);
int auth_user_set_password(db_conn *c, int64_t user_id, const char *password, struct err *e);
int auth_user_set_disabled(db_conn *c, int64_t user_id, bool disabled, struct err *e);

/* ---- single-use tokens (verification, password reset, invitation) ---- */

/* Create a token for the user valid for ttl seconds; *secret receives it. */
int auth_onetime_create(db_conn *c, struct arena *a, int64_t user_id, const char *purpose, int ttl,
                        char **secret, struct err *e);
/* Spend a token: 1 (and *user_id) when it was valid, unused and unexpired; 0 otherwise. */
int auth_onetime_use(db_conn *c, const char *secret, const char *purpose, int64_t *user_id,
                     struct err *e);
int auth_user_verify_email(db_conn *c, int64_t user_id, struct err *e);

/* ---- outbox (sent by a worker once e-mail lands) ---- */

int auth_outbox(db_conn *c, int64_t tenant_id, const char *to, const char *subject,
                const char *body, struct err *e);

/* ---- audit log ---- */

int auth_audit(db_conn *c, int64_t tenant_id, int64_t user_id, const char *action,
               const char *detail, const char *ip, struct err *e);

#endif
