/* buyer_pages.c — the buyer's pages: sign-up (/konto/registrieren), the account
 * (/konto: name, mail language, password, logout, erasure), favourites kept in
 * the account (POST /konto/merkliste, and /merkliste when logged in), saved
 * searches (/konto/suchen) and the unsubscribe link of alert mails
 * (/suchalarm/abbestellen, no login). Every page works without JavaScript; the
 * heart toggles post in the background when it runs (static/js/app.js).
 *
 * Access is the route table's (ROLE_BUYER routes need a logged-in buyer); every
 * transaction here works for req->user_id (db_tx_user), so on PostgreSQL row-level
 * security holds the rows to that buyer too. Forms carry the session's CSRF token. */
#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle_store.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define VERIFY_TTL (7 * 86400)

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static const char *csrf_of(struct http_req *req)
{
  const struct session *s = req->session;
  return s && s->csrf ? s->csrf : "";
}

static const char *t_(struct http_req *req, const char *key)
{
  return i18n_get(req->locale, key);
}

static bool wants_json(struct http_req *req)
{
  const char *acc = http_header(req, "Accept");
  return acc && strstr(acc, "application/json") != NULL;
}

/* field errors → {"field": "text"} for the templates */
static json_t *errors_json(const struct field_errors *errs)
{
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++)
    if (!json_object_get(err, errs->e[i].field))
      json_object_set_new(err, errs->e[i].field, json_string(errs->e[i].detail));
  return err;
}

static int message_page(struct http_req *req, int status, const char *title_key,
                        const char *text_key, const char *link, const char *link_key)
{
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "title", json_string(t_(req, title_key)));
  json_object_set_new(ctx, "text", json_string(t_(req, text_key)));
  json_object_set_new(ctx, "link", json_string(link));
  json_object_set_new(ctx, "link_label", json_string(t_(req, link_key)));
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, status, "konto_message", ctx);
}

/* ---- the buyer's state on every page ---- */

struct ids_arg {
  struct arena *a;
  int64_t user_id;
  struct buyer_favourite *favs;
  int n;
};

static int tx_fav_ids(db_conn *c, void *arg, struct err *e)
{
  struct ids_arg *x = arg;
  return buyer_fav_list(c, x->a, x->user_id, &x->favs, &x->n, e);
}

/* Every object with a public "id" gets fav_on (the card partial and the vehicle page
 * read it). The catalog and the buyer object are skipped. */
static void mark_cards(json_t *v, const struct buyer_favourite *favs, int n, int depth)
{
  if (depth > 8)
    return;
  if (json_is_array(v)) {
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it) mark_cards(it, favs, n, depth + 1);
    return;
  }
  if (!json_is_object(v))
    return;
  const char *id = json_string_value(json_object_get(v, "id"));
  if (id && id_valid(id)) {
    bool on = false;
    for (int i = 0; i < n && !on; i++)
      on = !strcmp(favs[i].vehicle_id, id);
    json_object_set_new(v, "fav_on", json_boolean(on));
  }
  const char *key;
  json_t *it;
  json_object_foreach(v, key, it)
  {
    if (depth == 0 && (!strcmp(key, "t") || !strcmp(key, "buyer")))
      continue;
    mark_cards(it, favs, n, depth + 1);
  }
}

void buyer_page_context(struct http_req *req, json_t *ctx)
{
  if (req->role != ROLE_BUYER || !req->session || !ctx || json_object_get(ctx, "buyer"))
    return;
  const struct session *s = req->session;
  struct ids_arg x = {.a = req->a, .user_id = req->user_id};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_READ, tx_fav_ids, &x, &e) < 0) {
    log_warn("buyer: favourites for the page: %s", e.msg);
    x.n = 0;
  }
  struct buf back;
  buf_init(&back, req->a);
  buf_puts(&back, req->path);
  if (req->m == HTTP_GET && req->raw_query && *req->raw_query && strlen(req->raw_query) < 400) {
    buf_putc(&back, '?');
    buf_puts(&back, req->raw_query);
  }
  json_t *b = json_object();
  json_object_set_new(b, "csrf", json_string(csrf_of(req)));
  json_object_set_new(b, "name",
                      json_string(s->name && *s->name ? s->name : (s->email ? s->email : "")));
  json_object_set_new(b, "fav_count", json_integer(x.n));
  json_object_set_new(b, "fav_any", json_boolean(x.n > 0));
  json_object_set_new(b, "back", json_string(buf_cstr(&back)));
  mark_cards(ctx, x.favs, x.n, 0);
  json_object_set_new(ctx, "buyer", b);
}

/* ---- sign-up ---- */

static int render_signup(struct http_req *req, int status, const struct field_errors *errs)
{
  json_t *ctx = web_context(req);
  json_t *f = json_object();
  const char *keep[] = {"name", "email"};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    const char *v = http_form(req, keep[i]);
    json_object_set_new(f, keep[i],
                        json_string(v && utf8_valid(v, strlen(v)) && strlen(v) <= 254 ? v : ""));
  }
  json_object_set_new(ctx, "f", f);
  json_object_set_new(ctx, "err", errors_json(errs));
  json_object_set_new(ctx, "has_errors", json_boolean(errs && errs->n));
  const char *next = http_local_target(
      http_query(req, "next") ? http_query(req, "next") : http_form(req, "next"), "");
  json_object_set_new(ctx, "next", json_string(next));
  if (*next) {
    struct buf q;
    buf_init(&q, req->a);
    buf_append_urlenc(&q, next, strlen(next));
    json_object_set_new(ctx, "next_q", json_string(buf_cstr(&q)));
  }
  return web_render(req, status, "konto_signup", ctx);
}

