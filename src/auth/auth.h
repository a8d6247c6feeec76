/* auth.h — accounts and credentials: Argon2id password hashes (libsodium,
 * rehashed when the parameters change), API tokens with scopes (shown once,
 * stored as SHA-256), users with normalised e-mail addresses, two-factor
 * authentication (TOTP secrets, single-use recovery codes, the pending second
 * login step) and the audit log. Every function that touches a dealer's data
 * takes its tenant_id or works inside the transaction's dealer.
 *
 * Row-level security (PostgreSQL): a login, a cookie, an API token or a link
 * from a mail arrives before anyone knows the dealer, so its transaction starts
 * for the public. The lookups that find such a row by its secret (or address)
 * go through SECURITY DEFINER functions (migration 0008) and then switch the
 * transaction to the row's dealer with auth_tx_act_as — documented on each. */
#ifndef CC24_AUTH_AUTH_H
#define CC24_AUTH_AUTH_H

#include "core/err.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct field_errors;

/* ---- the transaction's dealer ---- */

/* From now on this transaction acts for tenant_id (0: the platform — rows without a
 * dealer, i.e. platform admins): PostgreSQL's cc24.tenant_id is set, cc24.public
 * cleared. No-op on SQLite. Only for credentials the caller has just verified. */
int auth_tx_act_as(db_conn *c, int64_t tenant_id, struct err *e);

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
/* Look up an unrevoked token by its secret (works before the dealer is known; the
 * transaction is not switched). 1 found, 0 none, -1 error. */
int auth_token_lookup(db_conn *c, struct arena *a, const char *secret, struct auth_token *t,
                      struct err *e);
/* Revoke the tenant's token. 1 revoked, 0 not found, -1 error. */
int auth_token_revoke(db_conn *c, int64_t tenant_id, const char *public_id, struct err *e);

/* ---- users ---- */

/* Staff, owner and admin are dealer/platform roles; a buyer is an account without a
 * dealer that looks for a car (favourites, saved searches; src/buyer). */
enum auth_role {
  AUTH_ROLE_STAFF = 1,
  AUTH_ROLE_OWNER = 2,
  AUTH_ROLE_ADMIN = 3,
  AUTH_ROLE_BUYER = 4
};

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
  int64_t totp_enabled_at; /* 0 = no second factor */
};

const char *auth_role_name(int role);
int auth_role_parse(const char *name);

/* Create a user (email normalised, password hashed). CC24_E_DB_CONSTRAINT when the
 * address is taken. */
int auth_user_create(db_conn *c, struct arena *a, struct auth_user *u, const char *password,
                     struct err *e);
/* Find a user by address (normalised first). Works before the dealer is known; when
 * found, the transaction acts for the user's dealer from then on (auth_tx_act_as).
 * 1 found, 0 none, -1 error. */
int auth_user_by_email(db_conn *c, struct arena *a, const char *email, struct auth_user *u,
                       struct err *e);
/* The user with this row id in the transaction's dealer. 1/0/-1. */
int auth_user_get(db_conn *c, struct arena *a, int64_t user_id, struct auth_user *u, struct err *e);
int auth_user_set_password(db_conn *c, int64_t user_id, const char *password, struct err *e);
int auth_user_set_disabled(db_conn *c, int64_t user_id, bool disabled, struct err *e);
/* Display name (trimmed by the caller; at most 120 characters). 0 or -1. */
int auth_user_set_name(db_conn *c, int64_t user_id, const char *name, struct err *e);
/* The owner of tenant_id gives member public_id the role (staff or owner); never the
 * caller's own account (by_user). *user_id receives the member's row id.
 * 1 changed, 0 no such member, -1 error. */
int auth_user_set_role(db_conn *c, int64_t tenant_id, const char *public_id, int role,
                       int64_t by_user, int64_t *user_id, struct err *e);

/* ---- two-factor authentication (TOTP, RFC 6238) ---- */

