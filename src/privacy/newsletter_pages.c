/* newsletter_pages.c — the newsletter's public pages: sign-up, confirmation and
 * unsubscribing (see newsletter.h). */
#include "privacy/newsletter.h"

#include "app.h"
#include "auth/ratelimit.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "http/http.h"
#include "privacy/consent.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "web/web.h"

#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

json_t *newsletter_form_json(struct http_req *req, const struct tenant *t, const char *email,
                             const char *error)
{
  struct consent_notice n;
  consent_notice(req->a, req->locale, CONSENT_NOTICE_NEWSLETTER, t, &n);
  json_t *o = json_object();
  json_object_set_new(o, "action",
                      json_string(arena_printf(req->a, "/haendler/%s/newsletter", t->slug)));
  json_object_set_new(o, "notice", json_string(n.text));
  json_object_set_new(o, "notice_hash", json_string(n.hash));
  json_object_set_new(o, "email", json_string(email ? email : ""));
  json_object_set_new(o, "dealer", json_string(t->name));
  if (error)
    json_object_set_new(o, "error", json_string(error));
  return o;
}

/* ---- the dealer of the link ---- */

struct dealer_arg {
  struct arena *a;
  const char *slug;
  struct tenant t;
  int found;
};

static int tx_dealer(db_conn *c, void *arg, struct err *e)
{
  struct dealer_arg *x = arg;
  x->found = tenant_store_by_slug(c, x->a, x->slug, &x->t, e);
  return x->found < 0 ? -1 : 0;
}

/* 1 with t filled, or 0 after answering (404 or an error). */
static int dealer(struct http_req *req, struct tenant *t)
{
  struct dealer_arg x = {.a = req->a, .slug = http_param(req, "slug")};
  struct err e = {0};
  if (!x.slug || db_tx(app_of(req)->db, 0, DB_READ, tx_dealer, &x, &e) < 0) {
    if (e.code)
      http_problem_err(req, &e);
    else
      http_problem(req, 404, CC24_E_TENANT_NOT_FOUND, "no such dealer", NULL);
    return 0;
  }
  if (x.found != 1) {
    http_problem(req, 404, CC24_E_TENANT_NOT_FOUND, "no such dealer", NULL);
    return 0;
  }
  *t = x.t;
  return 1;
}

/* The one page of every step; `state` selects what it shows. */
static int page(struct http_req *req, int status, const struct tenant *t, const char *state,
                json_t *extra)
{
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, state, json_true());
  json_object_set_new(ctx, "dealer_name", json_string(t->name));
  json_object_set_new(ctx, "dealer_url",
                      json_string(arena_printf(req->a, "/haendler/%s", t->slug)));
  if (extra)
    json_object_update(ctx, extra), json_decref(extra);
  http_set_header(req, "Cache-Control", "no-store");
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, status, "newsletter", ctx);
}

static int form(struct http_req *req, int status, const struct tenant *t, const char *email,
                const char *error_key)
{
  json_t *x = json_object();
  json_object_set_new(
      x, "nl",
      newsletter_form_json(req, t, email, error_key ? i18n_get(req->locale, error_key) : NULL));
  return page(req, status, t, "show_form", x);
}

int newsletter_form_page(struct http_req *req)
{
  struct tenant t;
  if (!dealer(req, &t))
    return 0;
  return form(req, 200, &t, "", NULL);
}

/* ---- sign-up ---- */

struct signup_arg {
  struct arena *a;
  const struct tenant *t;
  struct newsletter_signup s;
  int mailed;
};

static int tx_signup(db_conn *c, void *arg, struct err *e)
{
  struct signup_arg *x = arg;
  return newsletter_subscribe(c, x->a, x->t, &x->s, time_now(), &x->mailed, e);
}