int buyer_signup_page(struct http_req *req)
{
  if (req->role == ROLE_BUYER)
    return http_redirect(req, 303, "/konto");
  return render_signup(req, 200, NULL);
}

struct signup_arg {
  struct arena *a;
  struct auth_user u;
  const char *password, *ip, *locale, *presented;
  char *token;
};

/* The verification mail, in the language of the sign-up. */
static int signup_mail(db_conn *c, struct signup_arg *x, const char *verify_token, struct err *e)
{
  const char *loc = x->locale;
  const char *link = arena_printf(x->a, "%s/bestaetigen?token=%s", cfg.base_url, verify_token);
  const char *body = arena_printf(x->a, "%s\n\n%s\n%s\n\n%s\n", i18n_get(loc, "buyer_mail.welcome"),
                                  i18n_get(loc, "buyer_mail.verify"), link,
                                  i18n_get(loc, "buyer_mail.verify_ttl"));
  struct mail m = {.to = x->u.email,
                   .locale = loc,
                   .kind = "buyer.verify",
                   .subject = i18n_get(loc, "buyer_mail.verify_subject"),
                   .text = body};
  return mail_queue(c, &m, e);
}

static int tx_signup(db_conn *c, void *arg, struct err *e)
{
  struct signup_arg *x = arg;
  /* a session cookie brought along ends first (no fixation); it may be anybody's */
  if (x->presented && *x->presented) {
    struct session old;
    int rc = session_lookup(c, x->a, x->presented, &old, e);
    if (rc < 0 || (rc == 1 && session_destroy(c, x->presented, e) < 0))
      return -1;
  }
  /* accounts without a dealer are platform rows (row-level security) */
  if (auth_tx_act_as(c, 0, e) < 0)
    return -1;
  if (auth_user_create(c, x->a, &x->u, x->password, e) < 0)
    return -1;
  if (db_set_user(c, x->u.id, e) < 0 || buyer_account_set_locale(c, x->u.id, x->locale, e) < 0)
    return -1;
  char *verify;
  if (auth_onetime_create(c, x->a, x->u.id, "verify", VERIFY_TTL, &verify, e) < 0 ||
      signup_mail(c, x, verify, e) < 0)
    return -1;
  /* signed up is logged in: the alerts wait for the confirmed address */
  if (session_create(c, x->a, &x->u, &x->token, NULL, e) < 0)
    return -1;
  return auth_audit(c, 0, x->u.id, "buyer.signup", "", x->ip, e);
}

int buyer_signup_post(struct http_req *req)
{
  struct arena *a = req->a;
  struct field_errors errs;
  field_errors_init(&errs, a);
  const char *name = http_form(req, "name"), *email = http_form(req, "email");
  const char *pw = http_form(req, "password");
  const char *tname = name ? str_trim(a, name) : "";
  if (!*tname || !utf8_valid(tname, strlen(tname)) ||
      utf8_len(tname, strlen(tname)) > BUYER_NAME_MAX)
    field_error_add(&errs, "name", "required", "%s", t_(req, "errors.required"));
  char *norm = auth_email_normalize(a, email);
  if (!norm)
    field_error_add(&errs, "email", "format", "%s", t_(req, "errors.email"));
  if (auth_password_policy(pw, "password", &errs) < 0)
    errs.e[errs.n - 1].detail = t_(req, "auth.password_rules");
  if (errs.n)
    return render_signup(req, 422, &errs);
  struct signup_arg x = {.a = a,
                         .password = pw,
                         .ip = req->client_ip,
                         .locale = req->locale && !strcmp(req->locale, "en") ? "en" : "de",
                         .presented = http_cookie(req, web_session_cookie_name())};
  x.u.email = norm;
  x.u.name = tname;
  x.u.role = AUTH_ROLE_BUYER;
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_signup, &x, &e) < 0) {
    if (e.code == CC24_E_DB_CONSTRAINT) {
      /* the address is taken; say so without more detail (as the dealer sign-up) */
      field_error_add(&errs, "email", "taken", "%s", t_(req, "auth.email_taken"));
      return render_signup(req, 422, &errs);
    }
    return http_problem_err(req, &e);
  }
  web_set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  const char *next = http_local_target(http_form(req, "next"), NULL);
  return http_redirect(req, 303, next && *next ? next : "/konto?ok=willkommen");
}

/* ---- the account page ---- */

struct account_arg {
  struct arena *a;
  int64_t user_id;
  struct buyer_account acc;
  struct buyer_favourite *favs;
  int nfav, nsearch, sessions;
};

