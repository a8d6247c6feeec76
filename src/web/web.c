#include "web/web.h"
#include "site/site.h"

#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "render/i18n.h"
#include "render/render.h"
#include "tenant/tenant.h"

#include <stdio.h>
#include <string.h>

void web_page_urls(struct http_req *req, json_t *ctx, const char *path, const char *query)
{
  struct arena *a = req->a;
  const char *de = web_url_with_lang(req, path, query, NULL);
  const char *en = web_url_with_lang(req, path, query, "en");
  bool is_en = req->locale && strcmp(req->locale, "en") == 0;
  json_t *seo = json_object();
  json_object_set_new(seo, "de", json_string(arena_printf(a, "%s%s", cfg.base_url, de)));
  json_object_set_new(seo, "en", json_string(arena_printf(a, "%s%s", cfg.base_url, en)));
  json_object_set_new(seo, "canonical",
                      json_string(arena_printf(a, "%s%s", cfg.base_url, is_en ? en : de)));
  json_object_set_new(ctx, "seo", seo);
  /* the switch names its language, so that the choice is remembered (cookie) */
  json_object_set_new(ctx, "lang_switch",
                      json_string(web_url_with_lang(req, path, query, is_en ? "de" : "en")));
}

static const char *lang_of(const char *s);

json_t *web_context(struct http_req *req)
{
  const char *lang = req->locale ? req->locale : "de";
  json_t *ctx = json_arena(req->a, json_object());
  json_t *cat = i18n_catalog(lang);
  json_object_set(ctx, "t", cat ? cat : json_object());
  json_object_set_new(ctx, "lang", json_string(lang));
  json_object_set_new(ctx, "lang_de", json_boolean(strcmp(lang, "de") == 0));
  json_object_set_new(ctx, "other_lang", json_string(strcmp(lang, "de") == 0 ? "en" : "de"));
  json_object_set_new(ctx, "path", json_string(req->path));
  web_page_urls(req, ctx, req->path ? req->path : "/", NULL);
  int y, m;
  time_berlin_ym(time_now(), &y, &m);
  json_object_set_new(ctx, "year", json_integer(y));
  json_object_set_new(ctx, "base_url", json_string(cfg.base_url));
  json_t *assets = json_object();
  json_object_set_new(assets, "css", json_string(http_static_url("css/app.css")));
  json_object_set_new(assets, "js", json_string(http_static_url("js/app.js")));
  json_object_set_new(assets, "logo", json_string(http_static_url("img/logo.svg")));
  json_object_set_new(ctx, "assets", assets);
  return ctx;
}

int web_render(struct http_req *req, int status, const char *name, json_t *ctx)
{
  struct app *app = req->app;
  struct buf b;
  buf_init(&b, req->a);
  buf_reserve(&b, 32 * 1024);
  struct err e = {0};
  buyer_page_context(req, ctx);
  if (render_page(app->tmpl, name, ctx, &b, &e) < 0) {
    log_error("render %s: %s", name, e.msg);
    return -1;
  }
  http_set_header(req, "Content-Language", req->locale ? req->locale : "de");
  return http_reply_arena(req, status, "text/html; charset=utf-8", b.data, b.len);
}

int web_error_page(struct http_req *req, int status, int code, const char *detail)
{
  (void)code;
  (void)detail;
  struct app *app = req->app;
  if (!req->locale || !req->route) {
    /* answered before web_before (no route matched): ?lang=, then the cookie */
    const char *ql = lang_of(http_query(req, "lang"));
    const char *cl = lang_of(http_cookie(req, "lang"));
    req->locale = ql ? ql : cl ? cl : "de";
    http_vary(req, "Cookie");
  }
  if (app && app->tmpl) {
    json_t *ctx = web_context(req);
    json_object_set_new(ctx, "status", json_integer(status));
    json_object_set_new(ctx, "is_404", json_boolean(status == 404 || status == 410));
    json_object_set_new(ctx, "is_4xx", json_boolean(status >= 400 && status < 500));
    if (status < 500)
      buyer_page_context(req, ctx);
    struct buf b;
    buf_init(&b, req->a);
    struct err e = {0};
    if (render_page(app->tmpl, "error", ctx, &b, &e) == 0)
      return http_reply_arena(req, status, "text/html; charset=utf-8", b.data, b.len);
    log_error("render error page: %s", e.msg);
  }
  char *html = arena_printf(req->a,
                            "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
                            "<title>Fehler %d</title><h1>Fehler %d</h1></html>",
                            status, status);
  return http_reply_arena(req, status, "text/html; charset=utf-8", html, strlen(html));
}

