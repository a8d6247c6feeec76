/* session.h — login sessions: an opaque random token (256 bits) in a cookie,
 * only its SHA-256 stored; idle expiry (2 h) and absolute expiry (12 h); a CSRF
 * token bound to the session for every state-changing form. */
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
};

/* Create a session for the user; *token receives the cookie value. */
int session_create(db_conn *c, struct arena *a, const struct auth_user *u, char **token,
                   struct err *e);
/* Look up a live session by cookie token (touches last_seen). 1/0/-1. */
int session_lookup(db_conn *c, struct arena *a, const char *token, struct session *s,
                   struct err *e);
int session_destroy(db_conn *c, const char *token, struct err *e);
/* Log out everywhere: every session of the user. */
int session_destroy_user(db_conn *c, int64_t user_id, struct err *e);
/* Constant-time comparison of a presented CSRF token with the session's. */
bool session_csrf_ok(const struct session *s, const char *presented);

#endif