static int tx_account(db_conn *c, void *arg, struct err *e)
{
  struct account_arg *x = arg;
  int rc = buyer_account_get(c, x->a, x->user_id, &x->acc, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such account");
  if (buyer_fav_list(c, x->a, x->user_id, &x->favs, &x->nfav, e) < 0)
    return -1;
  x->nsearch = buyer_search_count(c, x->user_id, e);
  if (x->nsearch < 0)
    return -1;
  /* the sessions are platform rows */
  if (auth_tx_act_as(c, 0, e) < 0)
    return -1;
  x->sessions = session_count_user(c, x->user_id, e);
  return x->sessions < 0 ? -1 : 0;
}

static const char *const account_notices[] = {"willkommen", "profil", "passwort", NULL};

static int render_account(struct http_req *req, int status, const struct field_errors *errs)
{
  struct account_arg x = {.a = req->a, .user_id = req->user_id};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_READ, tx_account, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_context(req);
  const char *name = errs ? http_form(req, "name") : NULL;
  json_object_set_new(ctx, "name",
                      json_string(name && utf8_valid(name, strlen(name)) && strlen(name) < 1000
                                      ? name
                                      : x.acc.name));
  json_object_set_new(ctx, "email", json_string(x.acc.email));
  json_object_set_new(ctx, "verified", json_boolean(x.acc.email_verified_at > 0));
  json_object_set_new(ctx, "locale_de", json_boolean(strcmp(x.acc.locale, "en") != 0));
  json_object_set_new(ctx, "locale_en", json_boolean(strcmp(x.acc.locale, "en") == 0));
  char since[32];
  time_berlin_date(x.acc.created_at, since, sizeof since);
  json_object_set_new(ctx, "since", json_string(since));
  json_object_set_new(ctx, "fav_total", json_integer(x.nfav));
  json_object_set_new(ctx, "search_total", json_integer(x.nsearch));
  json_object_set_new(ctx, "sessions", json_integer(x.sessions));
  json_object_set_new(ctx, "csrf", json_string(csrf_of(req)));
  json_object_set_new(ctx, "nav_account", json_true());
  const char *ok = http_query(req, "ok");
  for (int i = 0; ok && account_notices[i]; i++)
    if (!strcmp(ok, account_notices[i]))
      json_object_set_new(ctx, "notice",
                          json_string(t_(req, arena_printf(req->a, "buyer.ok_%s", ok))));
  json_object_set_new(ctx, "err", errors_json(errs));
  json_object_set_new(ctx, "has_errors", json_boolean(errs && errs->n));
  http_set_header(req, "Cache-Control", "no-store");
  return web_render(req, status, "konto", ctx);
}

int buyer_account_page(struct http_req *req)
{
  return render_account(req, 200, NULL);
}

struct profile_arg {
  int64_t user_id;
  const char *name, *locale, *ip;
};

static int tx_profile(db_conn *c, void *arg, struct err *e)
{
  struct profile_arg *x = arg;
  if (auth_user_set_name(c, x->user_id, x->name, e) < 0 ||
      buyer_account_set_locale(c, x->user_id, x->locale, e) < 0)
    return -1;
  return auth_audit(c, 0, x->user_id, "buyer.profile", "", x->ip, e);
}

int buyer_account_update(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *name = http_form(req, "name"), *loc = http_form(req, "locale");
  const char *t = name ? str_trim(req->a, name) : NULL;
  if (!t || !*t || !utf8_valid(t, strlen(t)) || utf8_len(t, strlen(t)) > BUYER_NAME_MAX)
    field_error_add(&errs, "name", "length", "%s", t_(req, "buyer.name_rules"));
  if (!loc || (strcmp(loc, "de") && strcmp(loc, "en")))
    field_error_add(&errs, "locale", "enum", "%s", t_(req, "errors.enum"));
  if (errs.n)
    return render_account(req, 422, &errs);
  struct profile_arg x = {req->user_id, t, loc, req->client_ip};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_profile, &x, &e) < 0)
    return http_problem_err(req, &e);
  return http_redirect(req, 303, "/konto?ok=profil");
}

/* ---- password, logout, erasure ---- */

struct pw_arg {
  struct arena *a;
  int64_t user_id;
  const char *current, *password, *cookie, *ip;
  bool wrong, erase;
  struct auth_user u;
  char *token;
  const char *csrf;
  int favourites, searches;
};

/* Check the current password (a stolen session alone changes nothing), then change it
 * (every other session ends, this one is rotated) or erase the account. */