/* ---- middleware ---- */

static int too_many(struct http_req *req, int retry_after)
{
  http_set_header(req, "Retry-After",
                  arena_printf(req->a, "%d", retry_after < 1 ? 1 : retry_after));
  http_problem(req, 429, CC24_E_RATE_LIMITED, "too many requests; try again later", NULL);
  return 1;
}

struct key_arg {
  struct arena *a;
  const char *key;
  struct auth_token t;
  int found;
};

static int tx_key(db_conn *c, void *arg, struct err *e)
{
  struct key_arg *k = arg;
  k->found = auth_token_lookup(c, k->a, k->key, &k->t, e);
  return k->found < 0 ? -1 : 0;
}

/* API credentials: "Authorization: Bearer TOKEN" (API tokens with scopes). A token
 * acts for its dealer; writing needs the inventory:write scope. */
static int authenticate(struct http_req *req)
{
  const char *auth = http_header(req, "Authorization");
  if (!auth)
    return 0;
  const char *key = strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
  if (!key || !*key || strlen(key) > 200) {
    http_problem(req, 401, CC24_E_UNAUTHORIZED, "unsupported or malformed credential", NULL);
    return 1;
  }
  struct app *app = req->app;
  struct key_arg k = {.a = req->a, .key = key};
  struct err e = {0};
  if (db_tx(app->db, 0, DB_READ, tx_key, &k, &e) < 0) {
    http_problem_err(req, &e);
    return 1;
  }
  if (!k.found) {
    /* repeated failures from one address end in 429 */
    int retry = 60;
    if (!rl_take(arena_printf(req->a, "authfail:%s", http_client_net(req)), 20, 20, &retry))
      return too_many(req, retry);
    http_problem(req, 401, CC24_E_UNAUTHORIZED, "invalid credential", NULL);
    return 1;
  }
  /* per-token API limit */
  int retry = 1;
  if (!rl_take(arena_printf(req->a, "api:%s", k.t.public_id), 600, 6000, &retry))
    return too_many(req, retry);
  req->tenant_id = k.t.tenant_id;
  req->tenant_slug = k.t.tenant_slug;
  /* a token speaks for its dealer: it reads what the dealer's staff may read; changing
   * anything needs the inventory:write scope as well (checked with the route's role) */
  req->role = (k.t.scopes & AUTH_SCOPE_INVENTORY_WRITE) ? ROLE_OWNER : ROLE_STAFF;
  req->scopes = k.t.scopes ? k.t.scopes : AUTH_SCOPE_READ;
  return 0;
}

struct session_arg {
  struct arena *a;
  const char *token;
  struct session s;
  int found;
};

static int tx_session(db_conn *c, void *arg, struct err *e)
{
  struct session_arg *x = arg;
  x->found = session_lookup(c, x->a, x->token, &x->s, e);
  return x->found < 0 ? -1 : 0;
}

/* The login session of a page request, if any: user, dealer and role. */
static int web_session(struct http_req *req)
{
  const char *token = http_cookie(req, web_session_cookie_name());
  if (!token || !*token)
    return 0;
  struct session_arg x = {.a = req->a, .token = token};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_WRITE, tx_session, &x, &e) < 0) {
    http_problem_err(req, &e);
    return 1;
  }
  if (!x.found)
    return 0;
  struct session *s = arena_alloc(req->a, sizeof *s);
  *s = x.s;
  req->session = s;
  req->user_id = s->user_id;
  req->tenant_id = s->tenant_id;
  req->tenant_slug = s->tenant_slug;
  req->role = web_role_of(s->role);
  return 0;
}

int web_load_session(struct http_req *req)
{
  if (req->session || req->user_id)
    return 0;
  return web_session(req);
}

int web_role_of(int auth_role)
{
  switch (auth_role) {
  case AUTH_ROLE_ADMIN:
    return ROLE_ADMIN;
  case AUTH_ROLE_OWNER:
    return ROLE_OWNER;
  case AUTH_ROLE_STAFF:
    return ROLE_STAFF;
  case AUTH_ROLE_BUYER:
    return ROLE_BUYER;
  default:
    return ROLE_PUBLIC; /* an unknown role opens nothing */
  }
}

bool web_role_allows(int have, int need)
{
  if (need == ROLE_PUBLIC)
    return true;
  if (need == ROLE_BUYER)
    return have == ROLE_BUYER;
  return have != ROLE_BUYER && have >= need;
}

