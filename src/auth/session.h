/* session.h — login sessions: an opaque random token (256 bits) in a cookie,
 * only its SHA-256 stored; idle expiry (2 h) and absolute expiry (12 h); a CSRF
 * token bound to the session for every state-changing form.
 *
 * Two stores behind one interface: the `sessions` table (default) or Redis
 * (session_use_redis, when CC24_REDIS_URL is set, so every instance sees every
 * session). Either way the user's role, name and state come from the users
 * table at each lookup, so a role change or a removal applies at once.
 *
 * Redis layout: cc24:sess:HASH is a hash {user_id, tenant_id, csrf, created_at,
 * last_seen_at} expiring at the absolute expiry; cc24:usess:USER_ID is the set
 * of the user's session hashes (for "log out everywhere"). */
#ifndef CC24_AUTH_SESSION_H
#define CC24_AUTH_SESSION_H

#include "auth/auth.h"

#define SESSION_IDLE_SECONDS     (2 * 3600)
#define SESSION_ABSOLUTE_SECONDS (12 * 3600)

struct session {
  int64_t user_id;
  int64_t tenant_id;
  int role; /* enum auth_role */
  const char *email;
  const char *name;
  const char *tenant_slug;
  const char *csrf;
  int64_t created_at;
  bool totp; /* the user has two-factor on */
};

/* Keep sessions in Redis from now on (redis_configure must have succeeded). */
void session_use_redis(bool on);
/* True when sessions live in Redis. */
bool session_in_redis(void);

/* Create a session for the user (in the transaction's dealer); *token receives the
 * cookie value and *csrf (when not NULL) the session's CSRF token, both in the arena. */
int session_create(db_conn *c, struct arena *a, const struct auth_user *u, char **token,
                   const char **csrf, struct err *e);
/* Look up a live session by cookie token (touches last_seen; an idle one is ended).
 * Works before the dealer is known; when found, the transaction acts for the
 * session's dealer from then on. 1/0/-1. */
int session_lookup(db_conn *c, struct arena *a, const char *token, struct session *s,
                   struct err *e);
int session_destroy(db_conn *c, const char *token, struct err *e);
/* Log out everywhere: every session of the user. */
int session_destroy_user(db_conn *c, int64_t user_id, struct err *e);
/* Every session of the user except the one with cookie token `keep`. */
int session_destroy_others(db_conn *c, int64_t user_id, const char *keep, struct err *e);
/* Sessions the user has open (including this one), or -1. */
int session_count_user(db_conn *c, int64_t user_id, struct err *e);
/* Constant-time comparison of a presented CSRF token with the session's. */
bool session_csrf_ok(const struct session *s, const char *presented);

#endif
