/* login_pages.c — login with password and second factor, logout. */
#include "app.h"
#include "auth/auth.h"
#include "auth/auth_pages.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead_pages.h"
#include "finance/conditions.h"
#include "inventory/vehicle_json.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "routes.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

/* The pending second login step: its own short-lived cookie, never a session. */
static const char *challenge_cookie_name(void)
{
  return str_starts(cfg.base_url, "https://") ? "__Host-cc24_login" : "cc24_login";
}

static void set_challenge_cookie(struct http_req *req, const char *value, int max_age)
{
  http_set_cookie(req, challenge_cookie_name(), value,
                  arena_printf(req->a, "Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", max_age,
                               web_tls(req) ? "; Secure" : ""));
}

static int render_login(struct http_req *req, int status, const char *email, const char *error)
{
  json_t *ctx = web_context(req);
  json_object_set_new(
      ctx, "email",
      json_string(email && utf8_valid(email, strlen(email)) && strlen(email) <= 254 ? email : ""));
  const char *next = http_local_target(
      http_query(req, "next") ? http_query(req, "next") : http_form(req, "next"), "/dashboard");
  json_object_set_new(ctx, "next", json_string(next));
  /* the buyer sign-up link keeps where the login would have gone */
  if (strcmp(next, "/dashboard")) {
    struct buf q;
    buf_init(&q, req->a);
    buf_append_urlenc(&q, next, strlen(next));
    json_object_set_new(ctx, "next_q", json_string(buf_cstr(&q)));
  }
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  const char *out = http_query(req, "abgemeldet");
  json_object_set_new(ctx, "logged_out_everywhere", json_boolean(out && !strcmp(out, "ueberall")));
  return web_render(req, status, "login", ctx);
}

/* Where a login lands: `next` when the account may open it, else the account's home
 * (/konto for a buyer, /dashboard for a dealer) — a buyer is never sent into the
 * dashboard, nor a dealer into a buyer's pages. */
static const char *landing(struct http_req *req, int auth_role, const char *next)
{
  int role = web_role_of(auth_role);
  const char *home = role == ROLE_BUYER ? "/konto" : "/dashboard";
  char *path = arena_strdup(req->a, next ? next : home);
  path[strcspn(path, "?#")] = 0;
  struct http_req probe = {.a = req->a};
  int mismatch = 0;
  const struct route *r =
      http_route_match(cc24_routes, cc24_nroutes, "GET", path, &probe, &mismatch);
  if (r && !web_role_allows(role, r->role))
    return home;
  return next ? next : home;
}

int auth_login_page(struct http_req *req)
{
  if (req->user_id)
    return http_redirect(req, 303, req->role == ROLE_BUYER ? "/konto" : "/dashboard");
  return render_login(req, 200, "", NULL);
}

struct login_arg {
  struct arena *a;
  const char *email, *password, *ip, *next;
  struct auth_user u;
  int found;
  bool ok;
  char *token;     /* the new session */
  char *challenge; /* or the pending second step */
};

/* A hash to verify against when the address is unknown, so both answers take as long. */
static char dummy_hash[AUTH_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
  struct err e;
  auth_password_hash("cc24-timing-equaliser", dummy_hash, &e);
}

static int tx_login(db_conn *c, void *arg, struct err *e)
{
  struct login_arg *x = arg;
  /* finds the account before anyone knows the dealer; the transaction then acts
   * for the account's dealer (row-level security) */
  x->found = auth_user_by_email(c, x->a, x->email, &x->u, e);
  if (x->found < 0)
    return -1;
  if (x->found == 1 && !x->u.disabled)
    x->ok = auth_password_verify(x->u.password_hash, x->password);
  else
    auth_password_verify(dummy_hash, x->password);
  if (!x->ok) {
    auth_audit(c, x->found == 1 ? x->u.tenant_id : 0, x->found == 1 ? x->u.id : 0, "login.failed",
               x->found == 1 ? "password" : "unknown address", x->ip, e);
    return 0;
  }
  if (auth_password_needs_rehash(x->u.password_hash) &&
      auth_user_set_password(c, x->u.id, x->password, e) < 0)
    return -1;
  if (x->u.totp_enabled_at > 0) {
    /* the password alone opens nothing: the session comes after the code */
    if (auth_challenge_create(c, x->a, &x->u, x->next, &x->challenge, e) < 0)
      return -1;
    return auth_audit(c, x->u.tenant_id, x->u.id, "login.password", "second factor pending", x->ip,
                      e);
  }
  if (session_create(c, x->a, &x->u, &x->token, NULL, e) < 0)
    return -1;
  return auth_audit(c, x->u.tenant_id, x->u.id, "login", "password", x->ip, e);
}