/* "de" or "en" for those two values, NULL otherwise. */
static const char *lang_of(const char *s)
{
  if (s && strcmp(s, "de") == 0)
    return "de";
  if (s && strcmp(s, "en") == 0)
    return "en";
  return NULL;
}

/* The request's URL with lang=LANG in its query (other lang parameters dropped), path
 * percent-encoded: "/fahrzeuge?make=audi&lang=en". */
const char *web_url_with_lang(struct http_req *req, const char *path, const char *query,
                              const char *lang)
{
  struct buf b;
  buf_init(&b, req->a);
  for (const char *p = path; *p;) {
    size_t l = strcspn(p, "/");
    buf_append_urlenc(&b, p, l);
    p += l;
    if (*p == '/') {
      buf_append(&b, "/", 1);
      p++;
    }
  }
  char sep = '?';
  for (const char *p = query ? query : ""; *p;) {
    size_t l = strcspn(p, "&");
    size_t kl = strcspn(p, "=&");
    if (l && !(kl == 4 && strncmp(p, "lang", 4) == 0)) {
      buf_append(&b, &sep, 1);
      buf_append(&b, p, l);
      sep = '&';
    }
    p += l;
    if (*p == '&')
      p++;
  }
  if (lang)
    buf_printf(&b, "%clang=%s", sep, lang);
  return b.len ? b.data : "/";
}

/* The page's language. A public page (ROUTE_LANG_URL) has one language per URL: German
 * at the plain URL, English with ?lang=en. A visitor who chose English (the lang cookie,
 * set whenever ?lang= is given) is sent from the plain URL to the English one, so the
 * plain URL's answer depends on the cookie (Vary: Cookie) — and never on
 * Accept-Language, which a shared cache would mix up. Private pages (dashboard,
 * account) follow ?lang=, then the cookie, else German; the JSON API also falls back to
 * Accept-Language and says so in Vary. 1 when answered (the redirect). */
