/* signup_pages.c — sign-up of a new dealer (tenant + owner, e-mail verification),
 * password reset by a single-use expiring token, and the dealer's own pages for
 * API tokens and the audit log. Mails go to the outbox table until e-mail
 * sending lands; the tokens in them are real. */
#include "app.h"
#include "auth/auth.h"
#include "auth/auth_pages.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#define VERIFY_TTL (7 * 86400)
#define RESET_TTL  3600

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static int message_page(struct http_req *req, int status, const char *title_key,
                        const char *text_key)
{
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "title", json_string(i18n_get(req->locale, title_key)));
  json_object_set_new(ctx, "text", json_string(i18n_get(req->locale, text_key)));
  return web_render(req, status, "message", ctx);
}

/* ---- sign-up ---- */

static int render_signup(struct http_req *req, int status, const struct field_errors *errs)
{
  json_t *ctx = web_context(req);
  json_t *f = json_object();
  const char *keep[] = {"company", "city", "name", "email"};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    const char *v = http_form(req, keep[i]);
    json_object_set_new(f, keep[i], json_string(v ? v : ""));
  }
  json_object_set_new(ctx, "f", f);
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++)
    if (!json_object_get(err, errs->e[i].field))
      json_object_set_new(err, errs->e[i].field, json_string(errs->e[i].detail));
  json_object_set_new(ctx, "err", err);
  json_object_set_new(ctx, "has_errors", json_boolean(errs && errs->n));
  return web_render(req, status, "signup", ctx);
}

int auth_signup_page(struct http_req *req)
{
  return render_signup(req, 200, NULL);
}

struct signup_arg {
  struct arena *a;
  struct tenant t;
  struct auth_user u;
  const char *password;
  char *token;
  const char *ip, *locale;
};

static int tx_signup(db_conn *c, void *arg, struct err *e)
{
  struct signup_arg *x = arg;
  /* a free slug from the company name: "autohaus-mueller", "autohaus-mueller-2", ... */
  const char *base = x->t.slug;
  for (int i = 1; i < 50; i++) {
    struct tenant other;
    x->t.slug = i == 1 ? base : arena_printf(x->a, "%s-%d", base, i);
    int rc = tenant_store_by_slug(c, x->a, x->t.slug, &other, e);
    if (rc < 0)
      return -1;
    if (rc == 0)
      break;
  }
  if (tenant_store_create(c, &x->t, e) < 0)
    return -1;
  /* from here on the transaction works for the new dealer (row-level security) */
  if (auth_tx_act_as(c, x->t.id, e) < 0)
    return -1;
  x->u.tenant_id = x->t.id;
  if (auth_user_create(c, x->a, &x->u, x->password, e) < 0)
    return -1;
  if (auth_onetime_create(c, x->a, x->u.id, "verify", VERIFY_TTL, &x->token, e) < 0)
    return -1;
  const char *link = arena_printf(x->a, "%s/bestaetigen?token=%s", cfg.base_url, x->token);
  const char *loc = x->locale;
  struct mail m = {
      .tenant_id = x->t.id,
      .to = x->u.email,
      .locale = loc,
      .kind = "auth.verify",
      .subject = i18n_get(loc, "mail.verify_subject"),
      .text = arena_printf(x->a, "%s %s\n\n%s\n%s\n\n%s\n", i18n_get(loc, "mail.verify_hello"),
                           x->t.name, i18n_get(loc, "mail.verify_text"), link,
                           i18n_get(loc, "mail.verify_ttl")),
  };
  if (mail_queue(c, &m, e) < 0)
    return -1;
  return auth_audit(c, x->t.id, x->u.id, "signup", x->t.slug, x->ip, e);
}

int auth_signup_post(struct http_req *req)
{
  struct arena *a = req->a;
  struct field_errors errs;
  field_errors_init(&errs, a);
  const char *company = http_form(req, "company"), *city = http_form(req, "city");
  const char *name = http_form(req, "name"), *email = http_form(req, "email");
  const char *pw = http_form(req, "password");
  struct signup_arg x = {.a = a, .password = pw, .ip = req->client_ip, .locale = req->locale};
  x.t.name = company ? str_trim(a, company) : "";
  x.t.city = city ? str_trim(a, city) : "";
  x.t.slug = str_slug(a, x.t.name);
  if (strlen(x.t.slug) > 50)
    ((char *)x.t.slug)[50] = 0;
  if (strlen(x.t.slug) < 3)
    x.t.slug = arena_printf(a, "haendler-%s", x.t.slug);
  tenant_validate(&x.t, &errs);
  for (int i = 0; i < errs.n; i++)
    if (!strcmp(errs.e[i].field, "name"))
      errs.e[i].field = "company";
  char *norm = auth_email_normalize(a, email);
  if (!norm)
    field_error_add(&errs, "email", "format", "%s", i18n_get(req->locale, "errors.email"));
  auth_password_policy(pw, "password", &errs);
  if (!name || !*name || utf8_len(name, strlen(name)) > 120)
    field_error_add(&errs, "name", "required", "%s", i18n_get(req->locale, "errors.required"));
  if (errs.n)
    return render_signup(req, 422, &errs);
  x.u.email = norm;
  x.u.name = str_trim(a, name);
  x.u.role = AUTH_ROLE_OWNER;
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_signup, &x, &e) < 0) {
    if (e.code == CC24_E_DB_CONSTRAINT) {
      /* the address is taken; say so without more detail */
      field_error_add(&errs, "email", "taken", "%s", i18n_get(req->locale, "auth.email_taken"));
      return render_signup(req, 422, &errs);
    }
    return http_problem_err(req, &e);
  }
  return message_page(req, 201, "auth.signup_done_title", "auth.signup_done_text");
}

