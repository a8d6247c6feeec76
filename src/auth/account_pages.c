/* account_pages.c — the user's own account (/dashboard/konto): name, password
 * change (the old password is required; other sessions end and this one is
 * rotated), two-factor authentication (set up with a QR code, confirmed with a
 * code before it counts, ten single-use recovery codes shown once, turned off
 * only with the password), and the open sessions (end the others, or log out
 * everywhere through /abmelden).
 *
 * Every change that alters what a session may do rotates the session: the old
 * cookie and CSRF token stop working and a new pair is issued. */
#include "app.h"
#include "auth/auth.h"
#include "auth/auth_pages.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "privacy/consent.h"
#include "render/i18n.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_CHARS 120

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static const char *session_cookie(struct http_req *req)
{
  return http_cookie(req, web_session_cookie_name());
}

/* Password checks from a session are limited per account, so a stolen session cannot
 * be used to guess the password (which would unlock two-factor changes). */
static bool password_attempt_ok(struct http_req *req)
{
  int retry;
  return rl_take(arena_printf(req->a, "pwcheck:%lld", (long long)req->user_id), 5, 5, &retry);
}

/* ---- the page ---- */

struct account_arg {
  struct arena *a;
  int64_t user_id;
  struct auth_user u;
  int codes_left, sessions;
};