static int tx_password(db_conn *c, void *arg, struct err *e)
{
  struct pw_arg *x = arg;
  if (auth_tx_act_as(c, 0, e) < 0)
    return -1;
  int rc = auth_user_get(c, x->a, x->user_id, &x->u, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such account");
  if (x->u.role != AUTH_ROLE_BUYER)
    return err_set(e, CC24_E_FORBIDDEN, "not a buyer account");
  if (!auth_password_verify(x->u.password_hash, x->current)) {
    x->wrong = true;
    return auth_audit(c, 0, x->user_id, "account.password_wrong",
                      x->erase ? "buyer.erase" : "password.change", x->ip, e);
  }
  if (x->erase) {
    if (session_destroy_user(c, x->user_id, e) < 0)
      return -1;
    rc = buyer_account_erase(c, x->user_id, &x->favourites, &x->searches, e);
    if (rc <= 0)
      return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such account");
    /* recorded without the person: no account, no address, only what was deleted */
    return auth_audit(c, 0, 0, "buyer.erased",
                      arena_printf(x->a, "favourites=%d searches=%d", x->favourites, x->searches),
                      "", e);
  }
  if (auth_user_set_password(c, x->user_id, x->password, e) < 0 ||
      session_destroy_others(c, x->user_id, x->cookie, e) < 0 ||
      session_destroy(c, x->cookie, e) < 0 ||
      session_create(c, x->a, &x->u, &x->token, &x->csrf, e) < 0)
    return -1;
  return auth_audit(c, 0, x->user_id, "password.change", "", x->ip, e);
}

static bool password_attempt_ok(struct http_req *req)
{
  int retry;
  return rl_take(arena_printf(req->a, "pwcheck:%lld", (long long)req->user_id), 5, 5, &retry);
}

int buyer_password_post(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *current = http_form(req, "current"), *pw = http_form(req, "password"),
             *pw2 = http_form(req, "password2");
  if (!current || !*current)
    field_error_add(&errs, "current", "required", "%s", t_(req, "account.current_missing"));
  if (auth_password_policy(pw, "password", &errs) < 0)
    errs.e[errs.n - 1].detail = t_(req, "auth.password_rules");
  else if (!pw2 || strcmp(pw, pw2) != 0)
    field_error_add(&errs, "password2", "format", "%s", t_(req, "account.mismatch"));
  else if (current && !strcmp(current, pw))
    field_error_add(&errs, "password", "format", "%s", t_(req, "account.same_password"));
  if (errs.n)
    return render_account(req, 422, &errs);
  if (strlen(current) > 1000 || !password_attempt_ok(req)) {
    field_error_add(&errs, "current", "rate", "%s", t_(req, "account.too_many"));
    return render_account(req, 429, &errs);
  }
  struct pw_arg x = {.a = req->a,
                     .user_id = req->user_id,
                     .current = current,
                     .password = pw,
                     .cookie = http_cookie(req, web_session_cookie_name()),
                     .ip = req->client_ip};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_password, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.wrong) {
    field_error_add(&errs, "current", "wrong", "%s", t_(req, "account.current_wrong"));
    return render_account(req, 422, &errs);
  }
  web_set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  return http_redirect(req, 303, "/konto?ok=passwort");
}

int buyer_delete_post(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *current = http_form(req, "delete_password"), *confirm = http_form(req, "confirm");
  if (!current || !*current)
    field_error_add(&errs, "delete_password", "required", "%s", t_(req, "account.current_missing"));
  if (!confirm || strcmp(confirm, "1"))
    field_error_add(&errs, "confirm", "required", "%s", t_(req, "buyer.delete_confirm_missing"));
  if (errs.n)
    return render_account(req, 422, &errs);
  if (strlen(current) > 1000 || !password_attempt_ok(req)) {
    field_error_add(&errs, "delete_password", "rate", "%s", t_(req, "account.too_many"));
    return render_account(req, 429, &errs);
  }
  struct pw_arg x = {.a = req->a,
                     .user_id = req->user_id,
                     .current = current,
                     .cookie = http_cookie(req, web_session_cookie_name()),
                     .ip = req->client_ip,
                     .erase = true};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_password, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.wrong) {
    field_error_add(&errs, "delete_password", "wrong", "%s", t_(req, "account.current_wrong"));
    return render_account(req, 422, &errs);
  }
  web_set_session_cookie(req, "", 0);
  /* the page after: no longer logged in */
  req->role = ROLE_PUBLIC;
  req->user_id = 0;
  req->session = NULL;
  return message_page(req, 200, "buyer.deleted_title", "buyer.deleted_text", "/", "error.home");
}

struct logout_arg {
  const char *token, *ip;
  int64_t user_id;
};

static int tx_logout(db_conn *c, void *arg, struct err *e)
{
  struct logout_arg *x = arg;
  if (auth_tx_act_as(c, 0, e) < 0 || session_destroy(c, x->token, e) < 0)
    return -1;
  return auth_audit(c, 0, x->user_id, "logout", "", x->ip, e);
}

int buyer_logout(struct http_req *req)
{
  struct logout_arg x = {http_cookie(req, web_session_cookie_name()), req->client_ip, req->user_id};
  struct err e = {0};
  if (x.token && db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_logout, &x, &e) < 0)
    return http_problem_err(req, &e);
  web_set_session_cookie(req, "", 0);
  return http_redirect(req, 303, "/");
}

/* ---- favourites ---- */

enum fav_action { FAV_ADD, FAV_REMOVE, FAV_MERGE };

struct fav_arg {
  struct arena *a;
  int64_t user_id;
  enum fav_action action;
  const char **ids;
  int nids;
  int changed;  /* rows added or removed */
  bool full;    /* the list was full */
  bool unknown; /* add: no such public vehicle */
  struct buyer_favourite *favs;
  int nfav;
};

/* A vehicle can be added while it is public; its title is kept for later. */
static int add_one(db_conn *c, struct fav_arg *x, const char *id, struct err *e)
{
  struct vehicle v;
  int rc = vehicle_store_get(c, x->a, 0, id, &v, e);
  if (rc <= 0) {
    x->unknown = x->unknown || rc == 0;
    return rc;
  }
  const char *title = arena_printf(x->a, "%s %s%s%s", v.make, v.model,
                                   v.variant && *v.variant ? " " : "", v.variant ? v.variant : "");
  struct err le = {0};
  rc = buyer_fav_add(c, x->user_id, id, title, &le);
  if (rc < 0 && le.code == CC24_E_CONFLICT) {
    x->full = true;
    return 0;
  }
  if (rc < 0)
    *e = le;
  return rc;
}

static int tx_fav(db_conn *c, void *arg, struct err *e)
{
  struct fav_arg *x = arg;
  x->changed = 0;
  for (int i = 0; i < x->nids; i++) {
    int rc = x->action == FAV_REMOVE ? buyer_fav_remove(c, x->user_id, x->ids[i], e)
                                     : add_one(c, x, x->ids[i], e);
    if (rc < 0)
      return -1;
    x->changed += rc;
    if (x->full)
      break;
  }
  return buyer_fav_list(c, x->a, x->user_id, &x->favs, &x->nfav, e);
}