static int tx_end_session(db_conn *c, void *arg, struct err *e)
{
  struct session s;
  struct arena *a = arena_new(0);
  /* the cookie may belong to another dealer's session: look it up (which switches the
   * transaction to its dealer) before ending it */
  int rc = session_lookup(c, a, arg, &s, e);
  if (rc == 1)
    rc = session_destroy(c, arg, e);
  arena_free(a);
  return rc < 0 ? -1 : 0;
}

/* Whatever session cookie came with a login is ended first: a session planted in the
 * browser before the login (fixation) never becomes the logged-in one. */
static void end_presented_session(struct http_req *req)
{
  const char *old = http_cookie(req, web_session_cookie_name());
  struct err e = {0};
  if (old && *old && db_tx(app_of(req)->db, 0, DB_WRITE, tx_end_session, (void *)old, &e) < 0)
    log_warn("login: could not end the presented session: %s", e.msg);
}

/* Progressive delay after failed logins of one account (known or not, so the answer
 * reveals nothing): the first LOGIN_FAIL_FREE failures cost nothing, then one attempt
 * every 10 s; from the LOGIN_FAIL_LONG-th on, one every 5 minutes. Failures drain two
 * buckets (shared through Redis when configured); while either is empty the login is
 * refused with 429 and Retry-After — no request thread ever sleeps. */
#define LOGIN_FAIL_FREE          3
#define LOGIN_FAIL_SHORT_PER_MIN 6.0
#define LOGIN_FAIL_LONG          10
#define LOGIN_FAIL_LONG_PER_MIN  0.2

static const char *fail_key(struct http_req *req, const char *email, bool long_window)
{
  const char *norm = auth_email_normalize(req->a, email);
  return arena_printf(req->a, "login-fail%s:%s", long_window ? "-long" : "",
                      norm ? norm : str_lower(req->a, email));
}

/* 0 when the account may try now, else the seconds to wait. */
static int login_delay(struct http_req *req, const char *email)
{
  double s = rl_peek(fail_key(req, email, false), LOGIN_FAIL_FREE, LOGIN_FAIL_SHORT_PER_MIN);
  double l = rl_peek(fail_key(req, email, true), LOGIN_FAIL_LONG, LOGIN_FAIL_LONG_PER_MIN);
  int wait = 0;
  if (s < 1)
    wait = (int)ceil((1 - s) * 60 / LOGIN_FAIL_SHORT_PER_MIN);
  if (l < 1) {
    int w = (int)ceil((1 - l) * 60 / LOGIN_FAIL_LONG_PER_MIN);
    wait = w > wait ? w : wait;
  }
  return wait;
}

static void login_failed(struct http_req *req, const char *email)
{
  int retry;
  rl_take(fail_key(req, email, false), LOGIN_FAIL_FREE, LOGIN_FAIL_SHORT_PER_MIN, &retry);
  rl_take(fail_key(req, email, true), LOGIN_FAIL_LONG, LOGIN_FAIL_LONG_PER_MIN, &retry);
}

int auth_login_post(struct http_req *req)
{
  pthread_once(&dummy_once, make_dummy_hash);
  const char *email = http_form(req, "email"), *password = http_form(req, "password");
  if (!email || !password || !*email || !*password)
    return render_login(req, 422, email, i18n_get(req->locale, "auth.missing"));
  int wait = login_delay(req, email);
  if (wait > 0) {
    http_set_header(req, "Retry-After", arena_printf(req->a, "%d", wait));
    return render_login(req, 429, email, i18n_get(req->locale, "auth.too_many"));
  }
  if (strlen(password) > 1000) {
    login_failed(req, email);
    return render_login(req, 401, email, i18n_get(req->locale, "auth.failed"));
  }
  struct login_arg x = {.a = req->a,
                        .email = email,
                        .password = password,
                        .ip = req->client_ip,
                        .next = http_local_target(http_form(req, "next"), "/dashboard")};
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_login, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.ok) {
    login_failed(req, email);
    return render_login(req, 401, email, i18n_get(req->locale, "auth.failed"));
  }
  end_presented_session(req);
  if (x.challenge) {
    set_challenge_cookie(req, x.challenge, AUTH_CHALLENGE_TTL);
    return http_redirect(req, 303, "/anmelden/code");
  }
  web_set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  return http_redirect(req, 303, landing(req, x.u.role, x.next));
}

/* ---- the second step: a code from the authenticator app or a recovery code ---- */

static int render_code(struct http_req *req, int status, const char *error)
{
  json_t *ctx = web_context(req);
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  return web_render(req, status, "login_code", ctx);
}

struct code_arg {
  struct arena *a;
  const char *challenge, *code, *ip;
  const char *next;
  int found, attempts;
  bool ok, recovery;
  struct auth_user u;
  char *token;
};