static int tx_account(db_conn *c, void *arg, struct err *e)
{
  struct account_arg *x = arg;
  int rc = auth_user_get(c, x->a, x->user_id, &x->u, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such user");
  x->codes_left = auth_recovery_left(c, x->user_id, e);
  x->sessions = session_count_user(c, x->user_id, e);
  return x->codes_left < 0 || x->sessions < 0 ? -1 : 0;
}

/* The account page; errs (may be NULL) are shown next to their fields, keeping what the
 * user typed in the name field. */
static int render_account(struct http_req *req, int status, const struct field_errors *errs)
{
  struct account_arg x = {.a = req->a, .user_id = req->user_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_account, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  const char *name = errs ? http_form(req, "name") : NULL;
  json_object_set_new(
      ctx, "name",
      json_string(name && utf8_valid(name, strlen(name)) ? name : (x.u.name ? x.u.name : "")));
  json_object_set_new(ctx, "email", json_string(x.u.email));
  json_object_set_new(
      ctx, "role_label",
      json_string(i18n_get(req->locale, x.u.role == AUTH_ROLE_OWNER   ? "team.owner"
                                        : x.u.role == AUTH_ROLE_ADMIN ? "account.admin"
                                                                      : "team.staff")));
  json_object_set_new(ctx, "totp", json_boolean(x.u.totp_enabled_at > 0));
  if (x.u.totp_enabled_at > 0) {
    char d[32];
    time_berlin_date(x.u.totp_enabled_at, d, sizeof d);
    json_object_set_new(ctx, "totp_since", json_string(d));
  }
  json_object_set_new(ctx, "codes_left", json_integer(x.codes_left));
  json_object_set_new(ctx, "codes_low", json_boolean(x.u.totp_enabled_at > 0 && x.codes_left < 3));
  json_object_set_new(ctx, "sessions", json_integer(x.sessions));
  json_object_set_new(ctx, "other_sessions", json_boolean(x.sessions > 1));
  const char *ok = http_query(req, "ok");
  if (ok && (!strcmp(ok, "profil") || !strcmp(ok, "passwort") || !strcmp(ok, "sitzungen") ||
             !strcmp(ok, "2fa-aus")))
    json_object_set_new(
        ctx, "notice",
        json_string(i18n_get(req->locale, arena_printf(req->a, "account.ok_%s", ok))));
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++)
    if (!json_object_get(err, errs->e[i].field))
      json_object_set_new(err, errs->e[i].field, json_string(errs->e[i].detail));
  json_object_set_new(ctx, "err", err);
  return web_render(req, status, "account", ctx);
}

int auth_account_page(struct http_req *req)
{
  return render_account(req, 200, NULL);
}

/* ---- profile ---- */

struct update_arg {
  struct arena *a;
  int64_t user_id, tenant_id;
  const char *name, *ip;
};

static int tx_name(db_conn *c, void *arg, struct err *e)
{
  struct update_arg *x = arg;
  if (auth_user_set_name(c, x->user_id, x->name, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->user_id, "account.name", "", x->ip, e);
}

int auth_account_update(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *name = http_form(req, "name");
  char *trimmed = name ? str_trim(req->a, name) : NULL;
  if (!trimmed || !utf8_valid(trimmed, strlen(trimmed)) ||
      utf8_len(trimmed, strlen(trimmed)) > NAME_MAX_CHARS)
    field_error_add(&errs, "name", "length", "%s", i18n_get(req->locale, "account.name_rules"));
  if (errs.n)
    return render_account(req, 422, &errs);
  struct update_arg x = {req->a, req->user_id, req->tenant_id, trimmed, req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_name, &x, &e) < 0)
    return http_problem_err(req, &e);
  return http_redirect(req, 303, "/dashboard/konto?ok=profil");
}

/* ---- password ---- */

struct pw_arg {
  struct arena *a;
  int64_t user_id, tenant_id;
  const char *current, *password, *cookie, *ip, *action;
  bool wrong;
  /* what the change needs besides checking the password */
  int (*then)(db_conn *c, struct pw_arg *x, struct err *e);
  struct auth_user u;
  char *token;
  const char *csrf;
  char *codes[AUTH_RECOVERY_CODES];
};

/* End this session, open a new one for the same user: a new cookie and CSRF token. */
static int rotate(db_conn *c, struct pw_arg *x, struct err *e)
{
  if (session_destroy(c, x->cookie, e) < 0)
    return -1;
  return session_create(c, x->a, &x->u, &x->token, &x->csrf, e);
}

/* The notice to the account's own address after a change of its security: what, when
 * (Berlin), from which network, and what to do if it was not the owner. A session
 * thief cannot change these in silence. */
static int security_notice(db_conn *c, struct pw_arg *x, struct err *e)
{
  const char *what = !strcmp(x->action, "password.change")      ? "security.what_password"
                     : !strcmp(x->action, "2fa.enable")         ? "security.what_2fa_on"
                     : !strcmp(x->action, "2fa.disable")        ? "security.what_2fa_off"
                     : !strcmp(x->action, "2fa.recovery_codes") ? "security.what_codes"
                                                                : NULL;
  if (!what || !x->u.email || !*x->u.email)
    return 0;
  char when[32], net[64];
  time_berlin_datetime(time_now(), when, sizeof when);
  consent_ip_truncate(x->ip, net, sizeof net);
  struct buf b;
  buf_init(&b, x->a);
  buf_printf(&b, "%s\n\n%s\n%s: %s\n%s: %s\n\n%s\n%s/passwort-vergessen\n",
             i18n_get("de", "security.hello"), i18n_get("de", what),
             i18n_get("de", "security.when"), when, i18n_get("de", "security.from"),
             *net ? net : "–", i18n_get("de", "security.not_you"), cfg.base_url);
  struct mail m = {.tenant_id = x->tenant_id,
                   .to = x->u.email,
                   .locale = "de",
                   .kind = "auth.security_notice",
                   .subject = i18n_get("de", "security.subject"),
                   .text = buf_cstr(&b)};
  return mail_queue(c, &m, e);
}

/* Check the current password, then do x->then, then rotate the session and record it. */
static int tx_with_password(db_conn *c, void *arg, struct err *e)
{
  struct pw_arg *x = arg;
  int rc = auth_user_get(c, x->a, x->user_id, &x->u, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such user");
  if (x->current && !auth_password_verify(x->u.password_hash, x->current)) {
    x->wrong = true;
    return auth_audit(c, x->tenant_id, x->user_id, "account.password_wrong", x->action, x->ip, e);
  }
  if (x->then(c, x, e) < 0 || rotate(c, x, e) < 0 || security_notice(c, x, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->user_id, x->action, "", x->ip, e);
}

static int then_password(db_conn *c, struct pw_arg *x, struct err *e)
{
  if (auth_user_set_password(c, x->user_id, x->password, e) < 0)
    return -1;
  /* every other session ends: whoever knew the old password is out */
  return session_destroy_others(c, x->user_id, x->cookie, e) < 0 ? -1 : 0;
}

/* After a rotation inside the request: the new cookie, and the rest of this request's
 * page uses the new CSRF token. */
static void adopt_session(struct http_req *req, struct pw_arg *x)
{
  web_set_session_cookie(req, x->token, SESSION_ABSOLUTE_SECONDS);
  struct session *s = req->session;
  if (s)
    s->csrf = x->csrf;
}

int auth_password_change(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *loc = req->locale;
  const char *current = http_form(req, "current"), *pw = http_form(req, "password"),
             *pw2 = http_form(req, "password2");
  if (!current || !*current)
    field_error_add(&errs, "current", "required", "%s", i18n_get(loc, "account.current_missing"));
  if (auth_password_policy(pw, "password", &errs) < 0)
    errs.e[errs.n - 1].detail = i18n_get(loc, "auth.password_rules");
  else if (!pw2 || strcmp(pw, pw2) != 0)
    field_error_add(&errs, "password2", "format", "%s", i18n_get(loc, "account.mismatch"));
  else if (current && !strcmp(current, pw))
    field_error_add(&errs, "password", "format", "%s", i18n_get(loc, "account.same_password"));
  if (errs.n)
    return render_account(req, 422, &errs);
  if (!password_attempt_ok(req)) {
    field_error_add(&errs, "current", "rate", "%s", i18n_get(loc, "account.too_many"));
    return render_account(req, 429, &errs);
  }
  struct pw_arg x = {.a = req->a,
                     .user_id = req->user_id,
                     .tenant_id = req->tenant_id,
                     .current = current,
                     .password = pw,
                     .cookie = session_cookie(req),
                     .ip = req->client_ip,
                     .action = "password.change",
                     .then = then_password};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_with_password, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.wrong) {
    field_error_add(&errs, "current", "wrong", "%s", i18n_get(loc, "account.current_wrong"));
    return render_account(req, 422, &errs);
  }
  adopt_session(req, &x);
  return http_redirect(req, 303, "/dashboard/konto?ok=passwort");
}

/* ---- sessions ---- */

struct others_arg {
  int64_t user_id, tenant_id;
  const char *cookie, *ip;
};

static int tx_others(db_conn *c, void *arg, struct err *e)
{
  struct others_arg *x = arg;
  int n = session_destroy_others(c, x->user_id, x->cookie, e);
  if (n < 0)
    return -1;
  char d[32];
  snprintf(d, sizeof d, "%d", n);
  return auth_audit(c, x->tenant_id, x->user_id, "logout.others", d, x->ip, e);
}

int auth_sessions_end_others(struct http_req *req)
{
  struct others_arg x = {req->user_id, req->tenant_id, session_cookie(req), req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_others, &x, &e) < 0)
    return http_problem_err(req, &e);
  return http_redirect(req, 303, "/dashboard/konto?ok=sitzungen");
}

/* ---- two-factor ---- */

struct setup_arg {
  struct arena *a;
  int64_t user_id;
  struct auth_user u;
  char *secret;
};

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  struct setup_arg *x = arg;
  int rc = auth_user_get(c, x->a, x->user_id, &x->u, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such user");
  if (x->u.totp_enabled_at > 0)
    return 0;
  return auth_totp_pending(c, x->a, x->user_id, &x->secret, e);
}

static int render_setup(struct http_req *req, int status, const char *error)
{
  struct setup_arg x = {.a = req->a, .user_id = req->user_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_setup, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.u.totp_enabled_at > 0)
    return http_redirect(req, 303, "/dashboard/konto");
  json_t *ctx = web_dash_context(req);
  /* the secret in groups of four, as people type it */
  struct buf g;
  buf_init(&g, req->a);
  for (size_t i = 0; x.secret[i]; i++) {
    if (i && i % 4 == 0)
      buf_putc(&g, ' ');
    buf_putc(&g, x.secret[i]);
  }
  const char *uri = totp_uri(req->a, "cc24", x.u.email, x.secret);
  json_object_set_new(ctx, "secret", json_string(buf_cstr(&g)));
  json_object_set_new(ctx, "uri", json_string(uri));
  const char *svg = totp_qr_svg(req->a, uri);
  json_object_set_new(ctx, "qr", json_string(svg ? svg : ""));
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  /* the secret is on this page: never keep it in a cache */
  http_set_header(req, "Cache-Control", "no-store");
  return web_render(req, status, "totp_setup", ctx);
}

int auth_totp_setup(struct http_req *req)
{
  return render_setup(req, 200, NULL);
}

static int render_codes(struct http_req *req, struct pw_arg *x, bool fresh_setup)
{
  json_t *ctx = web_dash_context(req);
  json_t *codes = json_array();
  for (int i = 0; i < AUTH_RECOVERY_CODES; i++)
    json_array_append_new(codes, json_string(x->codes[i]));
  json_object_set_new(ctx, "codes", codes);
  json_object_set_new(ctx, "fresh_setup", json_boolean(fresh_setup));
  http_set_header(req, "Cache-Control", "no-store");
  return web_render(req, 200, "recovery_codes", ctx);
}

struct enable_arg {
  struct pw_arg pw;
  const char *code;
  int enabled;
};

static int then_enable(db_conn *c, struct pw_arg *x, struct err *e)
{
  struct enable_arg *en = (struct enable_arg *)x;
  en->enabled = auth_totp_enable(c, x->a, x->user_id, en->code, time_now(), e);
  if (en->enabled <= 0)
    return en->enabled < 0 ? -1 : err_set(e, CC24_E_VALIDATION, "wrong code");
  if (auth_recovery_create(c, x->a, x->user_id, x->codes, e) < 0)
    return -1;
  /* sessions opened with the password alone end */
  return session_destroy_others(c, x->user_id, x->cookie, e) < 0 ? -1 : 0;
}

int auth_totp_enable_post(struct http_req *req)
{
  /* the password too: a stolen session cookie alone must not bind the thief's
   * authenticator (and, since enabling ends the other sessions, lock the owner out) */
  const char *code = http_form(req, "code"), *pw = http_form(req, "password");
  if (!pw || !*pw)
    return render_setup(req, 422, i18n_get(req->locale, "account.current_missing"));
  if (!password_attempt_ok(req))
    return render_setup(req, 429, i18n_get(req->locale, "account.too_many"));
  struct enable_arg x = {.pw = {.a = req->a,
                                .user_id = req->user_id,
                                .tenant_id = req->tenant_id,
                                .current = pw,
                                .cookie = session_cookie(req),
                                .ip = req->client_ip,
                                .action = "2fa.enable",
                                .then = then_enable},
                         .code = code && strlen(code) <= 20 ? code : ""};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_with_password, &x.pw, &e) < 0) {
    if (e.code == CC24_E_VALIDATION)
      return render_setup(req, 422, i18n_get(req->locale, "twofa.wrong_code"));
    return http_problem_err(req, &e);
  }
  if (x.pw.wrong)
    return render_setup(req, 422, i18n_get(req->locale, "account.current_wrong"));
  adopt_session(req, &x.pw);
  return render_codes(req, &x.pw, true);
}