static int tx_verify(db_conn *c, void *arg, struct err *e)
{
  int64_t user_id = 0;
  int rc = auth_onetime_use(c, arg, "verify", &user_id, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "invalid or used token");
  return auth_user_verify_email(c, user_id, e);
}

int auth_verify_page(struct http_req *req)
{
  const char *token = http_query(req, "token");
  struct err e = {0};
  if (!token || db_tx(app_of(req)->db, 0, DB_WRITE, tx_verify, (void *)token, &e) < 0) {
    if (e.code && e.code != CC24_E_NOT_FOUND)
      return http_problem_err(req, &e);
    return message_page(req, 410, "auth.link_invalid_title", "auth.link_invalid_text");
  }
  return message_page(req, 200, "auth.verified_title", "auth.verified_text");
}

/* ---- password reset ---- */

int auth_forgot_page(struct http_req *req)
{
  json_t *ctx = web_context(req);
  return web_render(req, 200, "forgot", ctx);
}

struct forgot_arg {
  struct arena *a;
  const char *email, *ip, *locale;
};

static int tx_forgot(db_conn *c, void *arg, struct err *e)
{
  struct forgot_arg *x = arg;
  struct auth_user u;
  int rc = auth_user_by_email(c, x->a, x->email, &u, e);
  if (rc < 0)
    return -1;
  if (rc == 0 || u.disabled)
    return 0; /* the same answer either way: no account enumeration */
  char *token;
  if (auth_onetime_create(c, x->a, u.id, "reset", RESET_TTL, &token, e) < 0)
    return -1;
  const char *link = arena_printf(x->a, "%s/passwort-neu?token=%s", cfg.base_url, token);
  const char *loc = x->locale;
  struct mail m = {
      .tenant_id = u.tenant_id,
      .to = u.email,
      .locale = loc,
      .kind = "auth.reset",
      .subject = i18n_get(loc, "mail.reset_subject"),
      .text = arena_printf(x->a, "%s\n%s\n\n%s\n", i18n_get(loc, "mail.reset_text"), link,
                           i18n_get(loc, "mail.reset_ttl")),
  };
  if (mail_queue(c, &m, e) < 0)
    return -1;
  return auth_audit(c, u.tenant_id, u.id, "password.reset_requested", "", x->ip, e);
}

int auth_forgot_post(struct http_req *req)
{
  const char *email = http_form(req, "email");
  struct forgot_arg x = {req->a, email ? email : "", req->client_ip, req->locale};
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_forgot, &x, &e) < 0)
    return http_problem_err(req, &e);
  return message_page(req, 200, "auth.reset_sent_title", "auth.reset_sent_text");
}

int auth_reset_page(struct http_req *req)
{
  json_t *ctx = web_context(req);
  const char *t = http_query(req, "token");
  json_object_set_new(ctx, "token", json_string(t && strlen(t) < 100 ? t : ""));
  return web_render(req, 200, "reset", ctx);
}

struct reset_arg {
  const char *token, *password, *ip;
};

static int tx_reset(db_conn *c, void *arg, struct err *e)
{
  struct reset_arg *x = arg;
  int64_t user_id = 0;
  int rc = auth_onetime_use(c, x->token, "reset", &user_id, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "invalid or used token");
  if (auth_user_set_password(c, user_id, x->password, e) < 0 ||
      session_destroy_user(c, user_id, e) < 0)
    return -1;
  return auth_audit(c, 0, user_id, "password.reset", "", x->ip, e);
}

int auth_reset_post(struct http_req *req)
{
  const char *token = http_form(req, "token"), *pw = http_form(req, "password");
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (auth_password_policy(pw, "password", &errs) < 0) {
    json_t *ctx = web_context(req);
    json_object_set_new(ctx, "token", json_string(token && strlen(token) < 100 ? token : ""));
    json_object_set_new(ctx, "error", json_string(i18n_get(req->locale, "auth.password_rules")));
    return web_render(req, 422, "reset", ctx);
  }
  struct reset_arg x = {token ? token : "", pw, req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_reset, &x, &e) < 0) {
    if (e.code != CC24_E_NOT_FOUND)
      return http_problem_err(req, &e);
    return message_page(req, 410, "auth.link_invalid_title", "auth.link_invalid_text");
  }
  return message_page(req, 200, "auth.reset_done_title", "auth.reset_done_text");
}