int newsletter_signup_post(struct http_req *req)
{
  struct tenant t;
  if (!dealer(req, &t))
    return 0;
  const char *email = http_form(req, "email"), *consent = http_form(req, "consent");
  const char *hash = http_form(req, "notice"), *hp = http_form(req, "website");
  email = email ? str_trim(req->a, email) : "";
  if (hp && *hp) /* a bot: thanked, nothing stored */
    return page(req, 200, &t, "sent", NULL);
  struct consent_notice n;
  consent_notice(req->a, req->locale, CONSENT_NOTICE_NEWSLETTER, &t, &n);
  if (!lead_email_valid(email))
    return form(req, 422, &t, email, "newsletter.err_email");
  if (!consent || strcmp(consent, "1"))
    return form(req, 422, &t, email, "newsletter.err_consent");
  if (hash && *hash && strcmp(hash, n.hash))
    return form(req, 422, &t, email, "newsletter.err_notice");
  int retry = 60;
  if (!rl_take(arena_printf(req->a, "newsletter:%s", http_client_net(req)), 5, 2, &retry)) {
    http_set_header(req, "Retry-After", arena_printf(req->a, "%d", retry < 1 ? 1 : retry));
    return form(req, 429, &t, email, "newsletter.err_busy");
  }
  struct signup_arg x = {.a = req->a, .t = &t};
  x.s = (struct newsletter_signup){.email = str_lower(req->a, email),
                                   .locale = req->locale,
                                   .source = "form",
                                   .ip = req->client_ip,
                                   .notice = &n};
  struct err e = {0};
  if (db_tx(app_of(req)->db, t.id, DB_WRITE, tx_signup, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.mailed)
    log_info("newsletter: confirmation link queued for dealer %lld", (long long)t.id);
  /* the same answer for new, pending and confirmed addresses */
  return page(req, 200, &t, "sent", NULL);
}

/* ---- confirmation ---- */

struct confirm_arg {
  struct arena *a;
  const struct tenant *t;
  const char *token, *ip;
  bool apply;
  int rc;
};

static int tx_confirm(db_conn *c, void *arg, struct err *e)
{
  struct confirm_arg *x = arg;
  x->rc = x->apply ? newsletter_confirm(c, x->a, x->t, x->token, x->ip, time_now(), e)
                   : newsletter_token_peek(c, x->t->id, x->token, time_now(), e);
  return x->rc < 0 ? -1 : 0;
}

static int confirm(struct http_req *req, bool apply)
{
  struct tenant t;
  if (!dealer(req, &t))
    return 0;
  struct confirm_arg x = {.a = req->a, .t = &t, .ip = req->client_ip, .apply = apply};
  x.token = apply ? http_form(req, "t") : http_query(req, "t");
  struct err e = {0};
  if (db_tx(app_of(req)->db, t.id, DB_WRITE, tx_confirm, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.rc != 1)
    return page(req, 410, &t, "link_gone", NULL);
  if (apply)
    return page(req, 200, &t, "confirmed", NULL);
  json_t *extra = json_object();
  json_object_set_new(extra, "token", json_string(x.token));
  json_object_set_new(
      extra, "confirm_action",
      json_string(arena_printf(req->a, "/haendler/%s/newsletter/bestaetigen", t.slug)));
  return page(req, 200, &t, "confirm", extra);
}

int newsletter_confirm_page(struct http_req *req)
{
  return confirm(req, false);
}

int newsletter_confirm_post(struct http_req *req)
{
  return confirm(req, true);
}

/* ---- unsubscribing ---- */

struct unsub_arg {
  struct arena *a;
  const struct tenant *t;
  const char *token, *ip;
  int rc;
};

static int tx_unsub(db_conn *c, void *arg, struct err *e)
{
  struct unsub_arg *x = arg;
  x->rc = newsletter_unsubscribe(c, x->a, x->t, x->token, x->ip, time_now(), e);
  return x->rc < 0 ? -1 : 0;
}

int newsletter_unsub_page(struct http_req *req)
{
  struct tenant t;
  if (!dealer(req, &t))
    return 0;
  /* GET changes nothing (mail scanners follow links): a button posts the token */
  const char *token = http_query(req, "t");
  json_t *extra = json_object();
  json_object_set_new(extra, "token", json_string(token ? token : ""));
  json_object_set_new(
      extra, "unsub_action",
      json_string(arena_printf(req->a, "/haendler/%s/newsletter/abmelden", t.slug)));
  return page(req, 200, &t, "unsub", extra);
}

int newsletter_unsub_post(struct http_req *req)
{
  struct tenant t;
  if (!dealer(req, &t))
    return 0;
  /* the one-click POST of RFC 8058 carries the token in the URL, the page's in the form */
  const char *token = http_form(req, "t");
  if (!token || !*token)
    token = http_query(req, "t");
  struct unsub_arg x = {.a = req->a, .t = &t, .token = token, .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, t.id, DB_WRITE, tx_unsub, &x, &e) < 0)
    return http_problem_err(req, &e);
  /* a used link (the address is gone already) and a forged one: nothing to undo */
  return page(req, 200, &t, x.rc == 1 ? "unsubscribed" : "not_subscribed", NULL);
}