/* The vehicle ids of the form: `vehicle` fields, each a single id or (merge) a comma
 * list; -1 when one is malformed or there are too many. */
static int form_ids(struct http_req *req, const char ***out, int max)
{
  const char **names, **values;
  int n = http_form_pairs(req, &names, &values), k = 0;
  const char **ids = arena_calloc(req->a, (size_t)max, sizeof *ids);
  for (int i = 0; i < n; i++) {
    if (strcmp(names[i], "vehicle"))
      continue;
    char *copy = arena_strdup(req->a, values[i]), *save = NULL;
    for (char *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
      if (!id_valid(p) || k >= max)
        return -1;
      bool dup = false;
      for (int j = 0; j < k; j++)
        dup |= !strcmp(ids[j], p);
      if (!dup)
        ids[k++] = p;
    }
  }
  *out = ids;
  return k;
}

int buyer_favourites_post(struct http_req *req)
{
  const char *act = http_form(req, "action");
  struct fav_arg x = {.a = req->a, .user_id = req->user_id};
  if (act && !strcmp(act, "add"))
    x.action = FAV_ADD;
  else if (act && !strcmp(act, "remove"))
    x.action = FAV_REMOVE;
  else if (act && !strcmp(act, "merge"))
    x.action = FAV_MERGE;
  else
    return http_problem(req, 422, CC24_E_VALIDATION, "action must be add, remove or merge",
                        "action");
  x.nids = form_ids(req, &x.ids, x.action == FAV_MERGE ? 50 : 1);
  if (x.nids < 0 || (x.nids == 0 && x.action != FAV_MERGE))
    return http_problem(req, 422, CC24_E_VALIDATION, "vehicle must be a vehicle id", "vehicle");
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_fav, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.action == FAV_ADD && x.unknown)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "vehicle");
  if (wants_json(req)) {
    json_t *j = json_object(), *ids = json_array();
    for (int i = 0; i < x.nfav; i++)
      json_array_append_new(ids, json_string(x.favs[i].vehicle_id));
    json_object_set_new(j, "favourites", ids);
    json_object_set_new(j, "count", json_integer(x.nfav));
    json_object_set_new(j, "changed", json_integer(x.changed));
    json_object_set_new(j, "full", json_boolean(x.full));
    return http_reply_json(req, x.full && x.action == FAV_ADD ? 409 : 200, j);
  }
  if (x.full)
    return http_redirect(req, 303, "/merkliste?voll=1");
  return http_redirect(req, 303, http_local_target(http_form(req, "back"), "/merkliste"));
}

struct favpage_arg {
  struct arena *a;
  int64_t user_id;
  struct buyer_favourite *favs;
  int n;
  struct vehicle *v; /* parallel to favs */
  bool *live;
};

static int tx_favpage(db_conn *c, void *arg, struct err *e)
{
  struct favpage_arg *x = arg;
  if (buyer_fav_list(c, x->a, x->user_id, &x->favs, &x->n, e) < 0)
    return -1;
  x->v = arena_calloc(x->a, (size_t)(x->n ? x->n : 1), sizeof *x->v);
  x->live = arena_calloc(x->a, (size_t)(x->n ? x->n : 1), sizeof *x->live);
  for (int i = 0; i < x->n; i++) {
    /* what the public sees now: sold, withdrawn or deleted vehicles are not there */
    int rc = vehicle_store_get(c, x->a, 0, x->favs[i].vehicle_id, &x->v[i], e);
    if (rc < 0)
      return -1;
    x->live[i] = rc == 1;
  }
  return 0;
}

int buyer_favourites_page(struct http_req *req)
{
  struct favpage_arg x = {.a = req->a, .user_id = req->user_id};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_READ, tx_favpage, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_context(req);
  json_t *cards = json_array(), *gone = json_array();
  struct buf cmp;
  buf_init(&cmp, req->a);
  int ncmp = 0;
  for (int i = 0; i < x.n; i++) {
    char d[32];
    time_berlin_date(x.favs[i].created_at, d, sizeof d);
    if (x.live[i]) {
      struct search_hit h;
      search_hit_from_vehicle(&x.v[i], &h);
      json_array_append_new(cards, site_card(req, &h));
      if (ncmp < 3) {
        buf_puts(&cmp, ncmp++ ? "," : "/vergleich?ids=");
        buf_puts(&cmp, h.public_id);
      }
    } else {
      json_array_append_new(gone,
                            json_pack("{s:s,s:s,s:s}", "vehicle", x.favs[i].vehicle_id, "title",
                                      *x.favs[i].title ? x.favs[i].title : "–", "added", d));
    }
  }
  json_object_set_new(ctx, "cards", cards);
  json_object_set_new(ctx, "gone", gone);
  json_object_set_new(ctx, "count", json_integer(x.n));
  json_object_set_new(ctx, "any", json_boolean(x.n > 0));
  json_object_set_new(ctx, "live_count", json_integer((json_int_t)json_array_size(cards)));
  json_object_set_new(ctx, "compare_url", json_string(ncmp > 1 ? buf_cstr(&cmp) : ""));
  json_object_set_new(ctx, "full", json_boolean(http_query(req, "voll") != NULL));
  json_object_set_new(ctx, "max", json_integer(BUYER_FAVOURITES_MAX));
  json_object_set_new(ctx, "csrf", json_string(csrf_of(req)));
  json_object_set_new(ctx, "nav_favourites", json_true());
  http_set_header(req, "X-Robots-Tag", "noindex");
  http_set_header(req, "Cache-Control", "no-store");
  return web_render(req, 200, "konto_favourites", ctx);
}