static int tx_code_page(db_conn *c, void *arg, struct err *e)
{
  struct code_arg *x = arg;
  int64_t uid;
  x->found = auth_challenge_get(c, x->a, x->challenge, &uid, &x->next, &x->attempts, e);
  return x->found < 0 ? -1 : 0;
}

int auth_login_code_page(struct http_req *req)
{
  struct code_arg x = {.a = req->a, .challenge = http_cookie(req, challenge_cookie_name())};
  struct err e = {0};
  if (!x.challenge || db_tx(app_of(req)->db, 0, DB_READ, tx_code_page, &x, &e) < 0 || !x.found) {
    if (e.code)
      return http_problem_err(req, &e);
    return http_redirect(req, 303, "/anmelden");
  }
  return render_code(req, 200, NULL);
}

static int tx_code(db_conn *c, void *arg, struct err *e)
{
  struct code_arg *x = arg;
  int64_t uid = 0;
  x->found = auth_challenge_get(c, x->a, x->challenge, &uid, &x->next, &x->attempts, e);
  if (x->found <= 0)
    return x->found;
  int rc = auth_user_get(c, x->a, uid, &x->u, e);
  if (rc < 0)
    return -1;
  if (rc == 1 && !x->u.disabled) {
    /* six digits are a code from the app; anything else may be a recovery code */
    size_t digits = 0, n = 0;
    for (const char *p = x->code; *p; p++, n++)
      digits += (*p >= '0' && *p <= '9');
    bool app_code = digits == 6 && n <= 8;
    rc = app_code ? auth_totp_accept(c, x->a, uid, x->code, time_now(), e)
                  : auth_recovery_use(c, uid, x->code, e);
    if (rc < 0)
      return -1;
    x->ok = rc == 1;
    x->recovery = !app_code;
  }
  if (!x->ok) {
    x->attempts = auth_challenge_fail(c, x->challenge, e);
    if (x->attempts < 0)
      return -1;
    return auth_audit(c, x->u.tenant_id, uid, "login.failed", "second factor", x->ip, e);
  }
  if (auth_challenge_delete(c, x->challenge, e) < 0 ||
      session_create(c, x->a, &x->u, &x->token, NULL, e) < 0)
    return -1;
  return auth_audit(c, x->u.tenant_id, uid, "login", x->recovery ? "recovery code" : "totp", x->ip,
                    e);
}

int auth_login_code_post(struct http_req *req)
{
  const char *code = http_form(req, "code");
  struct code_arg x = {.a = req->a,
                       .challenge = http_cookie(req, challenge_cookie_name()),
                       .code = code && strlen(code) <= 40 ? code : "",
                       .ip = req->client_ip};
  struct err e = {0};
  if (!x.challenge || db_tx(app_of(req)->db, 0, DB_WRITE, tx_code, &x, &e) < 0 || !x.found) {
    if (e.code)
      return http_problem_err(req, &e);
    set_challenge_cookie(req, "", 0);
    return render_login(req, 401, "", i18n_get(req->locale, "twofa.expired"));
  }
  if (!x.ok) {
    if (x.attempts >= AUTH_CHALLENGE_ATTEMPTS) {
      set_challenge_cookie(req, "", 0);
      return render_login(req, 401, "", i18n_get(req->locale, "twofa.too_many"));
    }
    return render_code(req, 401, i18n_get(req->locale, "twofa.wrong_code"));
  }
  set_challenge_cookie(req, "", 0);
  end_presented_session(req);
  web_set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  return http_redirect(req, 303, landing(req, x.u.role, http_local_target(x.next, "/dashboard")));
}

struct logout_arg {
  const char *token;
  int64_t user_id, tenant_id;
  bool everywhere;
  const char *ip;
};

static int tx_logout(db_conn *c, void *arg, struct err *e)
{
  struct logout_arg *x = arg;
  if ((x->everywhere ? session_destroy_user(c, x->user_id, e) : session_destroy(c, x->token, e)) <
      0)
    return -1;
  return auth_audit(c, x->tenant_id, x->user_id, x->everywhere ? "logout.everywhere" : "logout", "",
                    x->ip, e);
}

int auth_logout(struct http_req *req)
{
  struct logout_arg x = {http_cookie(req, web_session_cookie_name()), req->user_id, req->tenant_id,
                         http_form(req, "everywhere") != NULL, req->client_ip};
  struct err e = {0};
  if (x.token && db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_logout, &x, &e) < 0)
    return http_problem_err(req, &e);
  web_set_session_cookie(req, "", 0);
  return http_redirect(req, 303, x.everywhere ? "/anmelden?abgemeldet=ueberall" : "/");
}

/* ---- dashboard ---- */