static int then_disable(db_conn *c, struct pw_arg *x, struct err *e)
{
  return auth_totp_disable(c, x->user_id, e);
}

static int then_codes(db_conn *c, struct pw_arg *x, struct err *e)
{
  if (x->u.totp_enabled_at <= 0)
    return err_set(e, CC24_E_CONFLICT, "two-factor is off");
  return auth_recovery_create(c, x->a, x->user_id, x->codes, e);
}

/* Turning two-factor off and new recovery codes both need the password. */
static int with_password(struct http_req *req, const char *action,
                         int (*then)(db_conn *, struct pw_arg *, struct err *), const char *field)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *pw = http_form(req, "password");
  if (!pw || !*pw) {
    field_error_add(&errs, field, "required", "%s",
                    i18n_get(req->locale, "account.current_missing"));
    return render_account(req, 422, &errs);
  }
  if (!password_attempt_ok(req)) {
    field_error_add(&errs, field, "rate", "%s", i18n_get(req->locale, "account.too_many"));
    return render_account(req, 429, &errs);
  }
  struct pw_arg x = {.a = req->a,
                     .user_id = req->user_id,
                     .tenant_id = req->tenant_id,
                     .current = pw,
                     .cookie = session_cookie(req),
                     .ip = req->client_ip,
                     .action = action,
                     .then = then};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_with_password, &x, &e) < 0) {
    if (e.code == CC24_E_CONFLICT)
      return http_redirect(req, 303, "/dashboard/konto");
    return http_problem_err(req, &e);
  }
  if (x.wrong) {
    field_error_add(&errs, field, "wrong", "%s", i18n_get(req->locale, "account.current_wrong"));
    return render_account(req, 422, &errs);
  }
  adopt_session(req, &x);
  if (then == then_codes)
    return render_codes(req, &x, false);
  return http_redirect(req, 303, "/dashboard/konto?ok=2fa-aus");
}

int auth_totp_disable_post(struct http_req *req)
{
  return with_password(req, "2fa.disable", then_disable, "disable_password");
}

int auth_recovery_codes(struct http_req *req)
{
  return with_password(req, "2fa.recovery_codes", then_codes, "codes_password");
}