/* ---- saved searches ---- */

/* A name for a search from its filters: "BMW 3er · Diesel · bis 30.000 €". */
static const char *suggest_name(struct http_req *req, const struct search_query *q)
{
  struct arena *a = req->a;
  struct buf b;
  buf_init(&b, a);
#define SEP() (b.len ? " · " : "")
  for (int i = 0; i < q->nmake && i < 2; i++)
    buf_printf(&b, "%s%s", i ? ", " : "", q->make[i]);
  for (int i = 0; i < q->nmodel && i < 2; i++)
    buf_printf(&b, "%s%s", i ? ", " : (b.len ? " " : ""), q->model[i]);
  const struct {
    const struct enum_def *en;
    uint32_t mask;
  } single[] = {{&vehicle_enum_body, q->body},
                {&vehicle_enum_fuel, q->fuel},
                {&vehicle_enum_gearbox, q->gearbox},
                {&vehicle_enum_condition, q->condition}};
  for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
    uint32_t m = single[i].mask;
    if (m && !(m & (m - 1)))
      buf_printf(&b, "%s%s", SEP(), enum_label(single[i].en, __builtin_ctz(m), req->locale));
  }
  if (q->price_max >= 0)
    buf_printf(&b, "%s%s %s", SEP(), t_(req, "filters.to"), site_price(a, q->price_max));
  if (q->mileage_max >= 0)
    buf_printf(&b, "%s%s %s km", SEP(), t_(req, "filters.to"), site_int_de(a, q->mileage_max));
  if (q->first_reg_min >= 0)
    buf_printf(&b, "%s%s %d", SEP(), t_(req, "filters.from"), q->first_reg_min / 12);
  if (q->ntokens) {
    buf_printf(&b, "%s„", SEP());
    for (int i = 0; i < q->ntokens; i++)
      buf_printf(&b, "%s%s", i ? " " : "", q->tokens[i]);
    buf_puts(&b, "“");
  }
#undef SEP
  const char *s = b.len ? buf_cstr(&b) : t_(req, "buyer.search_default_name");
  /* at most BUYER_SEARCH_NAME_MAX characters, cut at a character boundary */
  size_t n = strlen(s), cps = 0, i = 0;
  while (i < n && cps < BUYER_SEARCH_NAME_MAX) {
    size_t l = utf8_valid_prefix(s + i, n - i);
    i += l ? l : 1;
    cps++;
  }
  return arena_strndup(a, s, i);
}

struct searches_arg {
  struct arena *a;
  int64_t user_id;
  struct buyer_search *rows;
  int n;
  bool verified;
};

static int tx_searches(db_conn *c, void *arg, struct err *e)
{
  struct searches_arg *x = arg;
  struct buyer_account acc;
  int rc = buyer_account_get(c, x->a, x->user_id, &acc, e);
  if (rc <= 0)
    return rc < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no such account");
  x->verified = acc.email_verified_at > 0;
  return buyer_search_list(c, x->a, x->user_id, &x->rows, &x->n, e);
}

/* The list with the current hit count of each search, and the "save this search"
 * panel when a query is offered (query may be NULL). errs (may be NULL) belong to the
 * form named by form_id ("new" or a search's public id). */