static int pick_locale(struct http_req *req)
{
  const char *q = http_query(req, "lang");
  const char *ql = lang_of(q);
  const char *cl = lang_of(http_cookie(req, "lang"));
  if (req->is_api) {
    req->locale = i18n_pick(ql, cl, http_header(req, "Accept-Language"));
    http_vary(req, "Accept-Language");
    http_vary(req, "Cookie");
    return 0;
  }
  /* the visitor's own choice, so strictly necessary (§ 25 (2) TDDDG); no script reads it */
  if (ql && (!cl || strcmp(ql, cl) != 0))
    http_set_cookie(req, "lang", ql,
                    web_tls(req) ? "Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly; Secure"
                                 : "Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
  if (req->route && (req->route->flags & ROUTE_LANG_URL)) {
    http_vary(req, "Cookie");
    if (!q && cl && strcmp(cl, "en") == 0 && (req->m == HTTP_GET || req->m == HTTP_HEAD)) {
      req->locale = "en";
      http_redirect(
          req, 302,
          http_local_target(web_url_with_lang(req, req->path, req->raw_query, "en"), "/"));
      return 1;
    }
    req->locale = ql ? ql : "de";
    return 0;
  }
  req->locale = ql ? ql : cl ? cl : "de";
  return 0;
}

int web_before(struct http_req *req)
{
  if (pick_locale(req))
    return 1;
  req->role = ROLE_PUBLIC;
  if (req->route && (req->route->flags & ROUTE_INTERNAL) && !http_ip_is_internal(req->client_ip)) {
    http_problem(req, 404, CC24_E_NOT_FOUND, "no such page", NULL);
    return 1;
  }
  if (req->route && (req->route->rl == RL_SIGNUP || req->route->rl == RL_RESET) &&
      req->m == HTTP_POST) {
    int retry = 60;
    if (!rl_take(arena_printf(req->a, "%s:%s", req->route->rl == RL_SIGNUP ? "signup" : "reset",
                              http_client_net(req)),
                 10, 10, &retry))
      return too_many(req, retry);
  }
  if (req->route && req->route->rl == RL_LOGIN && req->m == HTTP_POST) {
    /* login attempts: per address and per account */
    int retry = 60;
    const char *email = http_form(req, "email");
    if (!rl_take(arena_printf(req->a, "login-ip:%s", http_client_net(req)), 20, 10, &retry) ||
        (email && !rl_take(arena_printf(req->a, "login-account:%s", str_lower(req->a, email)), 10,
                           5, &retry)))
      return too_many(req, retry);
  }
  bool writes = req->m != HTTP_GET && req->m != HTTP_HEAD && req->m != HTTP_OPTIONS;
  if (req->is_api) {
    if (http_header(req, "Authorization")) {
      if (authenticate(req))
        return 1;
    } else if (web_session(req)) {
      return 1;
    } else if (req->session && writes &&
               !session_csrf_ok(req->session, http_header(req, "X-CSRF-Token"))) {
      /* the dashboard's scripts call the API with the login session; a write must show
       * the session's CSRF token in a header, which no other site can set */
      http_problem(req, 403, CC24_E_CSRF, "the X-CSRF-Token header is missing or wrong", NULL);
      return 1;
    }
  } else if (!(req->route && (req->route->flags & ROUTE_NOSESSION)) && web_session(req)) {
    return 1;
  }
  if (req->is_api && req->route && req->route->rl == RL_API && !req->tenant_id && !req->user_id &&
      cfg.api_rate_anonymous > 0) {
    /* the anonymous API (search, vehicles, makes, financing): per address; a token
     * holder has the token's own limit */
    int retry = 1;
    double per_min = cfg.api_rate_anonymous, burst = per_min / 3 < 1 ? 1 : per_min / 3;
    if (!rl_take(arena_printf(req->a, "api-anon:%s", http_client_net(req)), burst, per_min, &retry))
      return too_many(req, retry);
  }
  if (req->route && req->route->rl == RL_FORM && req->m == HTTP_POST) {
    /* dashboard forms: per user (or address), generous for people, not for scripts */
    int retry = 1;
    const char *who = req->user_id ? arena_printf(req->a, "u%lld", (long long)req->user_id)
                                   : http_client_net(req);
    if (!rl_take(arena_printf(req->a, "form:%s", who), 60, 120, &retry))
      return too_many(req, retry);
  }
  bool allowed = !req->route || web_role_allows(req->role, req->route->role);
  if (!allowed && !req->is_api && !req->user_id) {
    /* pages: to the login, and back here afterwards (with the query of a GET, so
     * "save this search" comes back with its search) */
    struct buf b, next;
    buf_init(&b, req->a);
    buf_init(&next, req->a);
    buf_puts(&next, req->path);
    if (req->m == HTTP_GET && req->raw_query && *req->raw_query && strlen(req->raw_query) <= 400) {
      buf_putc(&next, '?');
      buf_puts(&next, req->raw_query);
    }
    buf_puts(&b, "/anmelden?next=");
    buf_append_urlenc(&b, next.data, next.len);
    return http_redirect(req, 303, buf_cstr(&b)), 1;
  }
  if (req->route && (req->route->flags & ROUTE_CSRF) &&
      !session_csrf_ok(req->session, http_form(req, "_csrf"))) {
    http_problem(req, 403, CC24_E_CSRF, "the form has expired; please reload the page", NULL);
    return 1;
  }
  if (req->route && req->scopes && writes && req->route->role > ROLE_PUBLIC &&
      !(req->scopes & AUTH_SCOPE_INVENTORY_WRITE)) {
    http_problem(req, 403, CC24_E_FORBIDDEN, "the token lacks the inventory:write scope", NULL);
    return 1;
  }
  if (!allowed) {
    /* a buyer on a dealer page or a dealer on a buyer page */
    if (req->role == ROLE_BUYER || req->route->role == ROLE_BUYER)
      http_problem(req, 403, CC24_E_FORBIDDEN,
                   req->role == ROLE_BUYER ? "this page is for dealer accounts"
                                           : "this page is for buyer accounts",
                   NULL);
    else if (req->tenant_id > 0)
      http_problem(req, 403, CC24_E_FORBIDDEN, "the credential lacks the scope for this", NULL);
    else
      http_problem(req, 401, CC24_E_UNAUTHORIZED, "this endpoint needs a dealer credential", NULL);
    return 1;
  }
  /* a buyer looked at a vehicle page: counted for the dealer's dashboard (the id is
   * the slug's tail; unknown and unpublished ids are dropped when the counts are
   * written) */
  if (req->m == HTTP_GET && req->route && req->route->handler == site_vehicle_page &&
      (!req->user_id || req->role == ROLE_BUYER)) {
    const char *slug = http_param(req, "slug");
    size_t sl = slug ? strlen(slug) : 0;
    if (sl >= ID_LEN)
      site_views_count(req, slug + sl - ID_LEN);
  }
  return 0;
}