#define AUTH_RECOVERY_CODES 10
#define AUTH_RECOVERY_LEN   19 /* "xxxx-xxxx-xxxx-xxxx": 80 random bits */

/* The secret being set up (created on first call, kept until confirmed or replaced),
 * base32 in *secret. 0 or -1. */
int auth_totp_pending(db_conn *c, struct arena *a, int64_t user_id, char **secret, struct err *e);
/* Confirm the pending secret with a code from the app: 1 enabled (the code's step
 * counts as used), 0 wrong code or nothing pending, -1 error. */
int auth_totp_enable(db_conn *c, struct arena *a, int64_t user_id, const char *code, int64_t now,
                     struct err *e);
/* Turn the second factor off: secret, pending secret and recovery codes are removed. */
int auth_totp_disable(db_conn *c, int64_t user_id, struct err *e);
/* Accept a code for the login: it must match within ±1 step and be later than the last
 * step accepted for this user, so a code cannot be used twice (the check-and-set is one
 * UPDATE, safe against two requests racing). 1 accepted, 0 refused, -1 error. */
int auth_totp_accept(db_conn *c, struct arena *a, int64_t user_id, const char *code, int64_t now,
                     struct err *e);
/* Replace the user's recovery codes by AUTH_RECOVERY_CODES new ones: the codes go to
 * codes[] (in the arena, shown once), only their SHA-256 is stored. 0 or -1. */
int auth_recovery_create(db_conn *c, struct arena *a, int64_t user_id,
                         char *codes[AUTH_RECOVERY_CODES], struct err *e);
/* Spend one recovery code (case, spaces and dashes ignored). 1 spent, 0 unknown or used. */
int auth_recovery_use(db_conn *c, int64_t user_id, const char *code, struct err *e);
/* Unused recovery codes left, or -1. */
int auth_recovery_left(db_conn *c, int64_t user_id, struct err *e);

/* ---- the pending second login step ---- */

#define AUTH_CHALLENGE_TTL      300 /* seconds to enter the code */
#define AUTH_CHALLENGE_ATTEMPTS 5   /* wrong codes before the password is asked again */

/* After a correct password of a user with two-factor: a challenge token (random, only
 * its SHA-256 stored) remembering where to go next. 0 or -1. */
int auth_challenge_create(db_conn *c, struct arena *a, const struct auth_user *u, const char *next,
                          char **token, struct err *e);
/* A live challenge by its token (works before the dealer is known; switches the
 * transaction to the user's dealer when found). 1 and *user_id, *next, *attempts; 0 none. */
int auth_challenge_get(db_conn *c, struct arena *a, const char *token, int64_t *user_id,
                       const char **next, int *attempts, struct err *e);
/* Count a wrong code: returns the attempts so far (the challenge is deleted at the limit). */
int auth_challenge_fail(db_conn *c, const char *token, struct err *e);
int auth_challenge_delete(db_conn *c, const char *token, struct err *e);

/* ---- single-use tokens (verification, password reset, invitation) ---- */

/* Create a token for the user (of the transaction's dealer) valid for ttl seconds;
 * *secret receives it. */
int auth_onetime_create(db_conn *c, struct arena *a, int64_t user_id, const char *purpose, int ttl,
                        char **secret, struct err *e);
/* Spend a token: 1 (and *user_id) when it was valid, unused and unexpired; 0 otherwise.
 * Works before the dealer is known; when spent, the transaction acts for the user's
 * dealer from then on. */
int auth_onetime_use(db_conn *c, const char *secret, const char *purpose, int64_t *user_id,
                     struct err *e);
int auth_user_verify_email(db_conn *c, int64_t user_id, struct err *e);

/* ---- audit log ---- */

/* Record who (user_id, 0 = nobody known) did what for which dealer (0 = none), from
 * which address. 0 or -1. */
int auth_audit(db_conn *c, int64_t tenant_id, int64_t user_id, const char *action,
               const char *detail, const char *ip, struct err *e);

#endif