static int render_searches(struct http_req *req, int status, const char *query,
                           const struct field_errors *errs, const char *form_id)
{
  struct arena *a = req->a;
  struct searches_arg x = {.a = a, .user_id = req->user_id};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_READ, tx_searches, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_context(req);
  json_t *rows = json_array();
  for (int i = 0; i < x.n; i++) {
    const struct buyer_search *s = &x.rows[i];
    const char **names, **values;
    int np = http_parse_urlencoded(a, s->query, strlen(s->query), &names, &values);
    struct search_query q;
    struct field_errors pe;
    field_errors_init(&pe, a);
    search_query_parse(a, np < 0 ? 0 : np, names, values, 0, &q, &pe);
    q.size = 1;
    q.no_facets = true;
    struct search_result res;
    int64_t hits = search_run(app_of(req)->search, &q, a, &res) == 0 ? res.total : 0;
    char created[32];
    time_berlin_date(s->created_at, created, sizeof created);
    json_t *r = json_pack("{s:s,s:s,s:s,s:b,s:I,s:s,s:s,s:i}", "id", s->id, "name", s->name, "url",
                          arena_printf(a, "/fahrzeuge?%s", s->query), "alert", s->alert, "hits",
                          (json_int_t)hits, "hits_label", site_int_de(a, hits), "created", created,
                          "alerts_sent", s->alerts_sent);
    if (s->last_alert_at > 0) {
      char d[32];
      time_berlin_date(s->last_alert_at, d, sizeof d);
      json_object_set_new(r, "last_alert", json_string(d));
    }
    if (form_id && !strcmp(form_id, s->id) && errs) {
      json_object_set_new(r, "err", errors_json(errs));
      const char *typed = http_form(req, "name");
      if (typed && utf8_valid(typed, strlen(typed)) && strlen(typed) < 1000)
        json_object_set_new(r, "name_typed", json_string(typed));
    }
    json_array_append_new(rows, r);
  }
  json_object_set_new(ctx, "searches", rows);
  json_object_set_new(ctx, "count", json_integer(x.n));
  json_object_set_new(ctx, "any", json_boolean(x.n > 0));
  json_object_set_new(ctx, "max", json_integer(BUYER_SEARCHES_MAX));
  json_object_set_new(ctx, "at_limit", json_boolean(x.n >= BUYER_SEARCHES_MAX));
  json_object_set_new(ctx, "verified", json_boolean(x.verified));
  json_object_set_new(ctx, "csrf", json_string(csrf_of(req)));
  json_object_set_new(ctx, "nav_searches", json_true());

  /* the offered search: valid → the form to save it; invalid → why not */
  if (query) {
    struct field_errors qe;
    field_errors_init(&qe, a);
    const char *canonical = NULL;
    struct search_query q;
    json_t *offer = json_object();
    bool new_form = form_id && !strcmp(form_id, "new");
    if (buyer_search_check(a, query, "query", &canonical, &q, &qe) == 0) {
      json_object_set_new(offer, "query", json_string(canonical));
      const char *typed = new_form ? http_form(req, "name") : NULL;
      json_object_set_new(
          offer, "name",
          json_string(typed && utf8_valid(typed, strlen(typed)) && strlen(typed) < 1000
                          ? typed
                          : suggest_name(req, &q)));
      json_object_set_new(offer, "url", json_string(arena_printf(a, "/fahrzeuge?%s", canonical)));
      const char *al = new_form ? http_form(req, "alert") : "1";
      json_object_set_new(offer, "alert", json_boolean(al && !strcmp(al, "1")));
      json_object_set_new(offer, "valid", json_true());
      if (new_form && errs)
        json_object_set_new(offer, "err", errors_json(errs));
    } else {
      /* why, in the page's language (the parser's own words are the API's) */
      static const char *const codes[] = {"required", "unknown", "enum",
                                          "range",    "format",  "length"};
      const char *key = "buyer.query_format";
      for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (!strcmp(qe.e[0].code, codes[i]))
          key = arena_printf(a, "buyer.query_%s", codes[i]);
      json_object_set_new(offer, "valid", json_false());
      json_object_set_new(offer, "problem", json_string(t_(req, key)));
    }
    json_object_set_new(ctx, "offer", offer);
  }
  const char *ok = http_query(req, "ok");
  if (ok && (!strcmp(ok, "gespeichert") || !strcmp(ok, "geaendert") || !strcmp(ok, "geloescht")))
    json_object_set_new(ctx, "notice",
                        json_string(t_(req, arena_printf(a, "buyer.search_ok_%s", ok))));
  http_set_header(req, "X-Robots-Tag", "noindex");
  http_set_header(req, "Cache-Control", "no-store");
  return web_render(req, status, "konto_searches", ctx);
}

int buyer_searches_page(struct http_req *req)
{
  const char *query = http_query(req, "query");
  if (query) {
    /* an offered search that cannot be saved is the request's fault: 422 */
    struct field_errors qe;
    field_errors_init(&qe, req->a);
    const char *canonical;
    bool bad = buyer_search_check(req->a, query, "query", &canonical, NULL, &qe) < 0;
    return render_searches(req, bad ? 422 : 200, query, NULL, NULL);
  }
  return render_searches(req, 200, NULL, NULL, NULL);
}

struct create_arg {
  struct buyer_search s;
};

static int tx_create(db_conn *c, void *arg, struct err *e)
{
  struct create_arg *x = arg;
  return buyer_search_create(c, &x->s, e);
}

int buyer_searches_post(struct http_req *req)
{
  struct arena *a = req->a;
  struct field_errors errs;
  field_errors_init(&errs, a);
  const char *query = http_form(req, "query"), *name = http_form(req, "name");
  const char *al = http_form(req, "alert");
  const char *canonical = NULL, *tname = NULL;
  if (buyer_search_check(a, query, "query", &canonical, NULL, &errs) < 0) {
    /* nothing to offer again: say why on the list */
    return render_searches(req, 422, query && strlen(query) <= BUYER_QUERY_MAX ? query : "", &errs,
                           "new");
  }
  if (buyer_search_name_check(a, name, "name", &tname, &errs) < 0)
    errs.e[errs.n - 1].detail = t_(req, "buyer.search_name_rules");
  if (al && strcmp(al, "1") && strcmp(al, "0"))
    field_error_add(&errs, "alert", "enum", "%s", t_(req, "errors.enum"));
  if (errs.n)
    return render_searches(req, 422, canonical, &errs, "new");
  struct create_arg x = {
      .s = {.user_id = req->user_id, .name = tname, .query = canonical, .alert = al && *al == '1'}};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_create, &x, &e) < 0) {
    if (e.code == CC24_E_CONFLICT || e.code == CC24_E_DB_CONSTRAINT) {
      field_error_add(
          &errs, "query", e.code == CC24_E_CONFLICT ? "limit" : "duplicate", "%s",
          t_(req, e.code == CC24_E_CONFLICT ? "buyer.search_limit" : "buyer.search_duplicate"));
      return render_searches(req, 409, canonical, &errs, "new");
    }
    return http_problem_err(req, &e);
  }
  return http_redirect(req, 303, arena_printf(a, "/konto/suchen?ok=gespeichert#s-%s", x.s.id));
}

struct update_arg {
  int64_t user_id;
  const char *id, *name;
  int alert; /* -1 unchanged */
  int found;
};

static int tx_update(db_conn *c, void *arg, struct err *e)
{
  struct update_arg *x = arg;
  x->found = 0;
  if (x->name) {
    int rc = buyer_search_rename(c, x->user_id, x->id, x->name, e);
    if (rc < 0)
      return -1;
    x->found |= rc;
  }
  if (x->alert >= 0) {
    int rc = buyer_search_set_alert(c, x->user_id, x->id, x->alert == 1, time_now(), e);
    if (rc < 0)
      return -1;
    x->found |= rc;
  }
  return 0;
}

int buyer_search_update(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  const char *id = http_param(req, "id"), *name = http_form(req, "name"),
             *al = http_form(req, "alert");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such saved search", NULL);
  struct update_arg x = {.user_id = req->user_id, .id = id, .alert = -1};
  if (name && buyer_search_name_check(req->a, name, "name", &x.name, &errs) < 0)
    errs.e[errs.n - 1].detail = t_(req, "buyer.search_name_rules");
  if (al) {
    if (!strcmp(al, "1") || !strcmp(al, "0"))
      x.alert = *al == '1';
    else
      field_error_add(&errs, "alert", "enum", "%s", t_(req, "errors.enum"));
  }
  if (!name && !al)
    field_error_add(&errs, "name", "required", "%s", t_(req, "errors.required"));
  if (errs.n) /* shown at the row (nothing is shown for another buyer's id) */
    return render_searches(req, 422, NULL, &errs, id);
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_update, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such saved search", NULL);
  return http_redirect(req, 303, arena_printf(req->a, "/konto/suchen?ok=geaendert#s-%s", id));
}

struct delete_arg {
  int64_t user_id;
  const char *id;
  int found;
};

static int tx_delete(db_conn *c, void *arg, struct err *e)
{
  struct delete_arg *x = arg;
  x->found = buyer_search_delete(c, x->user_id, x->id, e);
  return x->found < 0 ? -1 : 0;
}

int buyer_search_delete_post(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such saved search", NULL);
  struct delete_arg x = {req->user_id, id, 0};
  struct err e = {0};
  if (db_tx_user(app_of(req)->db, req->user_id, DB_WRITE, tx_delete, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such saved search", NULL);
  return http_redirect(req, 303, "/konto/suchen?ok=geloescht");
}

/* ---- unsubscribe (from the alert mail, no login) ---- */

struct unsub_arg {
  struct arena *a;
  const char *token;
  bool apply;
  int found;
  bool was_on;
  struct buyer_search s;
};

static int tx_unsub(db_conn *c, void *arg, struct err *e)
{
  struct unsub_arg *x = arg;
  x->found = 0;
  unsigned char key[BUYER_KEY_BYTES];
  char id[ID_LEN + 1];
  if (buyer_signing_key(c, "alert-unsubscribe", key, e) < 0)
    return -1;
  bool ok = buyer_unsub_check(key, x->token, id);
  sodium_memzero(key, sizeof key);
  if (!ok)
    return 0;
  /* the signature names the search; its owner is found before anyone is logged in */
  int64_t owner = 0;
  int rc = db_query_one(c, NULL,
                        DB_SQL(c, "SELECT user_id FROM saved_searches WHERE public_id = $1",
                               "SELECT cc24_buyer_search_owner($1)"),
                        DB_PARAMS(db_text(id)), DB_ROW(db_out_i64(&owner)), e);
  if (rc < 0)
    return -1;
  if (rc == 0 || owner <= 0)
    return 0;
  if (db_set_user(c, owner, e) < 0)
    return -1;
  x->found = buyer_search_get(c, x->a, owner, id, &x->s, e);
  if (x->found <= 0)
    return x->found < 0 ? -1 : 0;
  x->was_on = x->s.alert;
  if (x->apply && x->s.alert) {
    if (buyer_search_set_alert(c, owner, id, false, time_now(), e) < 0)
      return -1;
    return auth_audit(c, 0, owner, "buyer.alert_unsubscribed", "", "", e);
  }
  return 0;
}

static int unsub(struct http_req *req, const char *token, bool apply)
{
  struct unsub_arg x = {.a = req->a, .token = token ? token : "", .apply = apply};
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, apply ? DB_WRITE : DB_READ, tx_unsub, &x, &e) < 0)
    return http_problem_err(req, &e);
  http_set_header(req, "X-Robots-Tag", "noindex");
  http_set_header(req, "Referrer-Policy", "no-referrer");
  if (x.found != 1)
    return message_page(req, 404, "buyer.unsub_invalid_title", "buyer.unsub_invalid_text", "/",
                        "error.home");
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "name", json_string(x.s.name));
  json_object_set_new(ctx, "token", json_string(token));
  json_object_set_new(ctx, "done", json_boolean(apply));
  json_object_set_new(ctx, "already", json_boolean(!apply && !x.was_on));
  return web_render(req, 200, "konto_unsubscribe", ctx);
}

int buyer_unsubscribe_page(struct http_req *req)
{
  return unsub(req, http_query(req, "t"), false);
}

/* The form's button, and RFC 8058 one-click: a mail program POSTs
 * "List-Unsubscribe=One-Click" to the List-Unsubscribe URL, whose query holds t. */
int buyer_unsubscribe_post(struct http_req *req)
{
  const char *t = http_form(req, "t");
  return unsub(req, t ? t : http_query(req, "t"), true);
}
